package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.DecodeError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static dev.streamcast.contracts.records.Codecs.TEXT_EVENT;
import static org.assertj.core.api.Assertions.assertThat;

class TextEventCodecTest {

    private static DecodeError error(String json) {
        return TEXT_EVENT.decode(json.getBytes(StandardCharsets.UTF_8)).error();
    }

    @Test
    void roundTripWithAndWithoutSource() {
        TextEvent alarm = new TextEvent(1_467_331_200_000L, "ALARM: OT high on T1 — 92 °C", "scada");
        TextEvent note = new TextEvent(1_467_331_260_000L, "", null);

        assertThat(TEXT_EVENT.decode(TEXT_EVENT.encode(alarm)).value()).isEqualTo(alarm);
        assertThat(TEXT_EVENT.encodeToString(note)).isEqualTo("{\"ts\":1467331260000,\"text\":\"\"}");
        assertThat(TEXT_EVENT.decode(TEXT_EVENT.encode(note)).value()).isEqualTo(note);
    }

    @Test
    void isoTimestampsAndUnknownFieldsAreAccepted() {
        TextEvent event = TEXT_EVENT.decode("{\"ts\":\"2016-07-01T00:00:00Z\",\"text\":\"breaker tripped\",\"severity\":3}"
                .getBytes(StandardCharsets.UTF_8)).value();
        assertThat(event).isEqualTo(new TextEvent(1_467_331_200_000L, "breaker tripped", null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"text\":\"x\"}                           | ts     | is required",
            "{\"ts\":\"soon\",\"text\":\"x\"}              | ts     | unparsable ISO-8601 timestamp",
            "{\"ts\":1467331200000}                    | text   | is required",
            "{\"ts\":1467331200000,\"text\":42}          | text   | expected a string",
            "{\"ts\":1467331200000,\"text\":[\"x\"]}     | text   | expected a string",
            "{\"ts\":1467331200000,\"text\":\"x\",\"source\":7}   | source | expected a string",
            "{\"ts\":1467331200000,\"text\":\"x\",\"source\":\"\"}  | source | must not be blank",
            "{\"ts\":1467331200000,\"text\":\"unterminated     | $      | malformed JSON",
    })
    void hostileInputIsRefusedNamingTheField(String json, String field, String reason) {
        DecodeError error = error(json);
        assertThat(error.field()).isEqualTo(field);
        assertThat(error.reason()).contains(reason);
    }

    @Test
    void invalidUtf8InTheTextIsRefused() {
        byte[] prefix = "{\"ts\":1467331200000,\"text\":\"ab".getBytes(StandardCharsets.UTF_8);
        byte[] json = new byte[prefix.length + 4];
        System.arraycopy(prefix, 0, json, 0, prefix.length);
        json[prefix.length] = (byte) 0xFF; // never valid in UTF-8
        json[prefix.length + 1] = '"';
        json[prefix.length + 2] = '}';
        json[prefix.length + 3] = ' ';
        assertThat(TEXT_EVENT.decode(json).error().reason()).contains("UTF-8");
    }

    @Test
    void overlongSourceIsRefused() {
        String source = "s".repeat(TextEvent.MAX_SOURCE_CHARS + 1);
        assertThat(error("{\"ts\":1467331200000,\"text\":\"x\",\"source\":\"" + source + "\"}").reason())
                .isEqualTo("longer than 128 characters");
    }
}
