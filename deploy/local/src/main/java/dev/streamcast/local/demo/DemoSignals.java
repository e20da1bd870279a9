package dev.streamcast.local.demo;

import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.records.TextEvent;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Realistic synthetic telemetry of a fleet of power transformers, deterministic for a seed.
 * Per entity and channel: a daily cycle, a weekly cycle (lower load at weekends), a slow trend,
 * AR(1) noise and occasional anomalies (a spike lasting a while). Oil temperature follows load
 * and ambient temperature, voltage sags under load. Text events are correlated: an ALARM line
 * when a spike starts, a CLEARED line when it ends, and routine operator notes in between.
 */
public final class DemoSignals {

    /** Channel names, in the order every reading carries them. */
    public static final List<String> CHANNELS = List.of("load_mw", "ambient_c", "oil_c", "voltage_kv");
    static final double OIL_ALARM_C = 85.0;

    private static final long DAY = 86_400_000L;
    private static final String[] NOTES = {
            "routine inspection completed, no findings",
            "cooling fan maintenance scheduled",
            "operator shift handover",
            "tap changer operation logged",
            "oil sample taken for dissolved gas analysis",
            "remote terminal unit heartbeat restored",
    };

    /** One reading and the text events it caused, for one entity at one instant. */
    public record Step(String entity, SensorReading reading, List<TextEvent> texts) {
    }

    /** The oil temperature's cycle after a drift: 4 minutes, 24 windows of the quickstart's 10 s. */
    static final long DRIFT_PERIOD_MILLIS = 240_000L;
    /** How long after a fault's text the oil starts to heat. */
    static final long FAULT_LEAD_MILLIS = 60_000L;
    /** How far a fault heats the oil, approached with a time constant of {@link #FAULT_TAU_MILLIS}. */
    static final double FAULT_RISE_C = 20.0;
    static final long FAULT_TAU_MILLIS = 30_000L;

    private final List<Entity> entities = new ArrayList<>();
    private long driftFrom = Long.MAX_VALUE;
    private double faultsPerMilli;
    private final double anomalyProbability;
    private final double noteProbability;

    /**
     * @param anomalyProbability chance per reading that a spike starts
     * @param noteProbability    chance per reading of a routine operator note
     */
    public DemoSignals(int entityCount, long seed, double anomalyProbability, double noteProbability) {
        Random random = new Random(seed);
        for (int i = 1; i <= entityCount; i++) {
            entities.add(new Entity(String.format("transformer-%02d", i), random.nextLong(),
                    0.6 + 0.8 * random.nextDouble(), random.nextDouble() * 2 * Math.PI / 12));
        }
        this.anomalyProbability = anomalyProbability;
        this.noteProbability = noteProbability;
    }

    /**
     * From {@code ts} on the plant behaves otherwise: its cooling degrades, so the oil runs 4 °C warmer and swings
     * ±12 °C over a 4-minute cycle (the remaining fans cycling), and each transformer reports it once as a text event.
     * A model trained before has never seen that; seasonal naive at a season of 4 minutes follows it at once, and a
     * model trained on enough of what follows can learn it.
     */
    public void driftFrom(long ts) {
        driftFrom = ts;
    }

    /**
     * Cooling faults, {@code perHour} per entity on average (0, the default, for none): each is reported at once as a
     * text event ("FAULT ... trip"), and the oil heats only a minute later ({@link #FAULT_LEAD_MILLIS}), by up to
     * {@link #FAULT_RISE_C} °C for 3 to 6 minutes, then cools ("CLEARED"): text that a model reading it can act on
     * before the temperature shows anything. Drawn from a random stream of their own, so the readings stay those of
     * the same seed apart from the heat.
     */
    public void faults(double perHour) {
        if (!(perHour >= 0)) {
            throw new IllegalArgumentException("faults per hour must be 0 or more, got " + perHour);
        }
        faultsPerMilli = perHour / 3_600_000.0;
    }

    /** The next reading of every entity at {@code ts}; call with non-decreasing timestamps. */
    public List<Step> next(long ts) {
        List<Step> steps = new ArrayList<>(entities.size());
        for (Entity entity : entities) {
            steps.add(entity.next(ts));
        }
        return steps;
    }

    private final class Entity {
        final String id;
        final Random random;
        final double scale;
        final double phase;
        double loadNoise;
        double ambientNoise;
        double oil = Double.NaN;
        int spikeLeft;
        double spikeSize;
        boolean alarmed;
        boolean driftReported;
        final Random faultRandom;
        long lastTs = Long.MIN_VALUE;
        long heatFrom = Long.MIN_VALUE;
        long heatUntil = Long.MIN_VALUE;
        boolean faultOpen;
        double heat;

