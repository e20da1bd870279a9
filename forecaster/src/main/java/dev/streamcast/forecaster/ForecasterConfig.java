package dev.streamcast.forecaster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every forecaster setting; defaults run the quickstart. Documented in forecaster/README.md. */
@ConfigMapping(prefix = "forecaster")
public interface ForecasterConfig {

    Model model();

    Registry registry();

    Batch batch();

    State state();

    Warmup warmup();

    Evaluation evaluation();

    Shadow shadow();

    Faults faults();

    Alerts alerts();

    Page page();

    /** cpu or cuda (CUDA needs the -Pcuda build and a GPU; asking for it elsewhere fails with the reason). */
    @WithDefault("cpu")
    String executionProvider();

    /** The GPU to use with cuda. */
    @WithDefault("0")
    int cudaDevice();

    /**
     * Emit forecasts before an entity has seen the model's warm-up length of inputs (they are
     * computed from a partly empty state; the offline sequence graph gives the same numbers).
     */
    @WithDefault("false")
    boolean emitBeforeWarmUp();

    /** ONNX Runtime threads inside one batch call. */
    @WithDefault("1")
    int intraOpThreads();

    interface Model {
        /** The registered model to serve. */
        @WithDefault("fleet")
        String name();

        /** The alias that names the served version; model-events moving it swap the model. */
        @WithDefault("champion")
        String alias();

        /**
         * Where bundles come from when no registry is configured: a folder with
         * {@code <name>/<version>/} bundles and optionally {@code <name>/aliases.properties}
         * ({@code champion=3}); model-events still drive swaps.
         */
        Optional<String> dir();

        /** Downloaded bundles are kept here, one folder per name and version. */
        @WithDefault(".streamcast/forecaster/bundles")
        String cacheDir();

        /** How often to retry finding a model while none is loaded. */
        @WithDefault("PT5S")
        Duration retryInterval();
    }

    interface Registry {
        /** The model registry's base URL, e.g. http://127.0.0.1:8082; empty to use model.dir. */
        Optional<String> url();

        /** A read token, when the registry's reads are not open. */
        Optional<String> token();
    }

    interface Batch {
        /** The most entities in one ONNX Runtime call. */
        @WithDefault("256")
        int maxSize();

        /** The longest an input waits for its batch to fill (wall clock). */
        @WithDefault("PT0.05S")
        Duration maxWait();
    }

    interface State {
        /** rocksdb or in-memory; both are changelogged. */
        @WithDefault("rocksdb")
        String store();

        /** An entity without input for this long (in stream time) loses its state. */
        @WithDefault("P1D")
        Duration ttl();

        /**
         * How often expired entities are looked for (stream time). Each scan reads every entity of
         * the task, so it is kept well above the step: once per step would double the store reads.
         */
        @WithDefault("PT1H")
        Duration ttlScanInterval();
    }

    interface Warmup {
        /**
         * What an entity's state becomes when the model changes: replay (run the new model over the
         * entity's recent inputs, so its next forecast is as if it had always served) or reset
         * (start from zero state; forecasts are emitted once the warm-up length has passed).
         */
        @WithDefault("replay")
        String policy();

        /** The most recent inputs kept per entity for replay (the model's warm-up length, at most this). */
        @WithDefault("512")
        int maxSteps();
    }

    interface Evaluation {
        /** Horizon steps whose errors are measured when their actual arrives (1-based; H means the last). */
        @WithDefault("1,H")
        List<String> horizons();
    }

    interface Faults {
        /**
         * How long a vector whose spec is not on feature-specs yet waits for it (wall clock) before it
         * goes to forecaster-dlq as UNKNOWN_SPEC; its entity's later vectors wait behind it. 0 refuses at once.
         */
        @WithDefault("PT30S")
        Duration unknownSpecWait();

        /**
         * A newly served model whose first this-many batches in a row failed every input (an ONNX Runtime
         * error, or NaN/infinity) is taken out: the previous model serves again, or, with none, readiness
         * says so while each input goes to the DLQ. 0 never takes a model out. After a model's first good
         * batch, a failed input is that input's alone: to the DLQ, the model stays.
         */
        @WithDefault("3")
        int maxFailedBatches();

        /**
         * How long an entity whose state a newer version of the model built (it moved here from an
         * instance that swapped first) waits for that version to load here before the model serving
         * here steps it; its next input ends the wait too. 0 never waits.
         */
        @WithDefault("PT60S")
        Duration newerModelWait();
    }

    interface Page {
        /**
         * How many recent steps of each entity's targets the live page can chart, kept in memory per
         * instance (about entities × N × (8 + 5 × targets) bytes, not changelogged); 0 keeps none, and the
         * page charts only the inputs the entity state keeps for warm-up.
         */
        @WithDefault("120")
        int actualsKept();
    }

    interface Alerts {
        /**
         * An entity counts in {@code forecaster_stale_entities} once this many of its inputs in a row
         * brought no forecast (refused, failed, waiting, no model); in its first warm-up, once it had
         * this many inputs beyond those the model needs before its first forecast.
         */
        @WithDefault("3")
        int staleSteps();
    }

    interface Shadow {
        /** Run the shadow alias beside the served one, on the same inputs, into forecasts-shadow. */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("challenger")
        String alias();
    }
}
