package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.DecodeError;
import dev.streamcast.contracts.json.Encoding;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.streamcast.contracts.records.Codecs.FEATURE_VECTOR;
import static dev.streamcast.contracts.records.Codecs.FEATURE_VECTOR_BINARY;
import static dev.streamcast.contracts.records.Codecs.FORECAST;
import static dev.streamcast.contracts.records.Codecs.FORECAST_BINARY;
import static org.assertj.core.api.Assertions.assertThat;

class BinaryCodecsTest {

    private static final long START = 1_467_331_200_000L;
    private static final long HOUR = 3_600_000L;

    private static FeatureVector vector() {
        double[] values = {30.531, -5.827, 0.0, 1e-300, 123456.789, 2, 3, 4, 5};
        boolean[] observed = {true, false, true, true, false, true, true, true, false};
        return new FeatureVector("3f9a0c1d2e4b5a69", START, START + HOUR, values, observed);
    }

    private static Forecast forecast() {
        return new Forecast(START + HOUR, "etth1@3", "3f9a0c1d2e4b5a69", List.of("OT", "HÜFL"), new double[]{0.1, 0.5, 0.9},
                List.of(new Forecast.Step(1, START + 2 * HOUR, Map.of("OT", 30.2, "HÜFL", 5.1),
                                Map.of("OT", new double[]{29.0, 30.2, 31.5}, "HÜFL", new double[]{4.0, 5.1, 6.0})),
                        new Forecast.Step(2, START + 3 * HOUR, Map.of("OT", 30.4, "HÜFL", 5.0),
                                Map.of("OT", new double[]{28.7, 30.4, 32.0}, "HÜFL", new double[]{3.9, 5.0, 6.2}))));
    }

    @Test
    void vectorsRoundTripExactlyAndSmallerThanJson() {
        FeatureVector v = vector();
        byte[] bytes = FEATURE_VECTOR_BINARY.encode(v);
        assertThat(bytes[0]).isEqualTo(Encoding.BINARY_MAGIC);
        assertThat((char) bytes[1]).isEqualTo('V');
        // header, id (2 + 16), window (16), count (4), 9 doubles, 2 flag bytes
        assertThat(bytes).hasSize(2 + 18 + 16 + 4 + 9 * 8 + 2);
        FeatureVector back = FEATURE_VECTOR_BINARY.decode(bytes).value();
        assertThat(back).isEqualTo(v);
        assertThat(back.observed()).containsExactly(v.observed());
        assertThat(bytes.length).isLessThan(FEATURE_VECTOR.encode(v).length);
        assertThat(Encoding.of(bytes)).isEqualTo(Encoding.BINARY);
        assertThat(Encoding.of(FEATURE_VECTOR.encode(v))).isEqualTo(Encoding.JSON);
    }

    @Test
    void forecastsRoundTripWithAndWithoutQuantiles() {
        Forecast f = forecast();
        assertThat(FORECAST_BINARY.decode(FORECAST_BINARY.encode(f)).value()).isEqualTo(f);
        Forecast point = new Forecast(START, "naive@1", "s", List.of("OT"), new double[0],
                List.of(new Forecast.Step(1, START + HOUR, Map.of("OT", 1.0), Map.of())));
        assertThat(FORECAST_BINARY.decode(FORECAST_BINARY.encode(point)).value()).isEqualTo(point);
        assertThat(FORECAST_BINARY.encode(point).length).isLessThan(FORECAST.encode(point).length);
    }

