package dev.streamcast.loadtest;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.bundle.SequenceForecast;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scale-out scenario's verdict, like Kafka's own exactly-once system test: after the load, every
 * committed feature vector and forecast is read back ({@code read_committed}), and each entity must
 * have exactly one forecast per vector, in window order, equal to the model's offline sequence graph
 * over the same vectors (within 1e-4); and no forecasts partition may go longer than a stated bound
 * without a forecast (the broker's append times) while instances come and go.
 */
final class ScaleOutCheck {

    static final double TOLERANCE = 1e-4;

    /** What was found; {@code stallPartition} is where the longest stall was. */
    record Result(int instancesMax, long vectors, long forecasts, long missing, long duplicated, long outOfOrder, long unreadable,
                  double maxAbsDiff, long compared, double maxStallS, String stallPartition, double recoveryS,
                  String recoveryPartition) {

        List<String> checks(double maxStallBoundS) {
            List<String> checks = new ArrayList<>();
            boolean exact = missing == 0 && duplicated == 0 && outOfOrder == 0 && unreadable == 0 && forecasts == vectors;
            checks.add((exact ? "PASS " : "FAIL ") + String.format("scale-out: one forecast per committed vector, in window order:"
                    + " %d vectors, %d forecasts, %d missing, %d duplicated, %d out of order, %d unreadable", vectors, forecasts,
                    missing, duplicated, outOfOrder, unreadable));
            checks.add((compared > 0 && maxAbsDiff <= TOLERANCE ? "PASS " : "FAIL ") + String.format("scale-out: forecasts equal"
                    + " the model offline on the same vectors: %d values compared, largest difference %.2e (bound %.0e)",
                    compared, maxAbsDiff, TOLERANCE));
            checks.add((maxStallS <= maxStallBoundS ? "PASS " : "FAIL ") + String.format("scale-out: longest time a forecasts"
                    + " partition went without a forecast %.1f s (%s; bound %.0f s), with up to %d instances", maxStallS,
                    stallPartition, maxStallBoundS, instancesMax));
            if (!Double.isNaN(recoveryS)) {
                checks.add((recoveryS <= maxStallBoundS ? "PASS " : "FAIL ") + String.format("scale-out: after the SIGKILL every"
                        + " forecasts partition had a forecast again within %.1f s (the last: %s; bound %.0f s)", recoveryS,
                        recoveryPartition, maxStallBoundS));
            }
            return checks;
        }

        Map<String, Object> summary() {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("instances_max", instancesMax);
            s.put("forecasts", forecasts);
            s.put("missing", missing);
            s.put("duplicated", duplicated);
            s.put("out_of_order", outOfOrder);
            s.put("max_stall_s", maxStallS);
            s.put("recovery_after_kill_s", recoveryS);
            s.put("max_abs_diff", maxAbsDiff);
            return s;
        }

        /** The scenario's last line. */
        static String lastLine(Map<String, Object> s) {
            return String.format("instances_max=%s forecasts=%s missing=%s duplicated=%s out_of_order=%s max_stall_s=%.1f",
                    s.get("instances_max"), s.get("forecasts"), s.get("missing"), s.get("duplicated"), s.get("out_of_order"),
                    ((Number) s.get("max_stall_s")).doubleValue());
        }
    }

    private ScaleOutCheck() {
    }

    /** The per-entity judgement, summed over entities. */
    private static final class Tally {
        long vectors;
        long missing;
        long duplicated;
        long outOfOrder;
        long compared;
        double maxDiff;

        /** One entity: its vectors in order, its forecasts as read, the offline forecast after each vector (null: unknown spec). */
        void entity(List<FeatureVector> in, List<Forecast> got, double[][] offline) {
            vectors += in.size();
            Map<Long, Integer> stepOf = new HashMap<>();
            for (int i = 0; i < in.size(); i++) {
                stepOf.put(in.get(i).windowStart(), i);
            }
            boolean[] seen = new boolean[in.size()];
            long lastOrigin = Long.MIN_VALUE;
            for (Forecast f : got) {
                if (f.origin() < lastOrigin) {
                    outOfOrder++;
                }
                lastOrigin = Math.max(lastOrigin, f.origin());
                Integer step = stepOf.get(f.origin());
                if (step == null || seen[step]) {
                    duplicated++; // a second forecast for a window, or one for a window that has no vector
                    continue;
                }
                seen[step] = true;
                if (offline != null) {
                    compare(f, offline[step]);
                }
            }
            for (boolean s : seen) {
                missing += s ? 0 : 1;
            }
        }

        private void compare(Forecast f, double[] offline) {
            int targets = f.targets().size();
            for (int h = 0; h < f.steps().size(); h++) {
                for (int k = 0; k < targets; k++) {
                    maxDiff = Math.max(maxDiff, Math.abs(f.steps().get(h).point().get(f.targets().get(k)) - offline[h * targets + k]));
                    compared++;
                }
            }
        }
    }

    /**
     * Reads the run back and judges it; {@code killedAtMs} (epoch ms, 0 for none) is when a forecaster
     * was SIGKILLed: the recovery time is how long until every forecasts partition had a forecast
     * appended after it (the killed member's partitions are the last, after its session timeout).
     */
    static Result verify(SystemUnderTest system, Schedule schedule, PrintStream out, long killedAtMs) throws Exception {
        Encoding encoding = system.settings().encoding();
        Codec<FeatureVector> vectorCodec = Codecs.featureVectors(encoding);
        Codec<Forecast> forecastCodec = Codecs.forecasts(encoding);
        String bootstrap = system.bootstrapServers();
        Map<String, FeatureSpec> specs = new HashMap<>();
        SystemUnderTest.readCommitted(bootstrap, SystemUnderTest.partitions(Topics.FEATURE_SPECS), r -> {
            Decoded<FeatureSpec> spec = Codecs.FEATURE_SPEC.decode(r.value());
            if (spec.isOk()) {
                specs.put(spec.value().id(), spec.value());
            }
        });
        Map<String, List<FeatureVector>> vectors = new TreeMap<>();
        long[] unreadable = {0};
        SystemUnderTest.readCommitted(bootstrap, SystemUnderTest.partitions(system.topic(Topics.FEATURES)), r -> {
            Decoded<FeatureVector> v = vectorCodec.decode(r.value());
            if (v.isOk()) {
                vectors.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(v.value());
            } else {
                unreadable[0]++;
            }
        });
        Map<String, List<Forecast>> forecasts = new HashMap<>();
        Map<Integer, List<Long>> appended = new TreeMap<>();
        SystemUnderTest.readCommitted(bootstrap, SystemUnderTest.partitions(system.topic(Topics.FORECASTS)), r -> {
            appended.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.timestamp()); // LogAppendTime on this topic
            Decoded<Forecast> f = forecastCodec.decode(r.value());
            if (f.isOk()) {
                forecasts.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(f.value());
            } else {
                unreadable[0]++;
            }
        });
        Path bundle = system.bundle(1);
        BundleManifest manifest = Manifests.read(bundle);
        long forecastCount = forecasts.values().stream().mapToLong(List::size).sum();
        Tally tally = new Tally();
        try (SequenceForecast sequence = SequenceForecast.open(bundle, manifest)) {
            for (Map.Entry<String, List<FeatureVector>> e : vectors.entrySet()) {
                List<FeatureVector> in = e.getValue();
                FeatureSpec spec = specs.get(in.get(0).specId());
                tally.entity(in, forecasts.getOrDefault(e.getKey(), List.of()), spec == null ? null : sequence.of(spec.names(), in));
            }
        }
        for (String entity : forecasts.keySet()) {
            if (!vectors.containsKey(entity)) {
                tally.duplicated += forecasts.get(entity).size(); // forecasts of an entity that has no vector
            }
        }
        double maxStall = 0;
        String where = "none";
        for (Map.Entry<Integer, List<Long>> p : appended.entrySet()) {
            List<Long> times = p.getValue();
            for (int i = 1; i < times.size(); i++) {
                double gap = (times.get(i) - times.get(i - 1)) / 1000.0;
                if (gap > maxStall) {
                    maxStall = gap;
                    where = Topics.FORECASTS.name() + "-" + p.getKey();
                }
            }
        }
        double recovery = Double.NaN;
        String recovered = "none";
        if (killedAtMs > 0) {
            recovery = 0;
            for (Map.Entry<Integer, List<Long>> p : appended.entrySet()) {
                long first = p.getValue().stream().filter(t -> t > killedAtMs).findFirst().orElse(Long.MAX_VALUE);
                double took = first == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : (first - killedAtMs) / 1000.0;
                if (took > recovery) {
                    recovery = took;
                    recovered = Topics.FORECASTS.name() + "-" + p.getKey();
                }
            }
        }
        out.printf("load-test: scale-out: read back %d vectors of %d entities and %d forecasts (read_committed)%n", tally.vectors,
                vectors.size(), forecastCount);
        return new Result(system.instancesMax(), tally.vectors, forecastCount, tally.missing, tally.duplicated, tally.outOfOrder,
                unreadable[0], tally.maxDiff, tally.compared, maxStall, where, recovery, recovered);
    }
}
