package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.records.TextEvent;
import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.TestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Window arithmetic, grace, lateness, gaps, idle expiry, text features, spec ids and the DLQ, on TopologyTestDriver. */
class WindowingTopologyTest {

    /** The wall clock of the driver; event times are set around it. */
    private static final Instant NOW = Instant.parse("2026-11-02T12:00:00Z");
    /** The start of a window, a little before NOW. */
    private static final long T0 = NOW.toEpochMilli() - 3_600_000L;
    private static final long MIN = 60_000L;
    private static final long SEC = 1_000L;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> sensors;
    private TestInputTopic<byte[], byte[]> texts;
    private TestOutputTopic<byte[], byte[]> features;
    private TestOutputTopic<byte[], byte[]> dlq;
    private TestOutputTopic<byte[], byte[]> specs;
    private SimpleMeterRegistry registry;
    private FeatureSpec spec;

    private void start(IngestSettings settings) {
        registry = new SimpleMeterRegistry();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ingest-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(TopologyProducer.build(settings, new IngestMetrics(registry)), props, NOW);
        ByteArraySerializer out = new ByteArraySerializer();
        ByteArrayDeserializer in = new ByteArrayDeserializer();
        sensors = driver.createInputTopic(Topics.SENSOR_READINGS.name(), out, out);
        texts = driver.createInputTopic(Topics.TEXT_EVENTS.name(), out, out);
        features = driver.createOutputTopic(Topics.FEATURES.name(), in, in);
        dlq = driver.createOutputTopic(Topics.INGEST_DLQ.name(), in, in);
        specs = driver.createOutputTopic(Topics.FEATURE_SPECS.name(), in, in);
        spec = new FeatureLayout(settings).spec();
    }

