package dev.streamcast.registry.upload;

import ai.onnxruntime.OrtEnvironment;
import dev.streamcast.registry.artifacts.BlobLocks;
import dev.streamcast.registry.artifacts.FileArtifactStore;
import dev.streamcast.registry.store.RegistryStore;
import dev.streamcast.registry.store.StoreException;
import dev.streamcast.registry.testing.BundleEdits;
import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.contracts.bundle.GraphCheck;
import dev.streamcast.testkit.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An upload whose database transaction fails after its files went into the artifact store leaves
 * no row and no file. The database is a real H2 with the registry's schema, less the table of
 * version files, so the transaction fails at its last insert. (A Quarkus test only so that ONNX
 * Runtime's native library is loaded by the same class loader as in the other tests.)
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class FailedCommitTest {

    @TempDir
    Path tmp;

    @Test
    void aTransactionThatFailsAfterTheFilesMovedInRemovesThemAgain() throws Exception {
        JdbcDataSource db = new JdbcDataSource();
        db.setURL("jdbc:h2:mem:failed-commit;DB_CLOSE_DELAY=-1");
        String schema = new String(getClass().getResourceAsStream("/db/migration/V1__registry.sql").readAllBytes(),
                StandardCharsets.UTF_8).replaceAll("--[^\n]*", "");
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String statement : schema.split(";")) {
                if (!statement.isBlank() && !statement.contains("version_file")) {
                    s.execute(statement);
                }
            }
        }
        FileArtifactStore artifacts = new FileArtifactStore(tmp.resolve("artifacts"));
        Uploads uploads = new Uploads(new RegistryStore(db, true, System::currentTimeMillis), artifacts, new BlobLocks(16),
                new GraphCheck(OrtEnvironment.getEnvironment()), tmp.resolve("staging"), 1 << 20, 16);
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("bundle"), "doomed", Map.of(), 13));

        assertThatThrownBy(() -> uploads.publish("doomed", new ByteArrayInputStream(zip), "ci", null, List.of("champion"), null))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("VERSION_FILE");

        try (Stream<Path> files = Files.walk(artifacts.root())) {
            assertThat(files.filter(Files::isRegularFile)).as("blobs left behind").isEmpty();
        }
        try (Stream<Path> staged = Files.list(tmp.resolve("staging"))) {
            assertThat(staged).isEmpty();
        }
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("registered_model", "model_version", "model_alias", "event_outbox")) {
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    r.next();
                    assertThat(r.getLong(1)).as(table).isZero();
                }
            }
        }
    }
}
