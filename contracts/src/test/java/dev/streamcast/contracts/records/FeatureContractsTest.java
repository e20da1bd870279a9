package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.DecodeError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.streamcast.contracts.records.Codecs.FEATURE_SPEC;
import static dev.streamcast.contracts.records.Codecs.FEATURE_VECTOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeatureContractsTest {

    private static final FeatureSpec SPEC = FeatureSpec.of(3_600_000L, List.of("OT.mean", "OT.last", "text.count"));

    @Test
    void specIdIsStableAcrossReleases() {
        // Pinned: if this id changes, every model trained on this spec is orphaned.
        assertThat(SPEC.id()).isEqualTo("0218316dca32e789");
    }

    @Test
    void anyChangeOfNamesOrderOrStepGivesANewId() {
        assertThat(FeatureSpec.of(3_600_000L, List.of("OT.last", "OT.mean", "text.count")).id()).isNotEqualTo(SPEC.id());
        assertThat(FeatureSpec.of(900_000L, SPEC.names()).id()).isNotEqualTo(SPEC.id());
        assertThat(FeatureSpec.of(3_600_000L, List.of("OT.mean", "OT.last")).id()).isNotEqualTo(SPEC.id());
        assertThat(FeatureSpec.of(3_600_000L, List.of("OT.mean", "OT.lastt", "ext.count")).id()).isNotEqualTo(SPEC.id());
    }

    @Test
    void specRoundTripsAndRefusesAnIdThatDoesNotMatch() {
        byte[] json = FEATURE_SPEC.encode(SPEC);
        assertThat(FEATURE_SPEC.decode(json).value()).isEqualTo(SPEC);
        assertThat(SPEC.indexOf("OT.last")).isEqualTo(1);

        String forged = new String(json, StandardCharsets.UTF_8).replace(SPEC.id(), "0000000000000000");
        DecodeError error = FEATURE_SPEC.decode(forged.getBytes(StandardCharsets.UTF_8)).error();
        assertThat(error.field()).isEqualTo("id");
        assertThat(error.reason()).contains("expected " + SPEC.id());
    }

    @Test
    void specRefusesDuplicateAndBlankNames() {
        DecodeError duplicate = FEATURE_SPEC.decode("{\"id\":\"x\",\"stepMillis\":1000,\"names\":[\"a\",\"b\",\"a\"]}"
                .getBytes(StandardCharsets.UTF_8)).error();
        assertThat(duplicate.field()).isEqualTo("names[2]");
        assertThat(duplicate.reason()).isEqualTo("duplicate name");
        assertThatThrownBy(() -> FeatureSpec.of(1000, List.of("a", "a"))).hasMessageContaining("unique");
        assertThatThrownBy(() -> FeatureSpec.of(0, List.of("a"))).hasMessageContaining("positive");
    }

    @Test
    void vectorRoundTripsExactly() {
        FeatureVector vector = new FeatureVector(SPEC.id(), 1_467_331_200_000L, 1_467_334_800_000L,
                new double[]{30.531, 30.1, 0.0}, new boolean[]{true, false, true});

        byte[] json = FEATURE_VECTOR.encode(vector);

        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"specId\":\"" + SPEC.id()
                + "\",\"windowStart\":1467331200000,\"windowEnd\":1467334800000,\"values\":[30.531,30.1,0.0],"
                + "\"observed\":[true,false,true]}");
        assertThat(FEATURE_VECTOR.decode(json).value()).isEqualTo(vector);
    }

    @Test
    void vectorValuesSurviveTheRoundTripBitForBit() {
        double[] values = {Math.PI, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, 1e-300, 0.1 + 0.2};
        FeatureVector vector = new FeatureVector("abc", 0, 1, values, new boolean[values.length]);
        assertThat(FEATURE_VECTOR.decode(FEATURE_VECTOR.encode(vector)).value().values()).containsExactly(values);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"windowStart\":0,\"windowEnd\":1,\"values\":[1],\"observed\":[true]}                    | specId      | is required",
            "{\"specId\":\"s\",\"windowEnd\":1,\"values\":[1],\"observed\":[true]}                      | windowStart | is required",
            "{\"specId\":\"s\",\"windowStart\":5,\"windowEnd\":5,\"values\":[1],\"observed\":[true]}   | windowEnd   | must be after windowStart 5",
            "{\"specId\":\"s\",\"windowStart\":0,\"windowEnd\":1,\"values\":[],\"observed\":[]}         | values      | expected between 1 and",
            "{\"specId\":\"s\",\"windowStart\":0,\"windowEnd\":1,\"values\":[1,\"2\"],\"observed\":[true,true]} | values[1] | expected a number",
            "{\"specId\":\"s\",\"windowStart\":0,\"windowEnd\":1,\"values\":[1e999],\"observed\":[true]} | values[0]  | not a finite number",
            "{\"specId\":\"s\",\"windowStart\":0,\"windowEnd\":1,\"values\":[1,2],\"observed\":[true]} | observed    | expected between 2 and 2 elements",
            "{\"specId\":\"s\",\"windowStart\":0,\"windowEnd\":1,\"values\":[1],\"observed\":[1]}      | observed[0] | expected true or false",
            "{\"specId\":\"s\",\"windowStart\":0,\"windowEnd\":1,\"values\":{\"a\":1},\"observed\":[1]} | values     | expected an array",
    })
    void vectorRefusesHostileInputNamingTheField(String json, String field, String reason) {
        DecodeError error = FEATURE_VECTOR.decode(json.getBytes(StandardCharsets.UTF_8)).error();
        assertThat(error.field()).isEqualTo(field);
        assertThat(error.reason()).contains(reason);
    }
}