    @Test
    void aReaderGivenTheOtherEncodingSaysSoNamingBoth() {
        DecodeError jsonReader = FEATURE_VECTOR.decode(FEATURE_VECTOR_BINARY.encode(vector())).error();
        assertThat(jsonReader.reason()).contains("feature vector in binary where this reader expects json")
                .contains("streamcast.encoding.<topic>");
        DecodeError binaryReader = FORECAST_BINARY.decode(FORECAST.encode(forecast())).error();
        assertThat(binaryReader.reason()).contains("forecast in json where this reader expects binary");
        // a vector is never read as a forecast, nor the other way round
        assertThat(FORECAST_BINARY.decode(FEATURE_VECTOR_BINARY.encode(vector())).error().reason())
                .contains("not a binary forecast");
        assertThat(Codecs.featureVectors(Encoding.BINARY)).isSameAs(FEATURE_VECTOR_BINARY);
        assertThat(Codecs.forecasts(Encoding.JSON)).isSameAs(FORECAST);
    }

    @Test
    void everyTruncationIsRefusedNamingTheField() {
        byte[] whole = FORECAST_BINARY.encode(forecast());
        for (int cut = 0; cut < whole.length; cut++) {
            Decoded<Forecast> d = FORECAST_BINARY.decode(Arrays.copyOf(whole, cut));
            assertThat(d.isOk()).as("cut at %d", cut).isFalse();
        }
        DecodeError inValues = FEATURE_VECTOR_BINARY.decode(Arrays.copyOf(FEATURE_VECTOR_BINARY.encode(vector()), 50)).error();
        assertThat(inValues.field()).isEqualTo("values");
        assertThat(inValues.reason()).contains("truncated");
        byte[] longer = Arrays.copyOf(whole, whole.length + 3);
        assertThat(FORECAST_BINARY.decode(longer).error().reason()).contains("trailing data");
    }

    @Test
    void valuesAreCheckedAsJsonChecksThem() {
        byte[] bytes = FEATURE_VECTOR_BINARY.encode(vector());
        int firstValue = 2 + 18 + 16 + 4;
        ByteBuffer.wrap(bytes).putDouble(firstValue + 8, Double.NaN);
        DecodeError nan = FEATURE_VECTOR_BINARY.decode(bytes).error();
        assertThat(nan.kind()).isEqualTo(DecodeError.Kind.NON_FINITE);
        assertThat(nan.field()).isEqualTo("values");

        byte[] backwards = FEATURE_VECTOR_BINARY.encode(vector());
        ByteBuffer.wrap(backwards).putLong(2 + 18 + 8, START);
        assertThat(FEATURE_VECTOR_BINARY.decode(backwards).error().field()).isEqualTo("windowEnd");

        byte[] absurd = FEATURE_VECTOR_BINARY.encode(vector());
        ByteBuffer.wrap(absurd).putLong(2 + 18, 1_467_331_200_000_000L); // microseconds
        assertThat(FEATURE_VECTOR_BINARY.decode(absurd).error().kind()).isEqualTo(DecodeError.Kind.BAD_TIMESTAMP);

        byte[] badUtf8 = FEATURE_VECTOR_BINARY.encode(vector());
        badUtf8[4] = (byte) 0xC3;
        badUtf8[5] = (byte) 0x28;
        assertThat(FEATURE_VECTOR_BINARY.decode(badUtf8).error().reason()).isEqualTo("invalid UTF-8");

        byte[] hugeCount = FEATURE_VECTOR_BINARY.encode(vector());
        ByteBuffer.wrap(hugeCount).putInt(2 + 18 + 16, -1);
        assertThat(FEATURE_VECTOR_BINARY.decode(hugeCount).error().reason()).contains("count outside 0..65536");

        byte[] model = FORECAST_BINARY.encode(forecast());
        model[2 + 8 + 2] = '.'; // "etth1@3" -> ".tth1@3"
        assertThat(FORECAST_BINARY.decode(model).error().field()).isEqualTo("model");
    }

    @Test
    void parsingTheSettingNamesItAndWhatItTakes() {
        assertThat(Encoding.parse("streamcast.encoding.features", " Binary ")).isEqualTo(Encoding.BINARY);
        assertThat(Encoding.setting("forecasts")).isEqualTo("streamcast.encoding.forecasts");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Encoding.parse("streamcast.encoding.features", "avro"))
                .hasMessage("streamcast.encoding.features must be json or binary, got 'avro'");
    }
}
