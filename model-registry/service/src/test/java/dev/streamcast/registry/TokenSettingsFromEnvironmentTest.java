package dev.streamcast.registry;

import dev.streamcast.registry.security.Tokens;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry's auth settings as environment variables, which {@code ps} does not show: the
 * names Quarkus maps ({@code registry.auth.write-tokens} from {@code REGISTRY_AUTH_WRITE_TOKENS}),
 * read by the same {@link EnvConfigSource} Quarkus reads the environment with, and turned into
 * tokens by the code the registry starts with.
 */
class TokenSettingsFromEnvironmentTest {

    @TempDir
    Path dataDir;

    @Test
    void tokensTokenFilesAndOpenReadsComeFromEnvironmentVariables() throws Exception {
        Path readFile = Files.writeString(dataDir.resolve("read-tokens"), "env-file-read-token-0123456789\n");
        Tokens tokens = RegistryBeans.tokensFrom(config(Map.of(
                "REGISTRY_DATA_DIR", dataDir.toString(),
                "REGISTRY_AUTH_WRITE_TOKENS", "env-write-token-a-0123456789,env-write-token-b-0123456789",
                "REGISTRY_AUTH_READ_TOKENS", "env-read-token-0123456789",
                "REGISTRY_AUTH_READ_TOKEN_FILE", readFile.toString(),
                "REGISTRY_AUTH_READ_OPEN", "true")));

        assertThat(tokens.access("Bearer env-write-token-a-0123456789")).isEqualTo(Tokens.Access.WRITE);
        assertThat(tokens.access("Bearer env-write-token-b-0123456789")).isEqualTo(Tokens.Access.WRITE);
        assertThat(tokens.access("Bearer env-read-token-0123456789")).isEqualTo(Tokens.Access.READ);
        assertThat(tokens.access("Bearer env-file-read-token-0123456789")).isEqualTo(Tokens.Access.READ);
        assertThat(tokens.readOpen()).isTrue();
        assertThat(dataDir.resolve("write-token")).as("no token is generated when write tokens are set").doesNotExist();
    }

    @Test
    void withNothingSetReadsAreClosedAndTheWriteTokenIsGenerated() throws Exception {
        Tokens tokens = RegistryBeans.tokensFrom(config(Map.of("REGISTRY_DATA_DIR", dataDir.toString())));

        assertThat(tokens.readOpen()).isFalse();
        String generated = Files.readString(dataDir.resolve("write-token")).strip();
        assertThat(tokens.access("Bearer " + generated)).isEqualTo(Tokens.Access.WRITE);
    }

    @Test
    void aWriteTokenFileAddsToTheWriteTokensAndAMissingReadTokenFileStopsTheStart() throws Exception {
        Path writeFile = Files.writeString(dataDir.resolve("writers"), "env-file-write-token-0123456789\n");
        Tokens tokens = RegistryBeans.tokensFrom(config(Map.of(
                "REGISTRY_DATA_DIR", dataDir.toString(),
                "REGISTRY_AUTH_WRITE_TOKENS", "env-write-token-a-0123456789",
                "REGISTRY_AUTH_TOKEN_FILE", writeFile.toString())));
        assertThat(tokens.access("Bearer env-write-token-a-0123456789")).isEqualTo(Tokens.Access.WRITE);
        assertThat(tokens.access("Bearer env-file-write-token-0123456789")).isEqualTo(Tokens.Access.WRITE);

        Path missing = dataDir.resolve("no-such-file");
        assertThatThrownBy(() -> RegistryBeans.tokensFrom(config(Map.of(
                "REGISTRY_DATA_DIR", dataDir.toString(),
                "REGISTRY_AUTH_READ_TOKEN_FILE", missing.toString()))))
                .hasMessage("registry.auth.read-token-file: " + missing + " is not a file (expected a file of tokens,"
                        + " one per line)");
        Files.writeString(missing, "# readers\nshort\n");
        assertThatThrownBy(() -> RegistryBeans.tokensFrom(config(Map.of(
                "REGISTRY_DATA_DIR", dataDir.toString(),
                "REGISTRY_AUTH_READ_TOKEN_FILE", missing.toString()))))
                .hasMessage("registry.auth.read-token-file: " + missing + " line 2: the token has 5 characters,"
                        + " at least 16 are needed");
    }

    private static RegistryConfig config(Map<String, String> environment) {
        return new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(RegistryConfig.class)
                .build()
                .getConfigMapping(RegistryConfig.class);
    }
}
