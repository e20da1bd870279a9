package dev.streamcast.contracts.json;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.SensorReading;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RecordCodecTest {

    @Test
    void serdePassesFailedRecordsThroughAsTheirOriginalBytes() {
        Serde<Decoded<SensorReading>> serde = Codecs.SENSOR_READING.serde();
        byte[] garbage = {'{', 0x00, (byte) 0xFF, '}'};

        Decoded<SensorReading> decoded = serde.deserializer().deserialize("sensor-readings", garbage);

        assertThat(decoded.isOk()).isFalse();
        assertThat(serde.serializer().serialize("ingest-dlq", decoded)).isSameAs(garbage);
        SensorReading ok = SensorReading.of(1_467_331_200_000L, "OT", 1.0);
        assertThat(serde.serializer().serialize("x", Decoded.ok(ok))).isEqualTo(Codecs.SENSOR_READING.encode(ok));
        assertThat(serde.serializer().serialize("x", null)).isNull();
    }

    @Test
    void decodingNeverThrowsOnRandomOrMutatedInput() {
        Random random = new Random(20261121L);
        List<byte[]> seeds = List.of(
                "{\"ts\":1467331200000,\"values\":{\"OT\":30.5,\"HUFL\":5.8}}".getBytes(StandardCharsets.UTF_8),
                "{\"ts\":\"2016-07-01T00:00:00Z\",\"text\":\"ALARM\",\"source\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        int decodedOk = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[random.nextInt(64)];
                random.nextBytes(input);
            } else {
                input = seeds.get(random.nextInt(seeds.size())).clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
            }
            for (RecordCodec<?> codec : List.of(Codecs.SENSOR_READING, Codecs.TEXT_EVENT, Codecs.FEATURE_VECTOR,
                    Codecs.FORECAST, Codecs.MODEL_EVENT, Codecs.FEATURE_SPEC)) {
                Decoded<?> result = codec.decode(input);
                if (result.isOk()) {
                    decodedOk++;
                } else {
                    assertThat(result.error().reason()).isNotBlank();
                    assertThat(((Decoded.Failed<?>) result).raw()).isSameAs(input);
                }
            }
        }
        // Some mutations (a digit changed into another) still decode: the fuzzer does reach valid records.
        assertThat(decodedOk).isPositive();
    }
}
