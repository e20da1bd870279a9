-- The trainer service's training runs, as it reports them (PUT /api/models/{name}/runs/{id}).
-- No foreign key to registered_model: a model's first run starts before its first version is
-- published. At most the newest 200 runs per model are kept (TrainingRunStore prunes on write).
-- Times are epoch milliseconds, as in V1.

CREATE TABLE training_run (
    model      VARCHAR(64)   NOT NULL,
    id         BIGINT        NOT NULL,      -- the trainer's run number: 1, 2, ... per model
    trigger    VARCHAR(16)   NOT NULL,      -- bootstrap, schedule, drift, history, request
    state      VARCHAR(16)   NOT NULL,      -- running, succeeded, refused, failed, cancelled
    reason     VARCHAR(1000) NOT NULL,
    progress   VARCHAR(1000) NOT NULL,      -- the run's latest progress line
    outcome    VARCHAR(2000) NOT NULL,
    started_at BIGINT        NOT NULL,
    ended_at   BIGINT,
    winner     VARCHAR(64),                 -- the winning architecture
    version    INTEGER,                     -- the version the run published
    alias      VARCHAR(64),                 -- the alias it pointed at that version
    updated_at BIGINT        NOT NULL,
    PRIMARY KEY (model, id)
);
