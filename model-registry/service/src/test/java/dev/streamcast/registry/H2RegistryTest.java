package dev.streamcast.registry;

import dev.streamcast.testkit.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The registry's rules on the embedded H2 file database (the default). */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class H2RegistryTest extends RegistryRules {
}
