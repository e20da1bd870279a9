package dev.streamcast.contracts.deadletter;

import dev.streamcast.contracts.json.DecodeError;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.EntityKey;
import dev.streamcast.contracts.topics.DlqHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterTest {

    @Test
    void theOriginalHeadersAreKeptBesideTheDeadLetterHeaders() {
        Headers original = new RecordHeaders().add("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8));

        Headers headers = DeadLetter.of(DeadLetterReason.LATE, "window closed").headers(original, "sensor-readings", 3, 42L);

        assertThat(DlqHeaders.read(headers, "traceparent")).isEqualTo("00-abc-01");
        assertThat(DlqHeaders.read(headers, DlqHeaders.REASON)).isEqualTo("LATE");
        assertThat(DlqHeaders.read(headers, DlqHeaders.DETAIL)).isEqualTo("window closed");
        assertThat(DlqHeaders.read(headers, DlqHeaders.SOURCE_TOPIC)).isEqualTo("sensor-readings");
        assertThat(DlqHeaders.read(headers, DlqHeaders.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(DlqHeaders.read(headers, DlqHeaders.SOURCE_OFFSET)).isEqualTo("42");
        assertThat(original.lastHeader(DlqHeaders.REASON)).as("the record's own headers are not changed").isNull();
    }

    @Test
    void aRecordDeadLetteredTwiceCarriesOnlyTheLatestReason() {
        Headers first = DeadLetter.of(DeadLetterReason.MALFORMED, "first").headers(null, "features", 0, 1L);

        Headers second = DeadLetter.of(DeadLetterReason.SPEC_MISMATCH, "second").headers(first, "features", 0, 7L);

        assertThat(second.headers(DlqHeaders.REASON)).hasSize(1);
        assertThat(DlqHeaders.read(second, DlqHeaders.REASON)).isEqualTo("SPEC_MISMATCH");
        assertThat(DlqHeaders.read(second, DlqHeaders.SOURCE_OFFSET)).isEqualTo("7");
    }

    @Test
    void anUnknownPositionIsWrittenAsAnEmptyTopicAndMinusOne() {
        Headers headers = DeadLetter.of(DeadLetterReason.BAD_KEY, null).headers(null, null, -1, -1L);

        assertThat(DlqHeaders.read(headers, DlqHeaders.SOURCE_TOPIC)).isEmpty();
        assertThat(DlqHeaders.read(headers, DlqHeaders.SOURCE_PARTITION)).isEqualTo("-1");
        assertThat(DlqHeaders.read(headers, DlqHeaders.SOURCE_OFFSET)).isEqualTo("-1");
        assertThat(DlqHeaders.read(headers, DlqHeaders.DETAIL)).isEmpty();
    }

    @Test
    void anUndecodableValueNamesTheFieldTheValueAndTheReasonByItsKind() {
        DecodeError error = Codecs.SENSOR_READING.decode("{\"ts\": \"yesterday\", \"values\": {\"a\": 1}}".getBytes(StandardCharsets.UTF_8))
                .error();

        DeadLetter letter = DeadLetter.undecodable(error);

        assertThat(letter.reason()).isEqualTo(DeadLetterReason.BAD_TIMESTAMP);
        assertThat(letter.detail()).isEqualTo(error.describe()).startsWith("field 'ts': ");
    }

    @Test
    void aBadKeySaysWhatIsWrongWithTheKey() {
        DeadLetter letter = DeadLetter.badKey(EntityKey.decode(null).error());

        assertThat(letter.reason()).isEqualTo(DeadLetterReason.BAD_KEY);
        assertThat(letter.detail()).startsWith("null key");
    }

    @Test
    void theReasonCodesAreTheOnesConsumersAlreadySee() {
        assertThat(Arrays.stream(DeadLetterReason.values()).map(Enum::name)).containsExactly("MALFORMED", "BAD_TIMESTAMP",
                "TIMESTAMP_OUT_OF_BOUNDS", "NON_FINITE", "TEXT_TOO_LONG", "BAD_KEY", "UNKNOWN_CHANNEL", "LATE", "PROCESSING_ERROR",
                "UNKNOWN_SPEC", "SPEC_MISMATCH", "MODEL_ERROR", "NON_FINITE_OUTPUT");
        for (DecodeError.Kind kind : DecodeError.Kind.values()) {
            assertThat(DeadLetterReason.of(kind).name()).isEqualTo(kind.name());
        }
    }
}