        Entity(String id, long seed, double scale, double phase) {
            this.id = id;
            this.random = new Random(seed);
            this.faultRandom = new Random(seed ^ 0x5DEECE66DL);
            this.scale = scale;
            this.phase = phase;
        }

        Step next(long ts) {
            ZonedDateTime time = Instant.ofEpochMilli(ts).atZone(ZoneOffset.UTC);
            double dayFraction = (ts % DAY) / (double) DAY;
            boolean weekend = time.getDayOfWeek() == DayOfWeek.SATURDAY || time.getDayOfWeek() == DayOfWeek.SUNDAY;
            double days = ts / (double) DAY;
            // load peaks in the evening, dips at night; weekends are 25% lighter; slow growth
            double daily = -Math.cos(2 * Math.PI * (dayFraction - 0.08) + phase);
            loadNoise = 0.97 * loadNoise + random.nextGaussian() * 0.6;
            double load = scale * (40 + 15 * daily) * (weekend ? 0.75 : 1.0) * (1 + 0.0005 * (days % 3650))
                    + loadNoise;
            ambientNoise = 0.99 * ambientNoise + random.nextGaussian() * 0.1;
            double ambient = 14 + 7 * -Math.cos(2 * Math.PI * (dayFraction - 0.125)) + ambientNoise;

            List<TextEvent> texts = new ArrayList<>(1);
            if (spikeLeft == 0 && random.nextDouble() < anomalyProbability) {
                spikeLeft = 20 + random.nextInt(40);
                spikeSize = 30 + 20 * random.nextDouble();
            }
            double spike = 0;
            if (spikeLeft > 0) {
                spike = spikeSize;
                spikeLeft--;
            }
            // oil temperature lags load and ambient (first-order response), plus the spike
            double steadyOil = 25 + 0.55 * load + 0.6 * ambient;
            oil = Double.isNaN(oil) ? steadyOil : oil + 0.15 * (steadyOil - oil);
            List<TextEvent> faultTexts = fault(ts);
            double drift = 0;
            if (ts >= driftFrom) {
                drift = 4 + 12 * Math.sin(2 * Math.PI * (ts - driftFrom) / DRIFT_PERIOD_MILLIS);
            }
            double oilReading = oil + spike + drift + heat + random.nextGaussian() * 0.3;
            double voltage = 110.5 - 0.025 * load + random.nextGaussian() * 0.15;

            if (ts >= driftFrom && !driftReported) { // draws nothing: the readings stay those of the same seed
                driftReported = true;
                texts.add(new TextEvent(ts, "COOLING degraded on " + id + ": fan bank B out of service", "scada"));
            }
            if (spike > 0 && oilReading >= OIL_ALARM_C && !alarmed) {
                alarmed = true;
                texts.add(new TextEvent(ts, String.format("ALARM oil temperature high on %s: %.1f C (threshold %.0f C)",
                        id, oilReading, OIL_ALARM_C), "scada"));
            } else if (alarmed && spikeLeft == 0) {
                alarmed = false;
                texts.add(new TextEvent(ts, String.format("CLEARED oil temperature back to normal on %s: %.1f C",
                        id, oilReading), "scada"));
            } else if (random.nextDouble() < noteProbability) {
                texts.add(new TextEvent(ts, NOTES[random.nextInt(NOTES.length)], "operator"));
            }

            texts.addAll(faultTexts);
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("load_mw", round(load));
            values.put("ambient_c", round(ambient));
            values.put("oil_c", round(oilReading));
            values.put("voltage_kv", round(voltage));
            return new Step(id, new SensorReading(ts, values), texts);
        }

        /** Starts, heats and ends this entity's cooling fault at {@code ts}; the texts it reports now. */
        List<TextEvent> fault(long ts) {
            long dt = lastTs == Long.MIN_VALUE ? 0 : Math.max(0, ts - lastTs);
            lastTs = ts;
            List<TextEvent> texts = new ArrayList<>(1);
            if (faultsPerMilli > 0 && !faultOpen && faultRandom.nextDouble() < dt * faultsPerMilli) {
                faultOpen = true;
                heatFrom = ts + FAULT_LEAD_MILLIS;
                heatUntil = heatFrom + 180_000L + (long) (faultRandom.nextDouble() * 180_000L);
                texts.add(new TextEvent(ts, "FAULT cooling pump trip on " + id + ": oil temperature will rise", "scada"));
            } else if (faultOpen && ts >= heatUntil) {
                faultOpen = false;
                texts.add(new TextEvent(ts, "CLEARED cooling pump back in service on " + id, "scada"));
            }
            double target = faultOpen && ts >= heatFrom ? FAULT_RISE_C : 0;
            heat += (1 - Math.exp(-dt / (double) FAULT_TAU_MILLIS)) * (target - heat);
            return texts;
        }
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
