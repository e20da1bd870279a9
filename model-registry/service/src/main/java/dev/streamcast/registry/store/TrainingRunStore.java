package dev.streamcast.registry.store;

import dev.streamcast.registry.model.Refusal;
import dev.streamcast.registry.model.TrainingRun;
import dev.streamcast.registry.model.TrainingRun.State;
import dev.streamcast.registry.model.TrainingRun.Trigger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The trainer service's training runs in JDBC (table {@code training_run}, {@code V2__training_runs.sql}).
 * A run is keyed by model and run id and does not need the model to exist: a model's first run starts
 * before its first version. Each write keeps the newest {@value #KEEP} runs of its model (by id) and
 * deletes older ones in the same transaction. The trainer reports one model's runs one at a time, so
 * the rows do not exceed {@value #KEEP}; two concurrent first writes of new ids may leave one more until
 * the next write.
 */
public final class TrainingRunStore {

    /** Runs kept per model, and the most one read returns. */
    public static final int KEEP = 200;

    private static final String COLUMNS = "SELECT model, id, trigger, state, reason, progress, outcome, started_at,"
            + " ended_at, winner, version, alias, updated_at FROM training_run";

    private final Transactions tx;
    private final LongSupplier clock;

    public TrainingRunStore(DataSource dataSource, LongSupplier clock) {
        this.tx = new Transactions(dataSource);
        this.clock = clock;
    }

    /**
     * Creates or replaces run {@code run.id()} of {@code run.model()} and returns it as stored. A run older
     * than the newest {@value #KEEP} of its model is refused (409): it would be deleted as it is written,
     * which only happens when run ids start again from 1.
     */
    public TrainingRun save(TrainingRun run) {
        return tx.run(c -> {
            Long oldestKept = oldestKept(c, run.model());
            if (oldestKept != null && run.id() < oldestKept) {
                throw Refusal.conflict("run " + run.id() + " of model '" + run.model() + "' is older than the newest "
                        + KEEP + " runs the registry keeps (from run " + oldestKept + "); run ids must keep growing");
            }
            long now = clock.getAsLong();
            int updated;
            try (PreparedStatement s = c.prepareStatement("UPDATE training_run SET trigger = ?, state = ?, reason = ?,"
                    + " progress = ?, outcome = ?, started_at = ?, ended_at = ?, winner = ?, version = ?, alias = ?,"
                    + " updated_at = ? WHERE model = ? AND id = ?")) {
                int i = bind(s, run, now);
                s.setString(i, run.model());
                s.setLong(i + 1, run.id());
                updated = s.executeUpdate();
            }
            if (updated == 0) {
                // a concurrent first write of the same run makes this a unique violation: the transaction is retried
                try (PreparedStatement s = c.prepareStatement("INSERT INTO training_run (trigger, state, reason, progress,"
                        + " outcome, started_at, ended_at, winner, version, alias, updated_at, model, id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    int i = bind(s, run, now);
                    s.setString(i, run.model());
                    s.setLong(i + 1, run.id());
                    s.executeUpdate();
                }
                Long cutoff = oldestKept(c, run.model());
                if (cutoff != null) {
                    try (PreparedStatement s = c.prepareStatement("DELETE FROM training_run WHERE model = ? AND id < ?")) {
                        s.setString(1, run.model());
                        s.setLong(2, cutoff);
                        s.executeUpdate();
                    }
                }
            }
            List<TrainingRun> stored = read(c, run.model(), run.id(), 1);
            return stored.get(0);
        });
    }

    /** The newest {@code limit} runs of a model, newest (highest id) first; none for a model without runs. */
    public List<TrainingRun> runs(String model, int limit) {
        if (limit < 1 || limit > KEEP) {
            throw new IllegalArgumentException("limit " + limit + " is outside 1.." + KEEP);
        }
        return tx.read(c -> read(c, model, null, limit));
    }

    private static List<TrainingRun> read(Connection c, String model, Long id, int limit) throws SQLException {
        List<TrainingRun> runs = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(COLUMNS + " WHERE model = ?" + (id == null ? "" : " AND id = ?")
                + " ORDER BY id DESC")) {
            s.setString(1, model);
            if (id != null) {
                s.setLong(2, id);
            }
            s.setMaxRows(limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    runs.add(new TrainingRun(r.getString(1), r.getLong(2),
                            Trigger.valueOf(r.getString(3).toUpperCase(Locale.ROOT)),
                            State.valueOf(r.getString(4).toUpperCase(Locale.ROOT)), r.getString(5), r.getString(6),
                            r.getString(7), r.getLong(8), nullableLong(r, 9), r.getString(10), nullableLong(r, 11),
                            r.getString(12), r.getLong(13)));
                }
            }
        }
        return runs;
    }

    /** The id of the model's {@value #KEEP}th newest run; null while it has fewer. */
    private static Long oldestKept(Connection c, String model) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM training_run WHERE model = ? ORDER BY id DESC"
                + " OFFSET " + (KEEP - 1) + " ROWS FETCH NEXT 1 ROWS ONLY")) {
            s.setString(1, model);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : null;
            }
        }
    }

    /** Binds the report's columns from 1 in the order of the statements above; returns the next index. */
    private static int bind(PreparedStatement s, TrainingRun run, long now) throws SQLException {
        s.setString(1, run.trigger().tag());
        s.setString(2, run.state().tag());
        s.setString(3, run.reason());
        s.setString(4, run.progress());
        s.setString(5, run.outcome());
        s.setLong(6, run.startedAt());
        setNullable(s, 7, run.endedAt());
        s.setString(8, run.winner());
        setNullable(s, 9, run.version());
        s.setString(10, run.alias());
        s.setLong(11, now);
        return 12;
    }

    private static Long nullableLong(ResultSet r, int column) throws SQLException {
        long value = r.getLong(column);
        return r.wasNull() ? null : value;
    }

    private static void setNullable(PreparedStatement s, int index, Long value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.BIGINT);
        } else {
            s.setLong(index, value);
        }
    }
}
