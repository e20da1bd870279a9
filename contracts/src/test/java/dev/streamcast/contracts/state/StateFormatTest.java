package dev.streamcast.contracts.state;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class StateFormatTest {

    private static final StateFormat FORMAT = new StateFormat("test state", 2);

    @Test
    void aPayloadWrittenInTheFormatReadsBackAfterTheHeader() throws Exception {
        ByteBuffer out = FORMAT.allocate(Long.BYTES).putLong(123_456_789L);

        byte[] stored = out.array();
        ByteBuffer in = FORMAT.open(stored);

        assertThat(stored).hasSize(StateFormat.HEADER_BYTES + Long.BYTES);
        assertThat(StateFormat.versionOf(stored)).isEqualTo(2);
        assertThat(in.getLong()).isEqualTo(123_456_789L);
        assertThat(in.hasRemaining()).isFalse();
    }

    @Test
    void stateOfAnotherVersionIsRefusedWithTheVersionsFoundAndExpected() {
        byte[] newer = new StateFormat("test state", 3).allocate(4).putInt(7).array();

        UnreadableStateException e = catchThrowableOfType(UnreadableStateException.class, () -> FORMAT.open(newer));

        assertThat(e.found()).isEqualTo(3);
        assertThat(e.expected()).isEqualTo(2);
        assertThat(e).hasMessage("test state: written in version 3, this release reads version 2");
    }

    @Test
    void stateWrittenBeforeTheEnvelopeIsRefusedAndNamedAsSuch() {
        byte[] old = {1, 0, 0, 0, 0}; // the forecaster's first format began with its own version byte, 1

        UnreadableStateException e = catchThrowableOfType(UnreadableStateException.class, () -> FORMAT.open(old));

        assertThat(e.found()).isEqualTo(StateFormat.NO_ENVELOPE);
        assertThat(e).hasMessage("test state: written before the versioned state format (no format header; first byte 1),"
                + " this release reads version 2");
    }

    @Test
    void emptyOrTruncatedStateIsRefused() {
        assertThatThrownBy(() -> FORMAT.open(new byte[0])).isInstanceOf(UnreadableStateException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> FORMAT.open(new byte[]{StateFormat.MARKER})).isInstanceOf(UnreadableStateException.class);
    }

    @Test
    void aVersionOutsideOneByteIsRefusedAtDefinition() {
        assertThatThrownBy(() -> new StateFormat("test state", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StateFormat("test state", 256)).isInstanceOf(IllegalArgumentException.class);
    }
}
