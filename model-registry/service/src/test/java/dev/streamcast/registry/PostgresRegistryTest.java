package dev.streamcast.registry;

import dev.streamcast.registry.testing.PostgresTestResource;
import dev.streamcast.testkit.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The registry's rules on PostgreSQL, a real server of Debian's package started for this class. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class PostgresRegistryTest extends RegistryRules {
}
