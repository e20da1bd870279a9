package dev.streamcast.registry.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.json.Json;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.ModelEvent;
import dev.streamcast.registry.model.Version;
import dev.streamcast.registry.model.Version.BundleFile;
import dev.streamcast.registry.model.Model;
import dev.streamcast.registry.model.NewVersion;
import dev.streamcast.registry.model.Refusal;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The registry's metadata in JDBC (H2 or PostgreSQL, one schema, see {@code db/migration}).
 *
 * <p>Every change to a model runs in one transaction that first locks the model's row
 * ({@code SELECT ... FOR UPDATE}): version numbers are taken from that row, so concurrent uploads
 * get distinct numbers, and alias moves, archives and deletes of one model are serialised. The
 * same transaction writes the change's {@link ModelEvent}, with the model's alias table as it is
 * after the change, into the outbox; the events publisher sends it once the transaction has
 * committed. A refused change leaves nothing behind.
 */
public final class RegistryStore {

    public static final int MAX_TAGS = 64;
    public static final int MAX_DESCRIPTION = 4000;

    /** What an upload did: the version, and whether this request created it (false: a replay of the same upload). */
    public record Created(Version version, boolean created) {
    }

    /** An event waiting in the outbox, as the bytes that go on the topic. */
    public record PendingEvent(long id, String model, byte[] payload) {
    }

    private final Transactions tx;
    private final boolean events;
    private final LongSupplier clock;

    public RegistryStore(DataSource dataSource, boolean events, LongSupplier clock) {
        this.tx = new Transactions(dataSource);
        this.events = events;
        this.clock = clock;
    }

    // ---- models

