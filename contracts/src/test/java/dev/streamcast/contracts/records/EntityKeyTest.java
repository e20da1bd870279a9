package dev.streamcast.contracts.records;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class EntityKeyTest {

    @Test
    void validUtf8KeysDecode() {
        assertThat(EntityKey.decode("transformer-1".getBytes(StandardCharsets.UTF_8)).value()).isEqualTo("transformer-1");
        assertThat(EntityKey.decode("Umspannwerk Süd".getBytes(StandardCharsets.UTF_8)).value()).isEqualTo("Umspannwerk Süd");
    }

    @Test
    void nullEmptyBlankControlOversizedAndInvalidKeysAreRefused() {
        assertThat(EntityKey.decode(null).error().reason()).startsWith("null key");
        assertThat(EntityKey.decode(new byte[0]).error().reason()).startsWith("empty key");
        assertThat(EntityKey.decode("   ".getBytes(StandardCharsets.UTF_8)).error().reason()).startsWith("empty key");
        assertThat(EntityKey.decode("a\nb".getBytes(StandardCharsets.UTF_8)).error().reason())
                .isEqualTo("key contains a control character at index 1");
        assertThat(EntityKey.decode("k".repeat(257).getBytes(StandardCharsets.UTF_8)).error().reason())
                .isEqualTo("key longer than 256 characters");
        assertThat(EntityKey.decode(new byte[]{'a', (byte) 0xC3, 'b'}).error().reason()).isEqualTo("key is not valid UTF-8");
    }
}
