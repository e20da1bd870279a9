package dev.streamcast.trainer.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

/** Every trainer-service setting; documented in trainer/README.md ("The service"). */
@ConfigMapping(prefix = "trainer")
public interface TrainerServiceConfig {

    /** The registered model the runs publish to and whose aliases they move. */
    @WithDefault("fleet")
    String model();

    Registry registry();

    Run run();

    Schedule schedule();

    Auth auth();

    Live live();

    interface Registry {
        /** The model registry's base URL, e.g. http://127.0.0.1:8082. */
        String url();

        /** A file holding the registry's write token (first line not blank and not a # comment). */
        Optional<String> tokenFile();
    }

    interface Run {
        /**
         * The options of {@code ./streamcast train} every run uses, beyond those the service sets itself
         * ({@code --data kafka:features}, {@code --bootstrap-servers}, {@code --name}, {@code --out}, {@code --publish},
         * {@code --token-file}); whitespace-separated.
         */
        @WithDefault("--mode S --arch last-value,seasonal-naive,dlinear,gru --quantiles 0.1,0.9")
        String options();

        /** Where the runs write their bundles, one folder per run. */
        @WithDefault(".streamcast/trainer/runs")
        String out();

        /** How many finished runs {@code /api/runs} keeps. */
        @WithDefault("50")
        int history();

        /** Architectures every run trains whatever {@code options} names: the baselines a champion must beat. */
        @WithDefault("last-value,seasonal-naive")
        List<String> baselines();
    }

    interface Schedule {
        /** Retrain this often (a duration such as {@code 6h} or {@code PT10M}); {@code off} for never. */
        @WithDefault("off")
        String every();

        /** Retrain once this many new feature vectors have arrived since the last run started; 0 for never. */
        @WithDefault("0")
        long newVectors();

        /** Train once at start when the model has no champion yet (a fresh deployment gets its first). */
        @WithDefault("true")
        boolean bootstrap();
    }

    /** The live comparison: champion against its backtest (drift) and against the challenger (promotion). */
    interface Live {
        /** Read forecasts, forecasts-shadow and features, score them, trigger on drift and promote. */
        @WithDefault("true")
        boolean enabled();

        /** A drift run starts when the champion's live MAE exceeds its backtest MAE by this factor... */
        @WithDefault("2.0")
        double driftFactor();

        /** ...over its last this many scored errors (every horizon step and target, in z-scored units). */
        @WithDefault("300")
        int driftErrors();

        /** No second drift run within this long of one. */
        @WithDefault("PT10M")
        java.time.Duration driftCooldown();

        /** Paired forecasts of champion and challenger (same entity, origin and horizon step) before a decision. */
        @WithDefault("300")
        int minPairs();

        /** Without a promotion by this many pairs, the challenger is kept out for good. */
        @WithDefault("3000")
        int maxPairs();

        /** The challenger's mean squared error must be this share below the champion's... */
        @WithDefault("0.05")
        double margin();

        /** ...with a one-sided Diebold-Mariano p-value below this. */
        @WithDefault("0.05")
        double alpha();

        /** Seasonal naive's period in steps: no model worse than it live is promoted. */
        @WithDefault("24")
        int season();
    }

    interface Auth {
        /** Tokens that may start and cancel runs (at least 16 characters each). */
        Optional<List<String>> writeTokens();

        /** A file of such tokens, one per line (blank and # lines skipped), added to {@code write-tokens}. */
        Optional<String> tokenFile();
    }
}
