package dev.streamcast.local.demo;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.TextEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DemoSignalsTest {

    private static final long MINUTE = 60_000L;
    private static final long MONDAY = Instant.parse("2026-11-02T00:00:00Z").toEpochMilli();

    /** Two weeks of one-minute readings. */
    private static List<DemoSignals.Step> twoWeeks(DemoSignals signals) {
        List<DemoSignals.Step> steps = new ArrayList<>();
        for (long ts = MONDAY; ts < MONDAY + 14 * 1440 * MINUTE; ts += MINUTE) {
            steps.addAll(signals.next(ts));
        }
        return steps;
    }

    @Test
    void sameSeedSameStream() {
        assertThat(twoWeeks(new DemoSignals(3, 7, 0.001, 0.001))).isEqualTo(twoWeeks(new DemoSignals(3, 7, 0.001, 0.001)));
        assertThat(twoWeeks(new DemoSignals(3, 7, 0.001, 0.001))).isNotEqualTo(twoWeeks(new DemoSignals(3, 8, 0.001, 0.001)));
    }

    @Test
    void loadHasADailyAndAWeeklyCycle() {
        List<DemoSignals.Step> steps = twoWeeks(new DemoSignals(1, 1, 0, 0));
        double[] byHour = new double[24];
        double weekday = 0;
        double weekend = 0;
        for (DemoSignals.Step step : steps) {
            long ts = step.reading().ts();
            double load = step.reading().values().get("load_mw");
            byHour[(int) ((ts / (60 * MINUTE)) % 24)] += load;
            int day = (int) ((ts - MONDAY) / (1440 * MINUTE)) % 7;
            if (day >= 5) {
                weekend += load / 4;
            } else {
                weekday += load / 10;
            }
        }
        double max = java.util.Arrays.stream(byHour).max().orElseThrow();
        double min = java.util.Arrays.stream(byHour).min().orElseThrow();
        assertThat(max / min).as("evening peak over night trough").isGreaterThan(1.5);
        assertThat(weekend / weekday).as("weekends are lighter").isBetween(0.65, 0.85);
    }

    @Test
    void everySpikeRaisesAnAlarmLineThatIsLaterCleared() {
        List<DemoSignals.Step> steps = twoWeeks(new DemoSignals(4, 3, 0.002, 0));
        List<TextEvent> alarms = new ArrayList<>();
        int cleared = 0;
        for (DemoSignals.Step step : steps) {
            for (TextEvent text : step.texts()) {
                assertThat(text.text()).contains(step.entity());
                if (text.text().startsWith("ALARM")) {
                    alarms.add(text);
                    assertThat(step.reading().values().get("oil_c")).isGreaterThanOrEqualTo(DemoSignals.OIL_ALARM_C);
                } else {
                    assertThat(text.text()).startsWith("CLEARED");
                    cleared++;
                }
            }
        }
        assertThat(alarms).hasSizeGreaterThan(20);
        assertThat(cleared).isBetween(alarms.size() - 4, alarms.size());
    }

    @Test
    void everyReadingHasAllChannelsAndSurvivesTheCodec() {
        for (DemoSignals.Step step : twoWeeks(new DemoSignals(2, 5, 0.01, 0.01)).subList(0, 5000)) {
            assertThat(step.reading().values().keySet()).containsExactlyElementsOf(DemoSignals.CHANNELS);
            assertThat(Codecs.SENSOR_READING.decode(Codecs.SENSOR_READING.encode(step.reading())).value()).isEqualTo(step.reading());
        }
    }

    @Test
    void aDriftWarmsAndSwingsTheOilFromItsTimeOnAndSaysSoOnce() {
        DemoSignals plain = new DemoSignals(2, 9, 0, 0);
        DemoSignals drifting = new DemoSignals(2, 9, 0, 0);
        long from = MONDAY + 600 * 10_000L;
        drifting.driftFrom(from);
        List<String> texts = new ArrayList<>();
        double shift = 0;
        int after = 0;
        for (int i = 0; i < 1200; i++) {
            long ts = MONDAY + i * 10_000L;
            List<DemoSignals.Step> a = plain.next(ts);
            List<DemoSignals.Step> b = drifting.next(ts);
            for (int e = 0; e < 2; e++) {
                double d = b.get(e).reading().values().get("oil_c") - a.get(e).reading().values().get("oil_c");
                if (ts < from) {
                    assertThat(d).as("before the drift the plant is the same").isZero();
                } else {
                    shift += d;
                    after++;
                }
                b.get(e).texts().forEach(t -> texts.add(t.text()));
            }
        }
        assertThat(shift / after).as("4 C warmer on average over whole cycles").isCloseTo(4.0, org.assertj.core.api.Assertions.within(0.1));
        assertThat(texts).containsExactly("COOLING degraded on transformer-01: fan bank B out of service",
                "COOLING degraded on transformer-02: fan bank B out of service");
    }

    @Test
    void aFaultIsReportedAMinuteBeforeTheOilHeatsAndClearedWhenItCools() {
        DemoSignals plain = new DemoSignals(2, 11, 0, 0);
        DemoSignals faulty = new DemoSignals(2, 11, 0, 0);
        faulty.faults(6);
        List<Long> reported = new ArrayList<>();
        int cleared = 0;
        java.util.Map<Long, Double> heat = new java.util.HashMap<>(); // entity 0's extra heat by time
        for (int i = 0; i < 6 * 360; i++) { // six hours of 10 s steps
            long ts = MONDAY + i * 10_000L;
            List<DemoSignals.Step> a = plain.next(ts);
            List<DemoSignals.Step> b = faulty.next(ts);
            heat.put(ts, b.get(0).reading().values().get("oil_c") - a.get(0).reading().values().get("oil_c"));
            for (TextEvent text : b.get(0).texts()) {
                if (text.text().startsWith("FAULT")) {
                    assertThat(text.text()).isEqualTo("FAULT cooling pump trip on transformer-01: oil temperature will rise");
                    reported.add(ts);
                } else {
                    assertThat(text.text()).isEqualTo("CLEARED cooling pump back in service on transformer-01");
                    cleared++;
                }
            }
        }
        assertThat(reported).as("about 6 an hour over 6 hours, each lasting 4 to 7 minutes").hasSizeBetween(15, 50);
        assertThat(cleared).isBetween(reported.size() - 1, reported.size());
        for (long at : reported.subList(0, reported.size() - 1)) {
            assertThat(heat.get(at + 50_000L)).as("nothing shows in the first minute (a previous fault's heat only fades)")
                    .isLessThanOrEqualTo(heat.get(at) + 0.002); // readings are rounded to 0.001
            assertThat(heat.get(at + 60_000L + 150_000L)).as("2.5 minutes into the heat").isGreaterThan(18.0);
        }
    }
}
