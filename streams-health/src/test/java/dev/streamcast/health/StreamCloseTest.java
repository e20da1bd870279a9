package dev.streamcast.health;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamCloseTest {

    @Test
    void autoLeavesTheGroupUnlessTheInstanceIsAStaticMember() {
        assertThat(StreamClose.leaves("auto", false)).isTrue();
        assertThat(StreamClose.leaves("auto", true)).as("a restarting pod gets its partitions back").isFalse();
        assertThat(StreamClose.leaves(" TRUE", true)).as("a deliberate scale-down").isTrue();
        assertThat(StreamClose.leaves("false", false)).isFalse();
        assertThatThrownBy(() -> StreamClose.leaves("sometimes", false))
                .hasMessageContaining("streamcast.close.leave-group must be auto, true or false, got 'sometimes'");
    }
}