    public List<Model> models() {
        return tx.read(c -> {
            Map<String, Long> counts = new TreeMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT model, COUNT(*) FROM model_version GROUP BY model");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    counts.put(r.getString(1), r.getLong(2));
                }
            }
            Map<String, Map<String, Long>> aliases = new TreeMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT model, alias, version FROM model_alias");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    aliases.computeIfAbsent(r.getString(1), k -> new TreeMap<>()).put(r.getString(2), r.getLong(3));
                }
            }
            List<Model> models = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT name, description, tags, latest_version, created_at,"
                    + " updated_at FROM registered_model ORDER BY name");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String name = r.getString(1);
                    models.add(new Model(name, r.getString(2), tags(r.getString(3)), r.getLong(4),
                            counts.getOrDefault(name, 0L), aliases.getOrDefault(name, Map.of()), r.getLong(5), r.getLong(6)));
                }
            }
            return models;
        });
    }

    public Model model(String name) {
        return tx.read(c -> readModel(c, name));
    }

    /** Creates the model or replaces its description and tags. */
    public Model saveModel(String name, String description, Map<String, String> tags) {
        String text = description == null ? "" : description;
        if (text.length() > MAX_DESCRIPTION) {
            throw Refusal.badRequest("description: " + text.length() + " characters, at most " + MAX_DESCRIPTION);
        }
        String tagJson = tagsJson(tags == null ? Map.of() : tags);
        return tx.run(c -> {
            lockModel(c, name, true);
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE registered_model SET description = ?, tags = ?, updated_at = ? WHERE name = ?")) {
                s.setString(1, text);
                s.setString(2, tagJson);
                s.setLong(3, clock.getAsLong());
                s.setString(4, name);
                s.executeUpdate();
            }
            return readModel(c, name);
        });
    }

    // ---- versions

    public Created createVersion(NewVersion v) {
        return tx.run(c -> {
            long latest = lockModel(c, v.model(), true);
            if (v.uploadKey() != null) {
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT version, sha256 FROM model_version WHERE model = ? AND upload_key = ?")) {
                    s.setString(1, v.model());
                    s.setString(2, v.uploadKey());
                    try (ResultSet r = s.executeQuery()) {
                        if (r.next()) {
                            if (!r.getString(2).equals(v.sha256())) {
                                throw Refusal.conflict("Idempotency-Key '" + v.uploadKey() + "' was used for "
                                        + v.model() + "@" + r.getLong(1) + ", a different bundle (sha256 " + r.getString(2) + ")");
                            }
                            return new Created(readVersion(c, v.model(), r.getLong(1)), false);
                        }
                    }
                }
            }
            long version = latest + 1;
            long now = clock.getAsLong();
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE registered_model SET latest_version = ?, updated_at = ? WHERE name = ?")) {
                s.setLong(1, version);
                s.setLong(2, now);
                s.setString(3, v.model());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO model_version (model, version, sha256, size_bytes,"
                    + " architecture, description, creator, created_at, archived_at, upload_key, manifest)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)")) {
                s.setString(1, v.model());
                s.setLong(2, version);
                s.setString(3, v.sha256());
                s.setLong(4, v.sizeBytes());
                s.setString(5, v.manifest().architecture());
                s.setString(6, v.description() == null ? "" : v.description());
                s.setString(7, v.creator());
                s.setLong(8, now);
                s.setString(9, v.uploadKey());
                s.setString(10, v.manifestJson());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO version_file (model, version, name, sha256, size_bytes) VALUES (?, ?, ?, ?, ?)")) {
                for (BundleFile f : v.files()) {
                    s.setString(1, v.model());
                    s.setLong(2, version);
                    s.setString(3, f.name());
                    s.setString(4, f.sha256());
                    s.setLong(5, f.sizeBytes());
                    s.addBatch();
                }
                s.executeBatch();
            }
            event(c, ModelEvent.Type.VERSION_CREATED, v.model(), version, null, null, v.sha256());
            for (String alias : v.aliases()) {
                moveAliasLocked(c, v.model(), alias, version, null);
            }
            return new Created(readVersion(c, v.model(), version), true);
        });
    }

    /** Every version of a model, oldest first. */
    public List<Version> versions(String name, boolean includeArchived) {
        return tx.read(c -> {
            readModel(c, name);
            Map<Long, List<BundleFile>> files = new TreeMap<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT version, name, sha256, size_bytes FROM version_file WHERE model = ? ORDER BY version, name")) {
                s.setString(1, name);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        files.computeIfAbsent(r.getLong(1), k -> new ArrayList<>())
                                .add(new BundleFile(r.getString(2), r.getString(3), r.getLong(4)));
                    }
                }
            }
            Map<Long, List<String>> aliases = new TreeMap<>();
            for (Map.Entry<String, Long> a : aliasTable(c, name).entrySet()) {
                aliases.computeIfAbsent(a.getValue(), k -> new ArrayList<>()).add(a.getKey());
            }
            List<Version> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(VERSION_COLUMNS + " WHERE model = ?"
                    + (includeArchived ? "" : " AND archived_at IS NULL") + " ORDER BY version")) {
                s.setString(1, name);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        long version = r.getLong(2);
                        out.add(toVersion(r, aliases.getOrDefault(version, List.of()), files.getOrDefault(version, List.of())));
                    }
                }
            }
            return out;
        });
    }

    public Version version(String name, long version) {
        return tx.read(c -> readVersion(c, name, version));
    }

    public Version byAlias(String name, String alias) {
        return tx.read(c -> {
            readModel(c, name);
            Long version = aliasTable(c, name).get(alias);
            if (version == null) {
                throw Refusal.notFound("model '" + name + "' has no alias '" + alias + "' (its aliases are "
                        + aliasTable(c, name).keySet() + ")");
            }
            return readVersion(c, name, version);
        });
    }

    /** The newest version that is not archived. */
    public Version latest(String name) {
        return tx.read(c -> {
            readModel(c, name);
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT MAX(version) FROM model_version WHERE model = ? AND archived_at IS NULL")) {
                s.setString(1, name);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    long version = r.getLong(1);
                    if (r.wasNull()) {
                        throw Refusal.notFound("model '" + name + "' has no live version");
                    }
                    return readVersion(c, name, version);
                }
            }
        });
    }

    public Map<String, Long> aliases(String name) {
        return tx.read(c -> {
            readModel(c, name);
            return aliasTable(c, name);
        });
    }

    /**
     * Points {@code alias} at {@code version} in one transaction. With {@code expected} non-null, only
     * if the alias points at {@code expected} now (0: only if the alias does not exist yet).
     */
    public Version moveAlias(String name, String alias, long version, Long expected) {
        return tx.run(c -> {
            lockModel(c, name, false);
            moveAliasLocked(c, name, alias, version, expected);
            return readVersion(c, name, version);
        });
    }

    public void removeAlias(String name, String alias) {
        tx.run(c -> {
            lockModel(c, name, false);
            Long previous = aliasTable(c, name).get(alias);
            if (previous == null) {
                throw Refusal.notFound("model '" + name + "' has no alias '" + alias + "'");
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM model_alias WHERE model = ? AND alias = ?")) {
                s.setString(1, name);
                s.setString(2, alias);
                s.executeUpdate();
            }
            event(c, ModelEvent.Type.ALIAS_REMOVED, name, previous, alias, previous, sha256Of(c, name, previous));
            return null;
        });
    }

    /** Archives a version; refused while an alias points to it. Archiving an archived version changes nothing. */
    public Version archive(String name, long version) {
        return tx.run(c -> {
            lockModel(c, name, false);
            Version current = readVersion(c, name, version);
            if (current.archived()) {
                return current;
            }
            refuseWhileAliased(current, "archived");
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE model_version SET archived_at = ? WHERE model = ? AND version = ?")) {
                s.setLong(1, clock.getAsLong());
                s.setString(2, name);
                s.setLong(3, version);
                s.executeUpdate();
            }
            event(c, ModelEvent.Type.VERSION_ARCHIVED, name, version, null, null, current.sha256());
            return readVersion(c, name, version);
        });
    }

    /**
     * Deletes a version's rows; refused while an alias points to it. Returns the addresses of its
     * files: the caller removes those that no other version references.
     */
    public List<String> deleteVersion(String name, long version) {
        return tx.run(c -> {
            lockModel(c, name, false);
            Version current = readVersion(c, name, version);
            refuseWhileAliased(current, "deleted");
            for (String sql : List.of("DELETE FROM version_file WHERE model = ? AND version = ?",
                    "DELETE FROM model_version WHERE model = ? AND version = ?")) {
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    s.setString(1, name);
                    s.setLong(2, version);
                    s.executeUpdate();
                }
            }
            event(c, ModelEvent.Type.VERSION_DELETED, name, version, null, null, current.sha256());
            return current.files().stream().map(BundleFile::sha256).distinct().toList();
        });
    }

    /** Whether any version lists a file with this address. */
    public boolean referenced(String sha256) {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM version_file WHERE sha256 = ?")) {
                s.setString(1, sha256);
                s.setMaxRows(1);
                try (ResultSet r = s.executeQuery()) {
                    return r.next();
                }
            }
        });
    }

    /** The file {@code file} of a version: its address and size. */
    public BundleFile file(String name, long version, String file) {
        Version v = version(name, version);
        return v.files().stream().filter(f -> f.name().equals(file)).findFirst()
                .orElseThrow(() -> Refusal.notFound(v.ref() + " has no file '" + file + "' (its files are "
                        + v.files().stream().map(BundleFile::name).toList() + ")"));
    }

    // ---- outbox

    public List<PendingEvent> pendingEvents(int limit) {
        return tx.read(c -> {
            List<PendingEvent> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id, model, payload FROM event_outbox ORDER BY id")) {
                s.setMaxRows(limit);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(new PendingEvent(r.getLong(1), r.getString(2), r.getString(3).getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            return out;
        });
    }

    public void deleteEvents(List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        tx.run(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM event_outbox WHERE id = ?")) {
                for (long id : ids) {
                    s.setLong(1, id);
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
    }

    public long pendingEventCount() {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM event_outbox");
                 ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        });
    }

    /** A trivial query: the readiness check's proof that the database answers. */
    public void ping() {
        tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM registered_model");
                 ResultSet r = s.executeQuery()) {
                return r.next();
            }
        });
    }

    // ---- inside transactions

    private void moveAliasLocked(Connection c, String name, String alias, long version, Long expected) throws SQLException {
        String sha256;
        Long archivedAt;
        try (PreparedStatement s = c.prepareStatement(
                "SELECT sha256, archived_at FROM model_version WHERE model = ? AND version = ?")) {
            s.setString(1, name);
            s.setLong(2, version);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw Refusal.notFound("model '" + name + "' has no version " + version);
                }
                sha256 = r.getString(1);
                archivedAt = (Long) r.getObject(2, Long.class);
            }
        }
        if (archivedAt != null) {
            throw Refusal.conflict(name + "@" + version + " is archived; an alias can only point at a live version");
        }
        Long previous = aliasTable(c, name).get(alias);
        if (expected != null && !(expected == 0 ? previous == null : expected.equals(previous))) {
            throw Refusal.conflict("alias '" + alias + "' of " + name + " points at " + (previous == null ? "nothing"
                    : "version " + previous) + ", not at the expected " + (expected == 0 ? "nothing" : "version " + expected));
        }
        if (previous != null && previous == version) {
            return;
        }
        long now = clock.getAsLong();
        int updated;
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE model_alias SET version = ?, updated_at = ? WHERE model = ? AND alias = ?")) {
            s.setLong(1, version);
            s.setLong(2, now);
            s.setString(3, name);
            s.setString(4, alias);
            updated = s.executeUpdate();
        }
        if (updated == 0) {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO model_alias (model, alias, version, updated_at) VALUES (?, ?, ?, ?)")) {
                s.setString(1, name);
                s.setString(2, alias);
                s.setLong(3, version);
                s.setLong(4, now);
                s.executeUpdate();
            }
        }
        event(c, ModelEvent.Type.ALIAS_MOVED, name, version, alias, previous, sha256);
    }

    /** Locks the model's row for the rest of the transaction and returns its latest version number. */
    private long lockModel(Connection c, String name, boolean create) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT latest_version FROM registered_model WHERE name = ? FOR UPDATE")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                if (r.next()) {
                    return r.getLong(1);
                }
            }
        }
        if (!create) {
            throw Refusal.notFound("no model '" + name + "'");
        }
        long now = clock.getAsLong();
        // a concurrent first upload makes this a unique violation: the transaction is retried and finds the row
        try (PreparedStatement s = c.prepareStatement("INSERT INTO registered_model (name, description, tags,"
                + " latest_version, created_at, updated_at) VALUES (?, '', '{}', 0, ?, ?)")) {
            s.setString(1, name);
            s.setLong(2, now);
            s.setLong(3, now);
            s.executeUpdate();
        }
        return 0;
    }

    private void event(Connection c, ModelEvent.Type type, String model, long version, String alias, Long previous,
                       String sha256) throws SQLException {
        if (!events) {
            return;
        }
        long now = clock.getAsLong();
        ModelEvent event = new ModelEvent(type, model, version, alias, previous, sha256, now, aliasTable(c, model));
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO event_outbox (model, payload, created_at) VALUES (?, ?, ?)")) {
            s.setString(1, model);
            s.setString(2, Codecs.MODEL_EVENT.encodeToString(event));
            s.setLong(3, now);
            s.executeUpdate();
        }
    }

    private static void refuseWhileAliased(Version v, String what) {
        if (!v.aliases().isEmpty()) {
            throw Refusal.conflict(v.ref() + " cannot be " + what + ": alias" + (v.aliases().size() > 1 ? "es " : " ")
                    + String.join(", ", v.aliases()) + (v.aliases().size() > 1 ? " point" : " points")
                    + " at it; move or remove " + (v.aliases().size() > 1 ? "them" : "it") + " first");
        }
    }

    private static Map<String, Long> aliasTable(Connection c, String name) throws SQLException {
        Map<String, Long> table = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT alias, version FROM model_alias WHERE model = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    table.put(r.getString(1), r.getLong(2));
                }
            }
        }
        return table;
    }

    private static String sha256Of(Connection c, String name, long version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT sha256 FROM model_version WHERE model = ? AND version = ?")) {
            s.setString(1, name);
            s.setLong(2, version);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private static Model readModel(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT m.name, m.description, m.tags, m.latest_version,"
                + " m.created_at, m.updated_at, (SELECT COUNT(*) FROM model_version v WHERE v.model = m.name)"
                + " FROM registered_model m WHERE m.name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw Refusal.notFound("no model '" + name + "'");
                }
                return new Model(r.getString(1), r.getString(2), tags(r.getString(3)), r.getLong(4),
                        r.getLong(7), aliasTable(c, name), r.getLong(5), r.getLong(6));
            }
        }
    }

    private static final String VERSION_COLUMNS = "SELECT model, version, sha256, size_bytes, architecture, description,"
            + " creator, created_at, archived_at, manifest FROM model_version";

    private static Version readVersion(Connection c, String name, long version) throws SQLException {
        List<BundleFile> files = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, sha256, size_bytes FROM version_file WHERE model = ? AND version = ? ORDER BY name")) {
            s.setString(1, name);
            s.setLong(2, version);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    files.add(new BundleFile(r.getString(1), r.getString(2), r.getLong(3)));
                }
            }
        }
        List<String> aliases = new ArrayList<>();
        aliasTable(c, name).forEach((alias, v) -> {
            if (v == version) {
                aliases.add(alias);
            }
        });
        try (PreparedStatement s = c.prepareStatement(VERSION_COLUMNS + " WHERE model = ? AND version = ?")) {
            s.setString(1, name);
            s.setLong(2, version);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    readModel(c, name); // names a missing model first
                    throw Refusal.notFound("model '" + name + "' has no version " + version);
                }
                return toVersion(r, aliases, files);
            }
        }
    }

    private static Version toVersion(ResultSet r, List<String> aliases, List<BundleFile> files) throws SQLException {
        String name = r.getString(1);
        long version = r.getLong(2);
        BundleManifest m;
        try {
            m = Manifests.parse(r.getString(10).getBytes(StandardCharsets.UTF_8), name + "@" + version);
        } catch (InvalidBundleException e) {
            throw new IllegalStateException("stored manifest of " + name + "@" + version + " no longer parses: "
                    + e.getMessage(), e);
        }
        Long archivedAt = (Long) r.getObject(9, Long.class);
        var lineage = new Version.Lineage(m.trainingData().source(), m.trainingData().from(), m.trainingData().to(),
                m.trainingData().rows(), m.trainerVersion(), m.sourceRevision(), m.hyperParameters());
        var signature = new Version.Signature(m.featureSpec().id(), m.featureSpec().stepMillis(),
                m.featureSpec().names(), m.targets(), m.horizon(), Arrays.stream(m.quantiles()).boxed().toList(), m.state(),
                m.stateBytesPerEntity(), m.parameterCount(), m.warmUpSteps(), m.opset());
        return new Version(name, version, r.getString(3), r.getLong(4), r.getString(5), r.getString(6), r.getString(7),
                r.getLong(8), archivedAt, aliases, m.metrics(), lineage, signature, files);
    }

    private static Map<String, String> tags(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<LinkedHashMap<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored tags are not a JSON object of strings: " + e.getOriginalMessage(), e);
        }
    }

    private static String tagsJson(Map<String, String> tags) {
        if (tags.size() > MAX_TAGS) {
            throw Refusal.badRequest("tags: " + tags.size() + " tags, at most " + MAX_TAGS);
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (t.getKey() == null || !t.getKey().matches("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")) {
                throw Refusal.badRequest("tags: key '" + dev.streamcast.registry.model.Names.printable(t.getKey())
                        + "' must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
            }
            if (t.getValue() == null || t.getValue().length() > 1024) {
                throw Refusal.badRequest("tags." + t.getKey() + ": the value must be a string of at most 1024 characters");
            }
        }
        try {
            return Json.MAPPER.writeValueAsString(new TreeMap<>(tags));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
