package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.DecodeError;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.streamcast.contracts.records.Codecs.SENSOR_READING;
import static org.assertj.core.api.Assertions.assertThat;

class SensorReadingCodecTest {

    private static Decoded<SensorReading> decode(String json) {
        return SENSOR_READING.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static DecodeError error(String json) {
        Decoded<SensorReading> decoded = decode(json);
        assertThat(decoded.isOk()).as("expected %s to be refused", DecodeError.abbreviate(json)).isFalse();
        assertThat(((Decoded.Failed<SensorReading>) decoded).raw()).isEqualTo(json.getBytes(StandardCharsets.UTF_8));
        return decoded.error();
    }

    @Test
    void roundTripKeepsTimestampValuesAndChannelOrder() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("OT", 30.531);
        values.put("HUFL", -5.827);
        values.put("MULL", 0.0);
        SensorReading reading = new SensorReading(1_467_331_200_000L, values);

        byte[] json = SENSOR_READING.encode(reading);

        assertThat(new String(json, StandardCharsets.UTF_8))
                .isEqualTo("{\"ts\":1467331200000,\"values\":{\"OT\":30.531,\"HUFL\":-5.827,\"MULL\":0.0}}");
        SensorReading back = SENSOR_READING.decode(json).value();
        assertThat(back).isEqualTo(reading);
        assertThat(List.copyOf(back.values().keySet())).containsExactly("OT", "HUFL", "MULL");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "1467331200000             | 1467331200000",
            "1467331200000.0           | 1467331200000",
            "'\"2016-07-01T00:00:00Z\"'       | 1467331200000",
            "'\"2016-07-01T02:00:00+02:00\"'  | 1467331200000",
            "'\"2016-07-01T00:00:00.250Z\"'   | 1467331200250",
            "'\"2016-07-01T00:00:00\"'        | 1467331200000",
    })
    void timestampsAreEpochMillisOrIso8601(String ts, long expected) {
        assertThat(decode("{\"ts\":" + ts + ",\"values\":{\"OT\":1}}").value().ts()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // truncated and malformed JSON
            "{\"ts\":1467331200000,\"values\":{\"OT\":1   | $ | malformed JSON",
            "{\"ts\":1467331200000,                    | $ | malformed JSON",
            "not json at all                          | $ | malformed JSON",
            "{\"ts\":1,\"values\":{\"OT\":1}} trailing    | $ | malformed JSON",
            "{\"ts\":1467331200000,\"ts\":1,\"values\":{\"OT\":1}} | $ | malformed JSON",
            "[1467331200000]                          | $ | expected a JSON object",
            "null                                     | $ | expected a JSON object",
            // missing and wrongly typed fields
            "{\"values\":{\"OT\":1}}                     | ts | is required",
            "{\"ts\":null,\"values\":{\"OT\":1}}         | ts | is required",
            "{\"ts\":1467331200000}                    | values | is required",
            "{\"ts\":true,\"values\":{\"OT\":1}}         | ts | expected epoch milliseconds or an ISO-8601 string",
            "{\"ts\":1467331200000,\"values\":[1,2]}     | values | expected a JSON object",
            "{\"ts\":1467331200000,\"values\":{\"OT\":\"1.5\"}}  | values.OT | expected a number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":true}}   | values.OT | expected a number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":null}}   | values.OT | expected a number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":{\"a\":1}}} | values.OT | expected a number",
            "{\"ts\":1467331200000,\"values\":{}}        | values | expected between 1 and 1024 entries",
            // unparsable and absurd timestamps
            "{\"ts\":\"yesterday\",\"values\":{\"OT\":1}}          | ts | unparsable ISO-8601 timestamp",
            "{\"ts\":\"2016-13-01T00:00:00Z\",\"values\":{\"OT\":1}} | ts | unparsable ISO-8601 timestamp",
            "{\"ts\":\"\",\"values\":{\"OT\":1}}                   | ts | unparsable ISO-8601 timestamp",
            "{\"ts\":1467331200000.5,\"values\":{\"OT\":1}}        | ts | expected epoch milliseconds as a whole number",
            "{\"ts\":-2208988800001,\"values\":{\"OT\":1}}         | ts | timestamp outside",
            "{\"ts\":1467331200000000,\"values\":{\"OT\":1}}       | ts | timestamp outside",
            "{\"ts\":\"+99999-01-01T00:00:00Z\",\"values\":{\"OT\":1}} | ts | timestamp outside",
            "{\"ts\":99999999999999999999999,\"values\":{\"OT\":1}} | ts | expected epoch milliseconds as a whole number",
            "{\"ts\":1e300,\"values\":{\"OT\":1}}                  | ts | expected epoch milliseconds as a whole number",
            // NaN, Infinity and huge numbers
            "{\"ts\":1467331200000,\"values\":{\"OT\":NaN}}        | values.OT | not a finite number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":Infinity}}   | values.OT | not a finite number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":-Infinity}}  | values.OT | not a finite number",
            "{\"ts\":NaN,\"values\":{\"OT\":1}}                    | ts | expected epoch milliseconds as a whole number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":1e400}}      | values.OT | not a finite number",
            "{\"ts\":1467331200000,\"values\":{\"OT\":-1e400}}     | values.OT | not a finite number",
    })
    void hostileInputIsRefusedNamingTheFieldAndReason(String json, String field, String reason) {
        DecodeError error = error(json);
        assertThat(error.field()).isEqualTo(field.isEmpty() ? "$" : field);
        assertThat(error.reason()).contains(reason);
    }

    @Test
    void errorsAreClassifiedSoConsumersCanCountAndRouteThem() {
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":NaN}}").kind()).isEqualTo(DecodeError.Kind.NON_FINITE);
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":1e999}}").kind()).isEqualTo(DecodeError.Kind.NON_FINITE);
        assertThat(error("{\"values\":{\"OT\":1}}").kind()).isEqualTo(DecodeError.Kind.BAD_TIMESTAMP);
        assertThat(error("{\"ts\":\"noon\",\"values\":{\"OT\":1}}").kind()).isEqualTo(DecodeError.Kind.BAD_TIMESTAMP);
        assertThat(error("{\"ts\":4102444800000000,\"values\":{\"OT\":1}}").kind()).isEqualTo(DecodeError.Kind.BAD_TIMESTAMP);
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":\"x\"}}").kind()).isEqualTo(DecodeError.Kind.MALFORMED);
        assertThat(error("{\"ts\":1467331200000,").kind()).isEqualTo(DecodeError.Kind.MALFORMED);
    }

    @Test
    void errorsQuoteTheOffendingValue() {
        assertThat(error("{\"ts\":\"yesterday\",\"values\":{\"OT\":1}}").value()).isEqualTo("\"yesterday\"");
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":\"high\"}}").describe())
                .isEqualTo("field 'values.OT': expected a number (got \"high\")");
    }

    @Test
    void hugeIntegersThatFitADoubleAreFiniteValues() {
        assertThat(decode("{\"ts\":1467331200000,\"values\":{\"OT\":123456789012345678901234567890}}").value().values().get("OT"))
                .isEqualTo(1.2345678901234568E29);
    }

    @Test
    void numberLiteralsLongerThanTheLimitAreRefused() {
        String digits = "9".repeat(Json.MAX_NUMBER_CHARS + 1);
        DecodeError error = error("{\"ts\":1467331200000,\"values\":{\"OT\":" + digits + "}}");
        assertThat(error.reason()).contains("parser limit").contains("Number value length");
    }

    @Test
    void veryDeepNestingIsRefusedWithoutStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        DecodeError error = error("{\"ts\":1467331200000,\"values\":{\"OT\":1},\"x\":" + deep + "}");
        assertThat(error.reason()).contains("parser limit").contains("nesting depth");
    }

    @Test
    void oversizedStringsAreRefused() {
        String huge = "a".repeat(Json.MAX_STRING_CHARS + 1);
        DecodeError error = error("{\"ts\":1467331200000,\"values\":{\"OT\":1},\"note\":\"" + huge + "\"}");
        assertThat(error.reason()).contains("parser limit").contains("String value length");
        assertThat(error.describe().length()).as("the error does not echo the payload").isLessThan(400);
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] json = "{\"ts\":1467331200000,\"values\":{\"O?\":1}}".getBytes(StandardCharsets.UTF_8);
        json[json.length - 7] = (byte) 0xC3; // a lead byte followed by '"' is not UTF-8
        json[json.length - 6] = (byte) 0x28;
        Decoded<SensorReading> decoded = SENSOR_READING.decode(json);
        assertThat(decoded.isOk()).isFalse();
        assertThat(decoded.error().reason()).contains("UTF-8");
        assertThat(((Decoded.Failed<SensorReading>) decoded).raw()).isSameAs(json);
    }

    @Test
    void unknownFieldsAreIgnored() {
        SensorReading reading = decode("{\"ts\":1467331200000,\"unit\":\"C\",\"values\":{\"OT\":1.5},"
                + "\"meta\":{\"site\":[1,2,{\"x\":null}]}}").value();
        assertThat(reading).isEqualTo(SensorReading.of(1_467_331_200_000L, "OT", 1.5));
    }

    @Test
    void nullAndEmptyValuesAreRefusedNotThrown() {
        assertThat(SENSOR_READING.decode(null).error().reason()).contains("tombstone");
        assertThat(SENSOR_READING.decode(new byte[0]).error().reason()).contains("empty value");
    }

    @Test
    void tooManyChannelsAreRefused() {
        StringBuilder json = new StringBuilder("{\"ts\":1467331200000,\"values\":{");
        for (int i = 0; i <= SensorReading.MAX_CHANNELS; i++) {
            json.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":1");
        }
        assertThat(error(json.append("}}").toString()).reason()).contains("expected between 1 and 1024 entries");
    }

    @Test
    void duplicateFieldsAndChannelsAreRefused() {
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":1,\"OT\":2}}").reason())
                .isEqualTo("malformed JSON: duplicate field 'values.OT'");
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":1},\"values\":{\"OT\":2}}").reason())
                .isEqualTo("malformed JSON: duplicate field 'values'");
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":1},\"x\":{\"a\":1,\"a\":2}}").reason())
                .startsWith("malformed JSON");
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"OT\":1},\"note\":\"a\",\"note\":\"b\"}").reason())
                .isEqualTo("malformed JSON: duplicate field 'note'");
    }

    @Test
    void blankChannelNamesAreRefused() {
        DecodeError error = error("{\"ts\":1467331200000,\"values\":{\" \":1}}");
        assertThat(error.field()).isEqualTo("values. ");
        assertThat(error.reason()).isEqualTo("must not be blank");
    }

    @Test
    void channelNamesWithControlCharactersAreRefused() {
        assertThat(error("{\"ts\":1467331200000,\"values\":{\"O\\u0000T\":1}}").reason())
                .contains("control character at index 1");
    }
}