    private void start() {
        start(new TestSettings().build());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private static byte[] key(String entity) {
        return entity.getBytes(StandardCharsets.UTF_8);
    }

    private void reading(String entity, long ts, Object... channelValues) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < channelValues.length; i += 2) {
            values.put((String) channelValues[i], ((Number) channelValues[i + 1]).doubleValue());
        }
        sensors.pipeInput(key(entity), Codecs.SENSOR_READING.encode(new SensorReading(ts, values)), ts);
    }

    private void text(String entity, long ts, String body) {
        texts.pipeInput(key(entity), Codecs.TEXT_EVENT.encode(new TextEvent(ts, body, null)), ts);
    }

    /** Every vector emitted so far, as (entity, vector). */
    private List<Map.Entry<String, FeatureVector>> vectors() {
        List<Map.Entry<String, FeatureVector>> out = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : features.readRecordsToList()) {
            out.add(Map.entry(new String(r.key(), StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.decode(r.value()).value()));
        }
        return out;
    }

    private List<FeatureVector> vectorsOf(String entity, List<Map.Entry<String, FeatureVector>> all) {
        return all.stream().filter(e -> e.getKey().equals(entity)).map(Map.Entry::getValue).toList();
    }

    private double value(FeatureVector v, String feature) {
        return v.values()[spec.indexOf(feature)];
    }

    private boolean observed(FeatureVector v, String feature) {
        return v.observed()[spec.indexOf(feature)];
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void aClosedWindowGivesMeanMinMaxLastAndCountPerChannel() {
        start();
        reading("t1", T0 + SEC, "temp", 10);
        reading("t1", T0 + 20 * SEC, "temp", 30, "load", 5);
        reading("t1", T0 + 40 * SEC, "temp", 20);
        reading("t1", T0 + 30 * SEC, "temp", 40); // out of order: not the last one by event time
        reading("other", T0 + 69 * SEC, "temp", 1);
        assertThat(vectors()).as("window [0, 60 s) closes at 60 s + 10 s grace, not before").isEmpty();

        reading("other", T0 + 70 * SEC, "temp", 1);

        List<FeatureVector> t1 = vectorsOf("t1", vectors());
        assertThat(t1).hasSize(1);
        FeatureVector v = t1.get(0);
        assertThat(v.specId()).isEqualTo(spec.id());
        assertThat(v.windowStart()).isEqualTo(T0);
        assertThat(v.windowEnd()).isEqualTo(T0 + MIN);
        assertThat(value(v, "temp.mean")).isEqualTo(25.0);
        assertThat(value(v, "temp.min")).isEqualTo(10.0);
        assertThat(value(v, "temp.max")).isEqualTo(40.0);
        assertThat(value(v, "temp.last")).isEqualTo(20.0);
        assertThat(value(v, "temp.count")).isEqualTo(4.0);
        assertThat(value(v, "load.mean")).isEqualTo(5.0);
        assertThat(value(v, "load.count")).isEqualTo(1.0);
        for (String feature : spec.names()) {
            assertThat(observed(v, feature)).as(feature).isEqualTo(!feature.equals("text.mean_len"));
        }
        assertThat(counter("ingest.vectors.out")).as("other's first window [60 s, 120 s) is still open").isEqualTo(1.0);
        assertThat(counter("ingest.records.in", "topic", "sensor-readings")).isEqualTo(6.0);
    }

    @Test
    void withBinaryConfiguredVectorsAreWrittenInTheBinaryLayoutWithTheSameValues() {
        TestSettings binary = new TestSettings();
        binary.featuresEncoding = Encoding.BINARY;
        start(binary.build());
        reading("t1", T0 + SEC, "temp", 10.25);
        reading("t1", T0 + 20 * SEC, "temp", 30.5, "load", 5);
        reading("other", T0 + 70 * SEC, "temp", 1);

        List<TestRecord<byte[], byte[]>> written = features.readRecordsToList();
        assertThat(written).hasSize(1);
        byte[] bytes = written.get(0).value();
        assertThat(Encoding.of(bytes)).isEqualTo(Encoding.BINARY);
        assertThat(Codecs.FEATURE_VECTOR.decode(bytes).error().reason()).contains("in binary where this reader expects json");
        FeatureVector v = Codecs.FEATURE_VECTOR_BINARY.decode(bytes).value();
        assertThat(v.specId()).isEqualTo(spec.id());
        assertThat(value(v, "temp.mean")).isEqualTo(20.375);
        assertThat(value(v, "load.last")).isEqualTo(5.0);
        assertThat(observed(v, "text.mean_len")).isFalse();
    }

    @Test
    void aRecordWithinGraceJoinsItsWindowAndOneBeyondGoesToTheDlqAsLate() {
        start();
        reading("t1", T0 + 10 * SEC, "temp", 10);
        reading("t1", T0 + 65 * SEC, "temp", 99);         // stream time 65 s: window [0, 60) still open
        reading("t1", T0 + 50 * SEC, "temp", 30);         // within grace: joins [0, 60)
        reading("t1", T0 + 70 * SEC, "temp", 99);         // closes [0, 60)
        byte[] late = Codecs.SENSOR_READING.encode(SensorReading.of(T0 + 55 * SEC, "temp", 1000));
        sensors.pipeInput(key("t1"), late, T0 + 55 * SEC);
        reading("t1", T0 + 75 * SEC, "temp", 99);         // still flows after the late one

        List<FeatureVector> t1 = vectorsOf("t1", vectors());
        assertThat(t1).hasSize(1);
        assertThat(value(t1.get(0), "temp.mean")).isEqualTo(20.0);
        assertThat(value(t1.get(0), "temp.count")).isEqualTo(2.0);

        List<TestRecord<byte[], byte[]>> refused = dlq.readRecordsToList();
        assertThat(refused).hasSize(1);
        TestRecord<byte[], byte[]> record = refused.get(0);
        assertThat(record.value()).isEqualTo(late);
        assertThat(record.key()).isEqualTo(key("t1"));
        assertThat(DlqHeaders.read(record.headers(), DlqHeaders.REASON)).isEqualTo("LATE");
        assertThat(DlqHeaders.read(record.headers(), DlqHeaders.SOURCE_TOPIC)).isEqualTo("sensor-readings");
        assertThat(DlqHeaders.read(record.headers(), DlqHeaders.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(DlqHeaders.read(record.headers(), DlqHeaders.SOURCE_OFFSET)).isEqualTo("4");
        assertThat(DlqHeaders.read(record.headers(), DlqHeaders.DETAIL)).contains("already closed").contains("grace PT10S");
        assertThat(counter("ingest.late")).isEqualTo(1.0);
        assertThat(counter("ingest.dlq", "reason", "LATE")).isEqualTo(1.0);

        reading("t1", T0 + 135 * SEC, "temp", 0);         // closes [60, 120)
        List<FeatureVector> next = vectorsOf("t1", vectors());
        assertThat(next).hasSize(1);
        assertThat(value(next.get(0), "temp.count")).as("the late record went nowhere").isEqualTo(3.0);
    }

    @Test
    void aDeadLetterCarriesTheTimeOfRefusalSoRetentionCannotDeleteItUnread() {
        start();
        long fortyDaysAgo = NOW.toEpochMilli() - 40 * 86_400_000L; // older than max-past and than any topic's retention
        byte[] old = Codecs.SENSOR_READING.encode(SensorReading.of(fortyDaysAgo, "temp", 1));
        sensors.pipeInput(key("t1"), old, fortyDaysAgo);

        TestRecord<byte[], byte[]> refused = dlq.readRecord();
        assertThat(DlqHeaders.read(refused.headers(), DlqHeaders.REASON)).isEqualTo("TIMESTAMP_OUT_OF_BOUNDS");
        assertThat(refused.value()).isEqualTo(old);
        assertThat(refused.timestamp()).as("the time of refusal, from which the broker counts retention").isEqualTo(NOW.toEpochMilli());
        assertThat(DlqHeaders.read(refused.headers(), DlqHeaders.SOURCE_TIMESTAMP)).isEqualTo(Long.toString(fortyDaysAgo));
    }

    @Test
    void anEarlierRecordWithinGraceMovesANewEntitysFirstWindowBack() {
        TestSettings settings = new TestSettings();
        settings.grace = Duration.ofSeconds(90);
        start(settings.build());
        reading("t1", T0 + MIN + 5 * SEC, "temp", 10);    // first seen in window 1
        reading("t1", T0 + 30 * SEC, "temp", 4);          // window 0 is still open (closes at 60 s + 90 s)
        reading("clock", T0 + 4 * MIN, "temp", 0);

        List<FeatureVector> t1 = vectorsOf("t1", vectors());
        assertThat(t1).extracting(FeatureVector::windowStart).startsWith(T0, T0 + MIN);
        assertThat(value(t1.get(0), "temp.mean")).isEqualTo(4.0);
        assertThat(value(t1.get(1), "temp.mean")).isEqualTo(10.0);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void hugeFiniteReadingsNeverMakeANonFiniteMean() {
        start();
        reading("t1", T0 + SEC, "temp", 1e308);
        reading("t1", T0 + 2 * SEC, "temp", 1e308);
        reading("clock", T0 + 70 * SEC, "temp", 0);

        FeatureVector v = vectorsOf("t1", vectors()).get(0);
        assertThat(value(v, "temp.mean")).isEqualTo(1e308);
        assertThat(value(v, "temp.max")).isEqualTo(1e308);
    }

    @Test
    void settingsThatNameAFeatureTwiceAreRefusedAtStart() {
        TestSettings settings = new TestSettings();
        settings.keywords = List.of("alarm", "ALARM");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FeatureLayout(settings.build()))
                .hasMessageContaining("feature 'text.kw.alarm' would appear twice");
    }

    @Test
    void gapsAreCarriedForwardAndFlaggedUnobserved() {
        start();
        reading("t1", T0 + SEC, "temp", 10, "load", 3);
        reading("t1", T0 + 2 * SEC, "temp", 12);
        reading("t1", T0 + 3 * MIN + SEC, "temp", 50);     // windows 1 and 2 have nothing
        reading("clock", T0 + 4 * MIN + 10 * SEC, "temp", 0);

        List<FeatureVector> t1 = vectorsOf("t1", vectors());
        assertThat(t1).extracting(FeatureVector::windowStart).containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN);
        FeatureVector gap = t1.get(1);
        assertThat(value(gap, "temp.mean")).isEqualTo(11.0);
        assertThat(value(gap, "temp.last")).isEqualTo(12.0);
        assertThat(value(gap, "load.max")).isEqualTo(3.0);
        assertThat(observed(gap, "temp.mean")).isFalse();
        assertThat(observed(gap, "load.last")).isFalse();
        assertThat(value(gap, "temp.count")).isEqualTo(0.0);
        assertThat(observed(gap, "temp.count")).as("a count of zero is observed").isTrue();
        assertThat(t1.get(2).values()).containsExactly(gap.values());
        FeatureVector back = t1.get(3);
        assertThat(value(back, "temp.mean")).isEqualTo(50.0);
        assertThat(observed(back, "temp.mean")).isTrue();
        assertThat(value(back, "load.mean")).as("load is still missing: carried from window 0").isEqualTo(3.0);
        assertThat(observed(back, "load.mean")).isFalse();
        // text.mean_len in every window (no text at all), plus 4 temp and 4 load value features in
        // each of the two gap windows, plus the 4 load ones in the last window
        assertThat(counter("ingest.imputed.values")).isEqualTo(1 + 9 + 9 + 5);
    }

    @Test
    void zeroImputationFillsGapsWithZero() {
        TestSettings settings = new TestSettings();
        settings.imputation = IngestSettings.Imputation.ZERO;
        start(settings.build());
        reading("t1", T0 + SEC, "temp", 10);
        reading("t1", T0 + 2 * MIN + SEC, "temp", 50);
        reading("clock", T0 + 3 * MIN + 10 * SEC, "temp", 0);

        FeatureVector gap = vectorsOf("t1", vectors()).get(1);
        assertThat(gap.windowStart()).isEqualTo(T0 + MIN);
        assertThat(value(gap, "temp.mean")).isEqualTo(0.0);
        assertThat(observed(gap, "temp.mean")).isFalse();
    }

    @Test
    void anIdleEntityStopsEmittingAndStartsAfreshWhenItReturns() {
        start(); // idle timeout 3 min
        reading("t1", T0 + SEC, "temp", 10, "load", 7);
        for (long t = T0; t <= T0 + 10 * MIN; t += 30 * SEC) {
            reading("clock", t, "temp", 0);
        }
        List<FeatureVector> t1 = vectorsOf("t1", vectors());
        assertThat(t1).as("the window seen, then windows starting up to 3 min after the last record")
                .extracting(FeatureVector::windowStart).containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN);
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(TopologyProducer.WINDOWS_STORE);
        assertThat(store.get("t1")).as("its state is dropped").isNull();
        assertThat(registry.get("ingest.active.entities").gauge().value()).isEqualTo(1.0);

        reading("t1", T0 + 12 * MIN + SEC, "temp", 20);
        reading("clock", T0 + 13 * MIN + 10 * SEC, "temp", 0);
        List<FeatureVector> again = vectorsOf("t1", vectors());
        assertThat(again).extracting(FeatureVector::windowStart).containsExactly(T0 + 12 * MIN);
        assertThat(value(again.get(0), "load.mean")).as("no history carried over from before the idle gap").isEqualTo(0.0);
        assertThat(registry.get("ingest.active.entities").gauge().value()).isEqualTo(2.0);
    }

    @Test
    void eachCommitWritesWhatItsRecordsChangedTheEntitiesWindowsAndTheStreamTime() throws Exception {
        IngestSettings settings = new TestSettings().build();
        start(settings);
        FeatureLayout layout = new FeatureLayout(settings);
        int temp = layout.channel("temp");
        KeyValueStore<String, byte[]> windows = driver.getKeyValueStore(TopologyProducer.WINDOWS_STORE);
        KeyValueStore<String, Long> clock = driver.getKeyValueStore(TopologyProducer.CLOCK_STORE);

        // the processor keeps changes in memory and writes them just before a commit; the driver commits after each record
        reading("t1", T0 + SEC, "temp", 10);
        reading("t2", T0 + 2 * SEC, "temp", 20);
        reading("t1", T0 + 3 * SEC, "temp", 30);

        WindowAccumulator t1 = EntityWindows.fromBytes(windows.get("t1"), layout).open.get(0);
        assertThat(t1.start).isEqualTo(T0);
        assertThat(t1.count[temp]).isEqualTo(2);
        assertThat(t1.mean[temp]).isEqualTo(20.0);
        assertThat(EntityWindows.fromBytes(windows.get("t2"), layout).open.get(0).count[temp]).isEqualTo(1);
        assertThat(clock.get(WindowingProcessor.CLOCK_KEY)).isEqualTo(T0 + 3 * SEC);

        // closing windows writes no entity: the clock says by when every stored entity's windows are out, and the
        // stored state still holds the emitted window (t1 with its new record, written before the check read it)
        reading("t1", T0 + 2 * MIN, "temp", 40);
        List<Map.Entry<String, FeatureVector>> closed = vectors();
        assertThat(vectorsOf("t1", closed)).extracting(FeatureVector::windowStart).containsExactly(T0);
        assertThat(vectorsOf("t2", closed)).extracting(FeatureVector::windowStart).containsExactly(T0);
        assertThat(clock.get(WindowingProcessor.CLOSED_THROUGH_KEY)).isEqualTo(T0 + 2 * MIN);
        assertThat(clock.get(WindowingProcessor.CLOCK_KEY)).isEqualTo(T0 + 2 * MIN);
        EntityWindows stored = EntityWindows.fromBytes(windows.get("t1"), layout);
        assertThat(stored.nextWindowStart).isEqualTo(T0);
        assertThat(stored.open).extracting(w -> w.start).containsExactly(T0, T0 + 2 * MIN);
        assertThat(EntityWindows.fromBytes(windows.get("t2"), layout).nextWindowStart).isEqualTo(T0);

        // a record for the emitted window is late; t2's next record writes the state the check moved past that window
        // (kept in memory since), carrying its last value into the window it missed
        reading("t2", T0 + 50 * SEC, "temp", 99);
        assertThat(vectors()).isEmpty();
        reading("t2", T0 + 2 * MIN + SEC, "temp", 50);
        EntityWindows t2 = EntityWindows.fromBytes(windows.get("t2"), layout);
        assertThat(t2.nextWindowStart).isEqualTo(T0 + MIN);
        assertThat(t2.open).extracting(w -> w.start).containsExactly(T0 + 2 * MIN);
        assertThat(t2.lastValues[0]).isEqualTo(20.0);
    }

    @Test
    void aCloseOfManyEntitiesGoesOutOneSlicePerCommitInKeyOrderEachEntityInWindowOrder() {
        TestSettings settings = new TestSettings();
        settings.closeSlice = 2;
        settings.wallClockAdvance = false; // only the slices' punctuation, no time moved by the wall clock
        start(settings.build());
        for (String entity : List.of("e5", "e3", "e1", "e4", "e2")) {
            reading(entity, T0 + SEC, "temp", 10);
            reading(entity, T0 + MIN + SEC, "temp", 20);
        }

        reading("e1", T0 + 3 * MIN, "temp", 30); // closes the windows at T0 and T0 + 1 min of every entity
        List<Map.Entry<String, FeatureVector>> first = vectors();
        assertThat(first).extracting(Map.Entry::getKey).containsExactly("e1", "e1", "e2", "e2");
        assertThat(vectorsOf("e1", first)).extracting(FeatureVector::windowStart).containsExactly(T0, T0 + MIN);

        reading("e2", T0 + 3 * MIN + SEC, "temp", 40); // the driver committed the first slice: the next goes on
        assertThat(vectors()).extracting(Map.Entry::getKey).containsExactly("e3", "e3", "e4", "e4");

        driver.advanceWallClockTime(Duration.ofSeconds(2)); // no record: the punctuation reads the last slice
        List<Map.Entry<String, FeatureVector>> last = vectors();
        assertThat(last).extracting(Map.Entry::getKey).containsExactly("e5", "e5");
        assertThat(value(vectorsOf("e5", last).get(1), "temp.mean")).isEqualTo(20.0);

        driver.advanceWallClockTime(Duration.ofSeconds(2));
        reading("e3", T0 + 3 * MIN + 2 * SEC, "temp", 50);
        assertThat(vectors()).as("each window once: the check is over until the next boundary").isEmpty();
    }

    @Test
    void aSilentPartitionStillClosesItsWindowsOnTheWallClock() {
        start();
        reading("t1", T0 + SEC, "temp", 10);
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(vectors()).isEmpty();

        driver.advanceWallClockTime(Duration.ofSeconds(80)); // quiet for longer than grace: time moves on

        assertThat(vectorsOf("t1", vectors())).extracting(FeatureVector::windowStart).containsExactly(T0);
    }

    @Test
    void withoutWallClockAdvanceOnlyRecordsMoveTime() {
        TestSettings settings = new TestSettings();
        settings.wallClockAdvance = false;
        start(settings.build());
        reading("t1", T0 + SEC, "temp", 10);
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(vectors()).isEmpty();
    }

    @Test
    void textOfALaterWindowDoesNotCloseAWindowTheReadingsAreStillFilling() {
        start();
        reading("t1", T0 + 30 * SEC, "temp", 10);
        // under lag, Kafka Streams may hand the task the next window's text before this window's last readings
        text("t1", T0 + 90 * SEC, "alarm raised");
        reading("t2", T0 + 30 * SEC, "temp", 20);
        text("t2", T0 + 40 * SEC, "maintenance done");
        assertThat(dlq.readRecordsToList()).isEmpty();
        assertThat(vectors()).isEmpty();

        reading("t1", T0 + 90 * SEC, "temp", 11);          // the readings' clock closes [0, 60)

        List<Map.Entry<String, FeatureVector>> all = vectors();
        FeatureVector t1 = vectorsOf("t1", all).get(0);
        FeatureVector t2 = vectorsOf("t2", all).get(0);
        assertThat(value(t2, "temp.mean")).isEqualTo(20.0);
        assertThat(value(t2, "text.count")).isEqualTo(1.0);
        assertThat(value(t1, "text.count")).as("t1's text belongs to [60, 120)").isEqualTo(0.0);
        text("t2", T0 + 50 * SEC, "too late");             // text for a closed window is late like a reading
        assertThat(dlq.readRecordsToList()).extracting(r -> DlqHeaders.read(r.headers(), DlqHeaders.REASON))
                .containsExactly("LATE");

        reading("t1", T0 + 130 * SEC, "temp", 12);
        assertThat(value(vectorsOf("t1", vectors()).get(0), "text.count")).isEqualTo(1.0);
    }

    @Test
    void aTextOnlyStreamTakesItsTimeFromTextEvents() {
        start();
        text("t1", T0 + SEC, "alarm raised");
        text("t1", T0 + 70 * SEC, "alarm cleared");

        assertThat(vectorsOf("t1", vectors())).extracting(v -> value(v, "text.count")).containsExactly(1.0);
    }

    @Test
    void textEventsBecomeCountsLengthsHashedNgramsAndKeywords() {
        start();
        text("t1", T0 + SEC, "ALARM oil high on T1");
        text("t1", T0 + 2 * SEC, "oil high again");
        reading("clock", T0 + 70 * SEC, "temp", 0);

        FeatureVector v = vectorsOf("t1", vectors()).get(0);
        assertThat(value(v, "text.count")).isEqualTo(2.0);
        assertThat(value(v, "text.mean_len")).isEqualTo((20 + 14) / 2.0);
        assertThat(value(v, "text.kw.alarm")).isEqualTo(1.0);
        assertThat(value(v, "text.kw.oil_high")).isEqualTo(2.0);
        double[] expected = new double[8];
        new dev.streamcast.ingest.text.TextFeatures(8, 2, List.of()).accumulate("ALARM oil high on T1", expected, new double[0]);
        new dev.streamcast.ingest.text.TextFeatures(8, 2, List.of()).accumulate("oil high again", expected, new double[0]);
        for (int b = 0; b < 8; b++) {
            assertThat(value(v, String.format("text.hash.%02d", b))).isEqualTo(expected[b]);
        }
        assertThat(value(v, "temp.count")).as("a text-only window has no readings").isEqualTo(0.0);
        assertThat(observed(v, "temp.mean")).isFalse();
    }

    @Test
    void theSpecNamesEveryElementIsPublishedAndChangesWithTheConfiguration() {
        start();
        reading("t1", T0 + SEC, "temp", 10);

        assertThat(spec.names()).containsExactly(
                "temp.mean", "temp.min", "temp.max", "temp.last", "temp.count",
                "load.mean", "load.min", "load.max", "load.last", "load.count",
                "text.count", "text.mean_len",
                "text.hash.00", "text.hash.01", "text.hash.02", "text.hash.03",
                "text.hash.04", "text.hash.05", "text.hash.06", "text.hash.07",
                "text.kw.alarm", "text.kw.oil_high");
        assertThat(spec.stepMillis()).isEqualTo(MIN);
        List<TestRecord<byte[], byte[]>> published = specs.readRecordsToList();
        assertThat(published).hasSize(1);
        assertThat(new String(published.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(spec.id());
        assertThat(Codecs.FEATURE_SPEC.decode(published.get(0).value()).value()).isEqualTo(spec);

        TestSettings other = new TestSettings();
        other.keywords = List.of("alarm");
        assertThat(new FeatureLayout(other.build()).spec().id()).isNotEqualTo(spec.id());
        TestSettings longer = new TestSettings();
        longer.windowSize = Duration.ofMinutes(5);
        longer.idleTimeout = Duration.ofMinutes(10);
        assertThat(new FeatureLayout(longer.build()).spec().id()).isNotEqualTo(spec.id());
        assertThat(new FeatureLayout(new TestSettings().build()).spec().id()).isEqualTo(spec.id());
    }

    @Test
    void everyKindOfBadRecordGoesToTheDlqWithItsReasonAndTheStreamGoesOn() {
        TestSettings settings = new TestSettings();
        settings.dlqUnknownChannels = true;
        start(settings.build());
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("MALFORMED", "{\"ts\":1,\"values\":{\"temp\":".getBytes(StandardCharsets.UTF_8));
        bad.put("MALFORMED ", ("{\"ts\":" + (T0 + SEC) + ",\"values\":{\"temp\":\"hot\"}}").getBytes(StandardCharsets.UTF_8));
        bad.put("BAD_TIMESTAMP", "{\"values\":{\"temp\":1}}".getBytes(StandardCharsets.UTF_8));
        bad.put("BAD_TIMESTAMP ", "{\"ts\":\"noon\",\"values\":{\"temp\":1}}".getBytes(StandardCharsets.UTF_8));
        bad.put("TIMESTAMP_OUT_OF_BOUNDS", ("{\"ts\":" + (NOW.toEpochMilli() - 2 * 86_400_000L) + ",\"values\":{\"temp\":1}}").getBytes(StandardCharsets.UTF_8));
        bad.put("TIMESTAMP_OUT_OF_BOUNDS ", ("{\"ts\":" + (NOW.toEpochMilli() + 600_000L) + ",\"values\":{\"temp\":1}}").getBytes(StandardCharsets.UTF_8));
        bad.put("NON_FINITE", ("{\"ts\":" + (T0 + SEC) + ",\"values\":{\"temp\":NaN}}").getBytes(StandardCharsets.UTF_8));
        bad.put("NON_FINITE ", ("{\"ts\":" + (T0 + SEC) + ",\"values\":{\"temp\":1e999}}").getBytes(StandardCharsets.UTF_8));
        bad.put("UNKNOWN_CHANNEL", ("{\"ts\":" + (T0 + SEC) + ",\"values\":{\"temp\":1,\"humidity\":2}}").getBytes(StandardCharsets.UTF_8));
        for (byte[] value : bad.values()) {
            sensors.pipeInput(key("t1"), value);
        }
        byte[] longText = Codecs.TEXT_EVENT.encode(new TextEvent(T0 + SEC, "x".repeat(201), null));
        texts.pipeInput(key("t1"), longText);
        byte[] valid = Codecs.SENSOR_READING.encode(SensorReading.of(T0 + SEC, "temp", 21.5));
        sensors.pipeInput(new TestRecord<>(null, valid));
        sensors.pipeInput(key(""), valid);
        sensors.pipeInput(key("t1"), valid);
        reading("clock", T0 + 70 * SEC, "temp", 0);

        List<TestRecord<byte[], byte[]>> refused = dlq.readRecordsToList();
        List<String> reasons = refused.stream().map(r -> DlqHeaders.read(r.headers(), DlqHeaders.REASON)).toList();
        assertThat(reasons).containsExactly("MALFORMED", "MALFORMED", "BAD_TIMESTAMP", "BAD_TIMESTAMP",
                "TIMESTAMP_OUT_OF_BOUNDS", "TIMESTAMP_OUT_OF_BOUNDS", "NON_FINITE", "NON_FINITE", "UNKNOWN_CHANNEL",
                "TEXT_TOO_LONG", "BAD_KEY", "BAD_KEY");
        List<byte[]> originals = new ArrayList<>(bad.values());
        originals.add(longText);
        originals.add(valid);
        originals.add(valid);
        for (int i = 0; i < originals.size(); i++) {
            assertThat(refused.get(i).value()).as("original bytes of " + reasons.get(i)).isEqualTo(originals.get(i));
        }
        assertThat(DlqHeaders.read(refused.get(1).headers(), DlqHeaders.DETAIL))
                .isEqualTo("field 'values.temp': expected a number (got \"hot\")");
        assertThat(DlqHeaders.read(refused.get(8).headers(), DlqHeaders.DETAIL)).contains("[humidity]");
        assertThat(DlqHeaders.read(refused.get(9).headers(), DlqHeaders.SOURCE_TOPIC)).isEqualTo("text-events");
        assertThat(DlqHeaders.read(refused.get(9).headers(), DlqHeaders.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(DlqHeaders.read(refused.get(10).headers(), DlqHeaders.DETAIL)).startsWith("null key");
        assertThat(refused.get(11).key()).isEmpty();
        assertThat(counter("ingest.dlq", "reason", "MALFORMED")).isEqualTo(2.0);
        assertThat(counter("ingest.dlq", "reason", "BAD_KEY")).isEqualTo(2.0);
        assertThat(counter("ingest.dlq", "reason", "TEXT_TOO_LONG")).isEqualTo(1.0);

        List<FeatureVector> t1 = vectorsOf("t1", vectors());
        assertThat(t1).as("the valid record after the bad ones flowed").hasSize(1);
        assertThat(value(t1.get(0), "temp.mean")).isEqualTo(21.5);
        assertThat(value(t1.get(0), "temp.count")).isEqualTo(1.0);
    }

    @Test
    void unknownChannelsAreDroppedWithAMetricByDefault() {
        start();
        reading("t1", T0 + SEC, "temp", 4, "humidity", 80, "pressure", 1013);
        reading("t1", T0 + 2 * SEC, "humidity", 81);
        reading("clock", T0 + 70 * SEC, "temp", 0);

        FeatureVector v = vectorsOf("t1", vectors()).get(0);
        assertThat(value(v, "temp.mean")).isEqualTo(4.0);
        assertThat(value(v, "temp.count")).isEqualTo(1.0);
        assertThat(counter("ingest.unknown.channel.values")).isEqualTo(3.0);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void vectorsOfEachEntityComeOutOnceEachInWindowOrder() {
        start();
        for (int step = 0; step < 30; step++) {
            for (String entity : List.of("a", "b", "c")) {
                if (!(entity.equals("b") && step % 7 == 3)) {
                    reading(entity, T0 + step * 20 * SEC + entity.charAt(0), "temp", step);
                }
            }
        }
        reading("clock", T0 + 10 * MIN + 10 * SEC, "temp", 0);
        List<Map.Entry<String, FeatureVector>> all = vectors();
        for (String entity : List.of("a", "b", "c")) {
            assertThat(vectorsOf(entity, all)).extracting(FeatureVector::windowStart)
                    .containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN, T0 + 5 * MIN, T0 + 6 * MIN,
                            T0 + 7 * MIN, T0 + 8 * MIN, T0 + 9 * MIN);
        }
    }
}
