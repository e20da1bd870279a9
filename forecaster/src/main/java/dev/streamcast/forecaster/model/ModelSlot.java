package dev.streamcast.forecaster.model;

import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One served alias of one model: the model serving it now, and the next one once it has been
 * fetched, verified and loaded. Loading happens off the stream threads; a stream thread installs
 * the next model at its next batch ({@link #acquire}), so the stream never stops for a swap.
 * A model that fails to load changes nothing but the failure metric and {@link #problem}.
 *
 * <p>The model served before the last swap stays open until the next one, so that a new model whose
 * first steps all fail can be taken out again ({@link #reject}): the previous one serves again and
 * the rejected version is not loaded again unless the alias moves to another version.
 */
public final class ModelSlot implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelSlot.class);
    /** How long a replaced model stays open for batches already running on it. */
    static final long RETIRE_SECONDS = 30;

    private final String role;
    private final String modelName;
    private final String alias;
    private final String sinkTopic;
    private final BundleSource source;
    private final ModelLoader loader;
    private final ForecasterMetrics metrics;
    private final AtomicReference<ServedModel> next = new AtomicReference<>();
    private final ScheduledExecutorService retirement = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "model-retirement");
        t.setDaemon(true);
        return t;
    });
    private volatile ServedModel current;
    private volatile ServedModel previous;
    private volatile String problem;
    /** Why the serving model is failing with nothing to go back to; null while it is not. */
    private volatile String failing;
    private volatile long rejectedVersion = -1;
    /** Where the alias points as last known, and whether that is known to be current (a lookup, a caught-up watcher). */
    private volatile long aliasVersion = -1;
    private volatile boolean aliasCurrent;
    /** When the model serving now was installed (wall clock), 0 before any. */
    private volatile long servingSince;
    /** Told of every model chosen to serve this slot: a newly loaded one, or the previous one taken back. */
    private volatile Consumer<ServedModel> chosen = model -> {
    };

    public ModelSlot(String role, String modelName, String alias, String sinkTopic, BundleSource source, ModelLoader loader,
                     ForecasterMetrics metrics) {
        this.role = role;
        this.modelName = modelName;
        this.alias = alias;
        this.sinkTopic = sinkTopic;
        this.source = source;
        this.loader = loader;
        this.metrics = metrics;
        this.problem = "no model yet: looking up " + modelName + "@" + alias + " in " + source.describe();
        metrics.registerSlot(role, this::serving);
    }

    /** {@code listener} is told of every model chosen to serve this slot from now on (on the thread that chose it). */
    public void onChosen(Consumer<ServedModel> listener) {
        this.chosen = listener;
    }

    /** {@code served} or {@code shadow}: the metrics' slot tag. */
    public String role() {
        return role;
    }

    public String modelName() {
        return modelName;
    }

    public String alias() {
        return alias;
    }

    public String sinkTopic() {
        return sinkTopic;
    }

    /** The model to step with now, installing a newly loaded one first; null while there is none. */
    public ServedModel acquire() {
        ServedModel replacement = next.getAndSet(null);
        if (replacement != null) {
            synchronized (this) {
                ServedModel old = current;
                current = replacement;
                servingSince = System.currentTimeMillis();
                failing = null;
                metrics.modelVersion(role, replacement.version());
                LOG.infof("%s: now serving %s%s", role, replacement, old == null ? "" : " (was " + old.ref() + ")");
                retire(previous);
                previous = old;
            }
        }
        return current;
    }

    /** When the model serving now began to serve (wall clock, ms), 0 before any. */
    public long servingSince() {
        return servingSince;
    }

    /** The model serving now (without installing a pending one). */
    public ServedModel current() {
        ServedModel pending = next.get();
        return pending != null ? pending : current;
    }

    /** Why this slot cannot serve, or null when it can. */
    public String problem() {
        return current() == null ? problem : failing;
    }

    /**
     * Whether a model serves this slot (or is loaded to serve from the next batch): false before the
     * first one, and while the one serving fails every step with no previous model to go back to
     * ({@code forecaster_model_loaded}).
     */
    public boolean serving() {
        return current() != null && failing == null;
    }

    /**
     * Takes {@code failed}, the serving model, out after its first steps all failed: the previous
     * model serves again (true), or, with none, {@code failed} goes on serving and {@link #problem}
     * says why (false). Either way the failed version is not loaded again until the alias moves on.
     */
    public synchronized boolean reject(ServedModel failed, String reason) {
        if (current != failed || next.get() != null) {
            return false; // already replaced
        }
        rejectedVersion = failed.version();
        metrics.modelRejected(role);
        if (previous == null) {
            failing = failed.ref() + " fails every step and there is no previous model to go back to: " + reason;
            problem = failing;
            LOG.errorf("%s: %s", role, failing);
            return false;
        }
        current = previous;
        servingSince = System.currentTimeMillis();
        previous = null;
        retire(failed);
        problem = "went back to " + current.ref() + ": " + failed.ref() + " failed every step of its first batches: " + reason;
        metrics.modelVersion(role, current.version());
        chosen.accept(current);
        LOG.errorf("%s: %s", role, problem);
        return true;
    }

    private void retire(ServedModel model) {
        if (model != null) {
            retirement.schedule(model::close, RETIRE_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** The last load failure, even while an older model still serves; null if the last load worked. */
    public String lastFailure() {
        return current() == null ? problem : problem == null || problem.startsWith("no model yet") ? null : problem;
    }

    /**
     * Where the alias points ({@code version}, -1 if nowhere), as the model watcher last read it;
     * {@code current}: the watcher had read model-events to its end, so an alias below a state's
     * version is a rollback, not an instance that has not caught up yet.
     */
    public void noteAlias(long version, boolean current) {
        aliasVersion = version;
        aliasCurrent = current && version >= 0;
    }

    /**
     * Whether an entity whose state was built with version {@code built} of this model should wait
     * for it rather than be stepped by the older one serving here: after a rebalance, an instance
     * that has not yet loaded the alias's new version must not step state a newer one built. No wait
     * for a version rejected here, or when the alias is known to point below it (a rollback).
     */
    public boolean awaitsNewer(long built) {
        ServedModel serving = current();
        if (serving == null || built <= serving.version() || built == rejectedVersion) {
            return false;
        }
        return !(aliasCurrent && aliasVersion < built);
    }

    /** Looks the alias up and loads what it points to; false (with {@link #problem}) when that did not work. */
    public boolean loadFromAlias() {
        try {
            java.util.OptionalLong version = source.resolve(modelName, alias);
            if (version.isEmpty()) {
                problem = "no model: " + source.describe() + " has no alias " + alias + " for model " + modelName;
                return false;
            }
            noteAlias(version.getAsLong(), true);
            return load(version.getAsLong(), null);
        } catch (ModelLoadException e) {
            problem = "no model: " + e.getMessage();
            return false;
        }
    }

    /**
     * Fetches, verifies and loads {@code version} unless it is already serving or loading;
     * {@code sha256} (the bundle identity from the event) is checked unless null.
     */
    public synchronized boolean load(long version, String sha256) {
        ServedModel serving = current();
        if (serving != null && serving.version() == version) {
            return true;
        }
        if (version == rejectedVersion) {
            return false; // it failed every step when it served: only another version is tried
        }
        try {
            Path dir = source.fetch(modelName, version);
            ServedModel model = loader.load(dir, version, sha256);
            if (!model.manifest().name().equals(modelName)) {
                model.close();
                throw new ModelLoadException(modelName + "@" + version + " holds a bundle named " + model.manifest().name());
            }
            ServedModel superseded = next.getAndSet(model);
            if (superseded != null) {
                superseded.close(); // loaded but never installed
            }
            problem = null;
            rejectedVersion = -1;
            metrics.swap(role, true);
            chosen.accept(model);
            LOG.infof("%s: loaded %s from %s", role, model, source.describe());
            return true;
        } catch (ModelLoadException | RuntimeException e) {
            metrics.swap(role, false);
            problem = (serving == null ? "no model: " : "kept " + serving.ref() + ": ") + modelName + "@" + version
                    + " failed to load: " + e.getMessage();
            LOG.errorf("%s: %s", role, problem);
            return false;
        }
    }

    @Override
    public void close() {
        retirement.shutdownNow();
        ServedModel pending = next.getAndSet(null);
        if (pending != null) {
            pending.close();
        }
        if (current != null) {
            current.close();
            current = null;
        }
        if (previous != null) {
            previous.close();
            previous = null;
        }
    }
}
