package dev.streamcast.registry.client;

import java.time.Instant;

/**
 * One training run of the trainer service as the registry keeps it (the run document of
 * {@code /api/models/{name}/runs}): why it started ({@code trigger}: bootstrap, schedule, drift, history,
 * request; and {@code reason}), where it is ({@code state}: running, succeeded, refused, failed,
 * cancelled; and its latest {@code progress} line), and what it did ({@code outcome}, the winning
 * architecture, the version it published and the alias it moved). {@code endedAt}, {@code winner},
 * {@code version} and {@code alias} are null until known. {@code model}, {@code id} and
 * {@code updatedAt} are the registry's: {@link RegistryClient#putRun} takes the model and id as
 * arguments and ignores them in the run it sends.
 */
public record TrainingRun(String model, long id, String trigger, String state, String reason, String progress,
                          String outcome, Instant startedAt, Instant endedAt, String winner, Long version, String alias,
                          Instant updatedAt) {

    /** A run as the trainer reports it, before the registry has it. */
    public static TrainingRun report(String trigger, String state, String reason, String progress, String outcome,
                                     Instant startedAt, Instant endedAt, String winner, Long version, String alias) {
        return new TrainingRun(null, 0, trigger, state, reason, progress, outcome, startedAt, endedAt, winner, version,
                alias, null);
    }

    public boolean running() {
        return "running".equals(state);
    }
}
