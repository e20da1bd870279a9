package dev.streamcast.registry.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;

/**
 * {@link PostgresCluster} as a Quarkus test resource: the registry runs on PostgreSQL instead of
 * the embedded H2 for the annotated test class.
 */
public final class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private PostgresCluster cluster;
    private Path dataDir;

    @Override
    public Map<String, String> start() {
        try {
            cluster = PostgresCluster.start();
            // its own artifact folder too: the test profile's data dir is shared by every start in one JVM
            dataDir = Files.createTempDirectory("streamcast-registry-pg-");
        } catch (Exception e) {
            throw new IllegalStateException("could not start the PostgreSQL test cluster: " + e.getMessage(), e);
        }
        return Map.of(
                "registry.data-dir", dataDir.toString(),
                "quarkus.datasource.h2.active", "false",
                "quarkus.datasource.postgresql.active", "true",
                "quarkus.datasource.postgresql.jdbc.url", cluster.jdbcUrl(),
                "quarkus.datasource.postgresql.username", PostgresCluster.USER,
                "quarkus.datasource.postgresql.password", "");
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (dataDir != null) {
            try (var paths = Files.walk(dataDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                System.err.println("could not delete " + dataDir + ": " + e.getMessage());
            }
        }
    }
}
