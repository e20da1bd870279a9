package dev.streamcast.loadtest;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class VsPassthroughTest {

    static TrialResult trial(String phase, double rate, double throughput) {
        return new TrialResult(phase, "reported", rate, List.of(), 20, 60, 1000, 0, 1000, 1000, 0, 0, 0, Map.of(),
                new TrialResult.Latency(1000, 10, 20, 30, 40, 50, 12), 1, throughput, 0, 1, true, true, List.of(), List.of(),
                List.of(), 0, 80, List.of(), Double.NaN, List.of());
    }

    static Map<String, LoadTest.Phase> phases(RateSearch.Result pipelineSearch, RateSearch.Result passthroughSearch) {
        Map<String, LoadTest.Phase> phases = new LinkedHashMap<>();
        phases.put("pipeline", new LoadTest.Phase("pipeline", List.of("ingest", "forecaster"),
                List.of(trial("pipeline", 2000, 2004)), pipelineSearch, List.of()));
        phases.put("passthrough", new LoadTest.Phase("passthrough", List.of("passthrough"),
                List.of(trial("passthrough", 2000, 1998)), passthroughSearch, List.of()));
        return phases;
    }

    @Test
    void withoutSearchThereIsNoRatioOfThroughputsAtTheSameRate() {
        Map<String, Object> s = LoadTest.summary(false, phases(null, null));
        assertThat((double) s.get("vs_passthrough")).isNaN(); // 2004 / 1998 compared nothing
        assertThat(s).containsEntry("throughput", 2004.0).containsEntry("passthrough_throughput", 1998.0);
        String last = LoadTestCommand.lastLine(new LoadTest.Result(null, phases(null, null), s,
                List.of(LoadTest.VS_PASSTHROUGH_NEEDS_SEARCH), true));
        assertThat(last).isEqualTo("throughput=2004 p99_ms=30.0 vs_passthrough=NaN");
        assertThat(LoadTest.VS_PASSTHROUGH_NEEDS_SEARCH).startsWith("NOTE vs_passthrough").contains("--search");
    }

    @Test
    void withSearchTheRatioIsOfTheHighestRates() {
        Map<String, Object> s = LoadTest.summary(true, phases(new RateSearch.Result(3536, 4000, List.of()),
                new RateSearch.Result(226_274, 260_000, List.of())));
        assertThat((double) s.get("vs_passthrough")).isEqualTo(3536 / 226_274.0);
        assertThat(s).containsEntry("max_rate", 3536.0).containsEntry("passthrough_max_rate", 226_274.0);
        assertThat(LoadTestCommand.lastLine(new LoadTest.Result(null, Map.of(), s, List.of(), true)))
                .isEqualTo("throughput=3536 p99_ms=30.0 vs_passthrough=0.016");
    }
}
