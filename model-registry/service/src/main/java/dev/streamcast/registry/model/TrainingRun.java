package dev.streamcast.registry.model;

import java.util.Locale;

/**
 * One training run of the trainer service, as it reports it to the registry: why it started
 * ({@link Trigger} and reason), where it is ({@link State} and its latest progress line), and what it
 * did (outcome, the winning architecture, the version it published and the alias it moved). Keyed by
 * model and the trainer's run number; a model's runs may exist before its first version. Times are
 * epoch milliseconds; {@code endedAt} is null while the run runs. Its JSON is the REST API's run
 * document (model-registry README, {@code rest.TrainingRunJson}).
 */
public record TrainingRun(String model, long id, Trigger trigger, State state, String reason, String progress,
                          String outcome, long startedAt, Long endedAt, String winner, Long version, String alias,
                          long updatedAt) {

    public static final int MAX_REASON = 1000;
    public static final int MAX_PROGRESS = 1000;
    public static final int MAX_OUTCOME = 2000;
    /** As {@code model_version.architecture}. */
    public static final int MAX_WINNER = 64;

    /** What started a run; its JSON is the lower-case name. */
    public enum Trigger {
        BOOTSTRAP, SCHEDULE, DRIFT, HISTORY, REQUEST;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where a run is; its JSON is the lower-case name. */
    public enum State {
        RUNNING, SUCCEEDED, REFUSED, FAILED, CANCELLED;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TrainingRun {
        reason = reason == null ? "" : reason;
        progress = progress == null ? "" : progress;
        outcome = outcome == null ? "" : outcome;
    }

    /** The same report as run {@code id} of {@code model}. */
    public TrainingRun of(String model, long id) {
        return new TrainingRun(model, id, trigger, state, reason, progress, outcome, startedAt, endedAt, winner, version,
                alias, updatedAt);
    }
}
