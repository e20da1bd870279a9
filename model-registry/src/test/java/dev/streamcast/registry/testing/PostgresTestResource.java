package dev.streamcast.registry.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * {@link PostgresCluster} as a Quarkus test resource: the registry runs on PostgreSQL instead of
 * the embedded H2 for the annotated test class.
 */
public final class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private PostgresCluster cluster;

    @Override
    public Map<String, String> start() {
        try {
            cluster = PostgresCluster.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the PostgreSQL test cluster: " + e.getMessage(), e);
        }
        return Map.of(
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
    }
}
