package dev.streamcast.trainer.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --inputs: names and patterns, the target always read in MS, constant columns dropped with a warning. */
class InputSelectionTest {

    static final List<String> COLUMNS = List.of("load_mw.mean", "oil_c.mean", "text.count", "text.kw.alarm", "text.kw.fire");

    /** Two entities; text.kw.fire never occurs (0 everywhere), the rest vary. */
    static List<SeriesTable> panel() {
        List<SeriesTable> series = new ArrayList<>();
        for (int e = 0; e < 2; e++) {
            double[][] values = new double[50][];
            long[] ts = new long[50];
            for (int r = 0; r < 50; r++) {
                ts[r] = r * 60_000L;
                values[r] = new double[]{40 + r % 7 + e, 30 + r % 5, r % 3, r % 11 == 0 ? 1 : 0, 0};
            }
            series.add(new SeriesTable("kafka:features#t" + e, ts, COLUMNS, values));
        }
        return series;
    }

    @Test
    void namesAndPatternsChooseTheInputsAndMsAlwaysReadsItsTarget() {
        List<String> warnings = new ArrayList<>();
        List<SeriesTable> selected = InputSelection.select(panel(), Mode.MS, "oil_c.mean", "load_mw.mean, text.kw.*", warnings::add);
        assertThat(selected.get(0).columns()).containsExactly("oil_c.mean", "load_mw.mean", "text.kw.alarm");
        assertThat(warnings).containsExactly("dropped input text.kw.fire: it has one value in every row, so it carries nothing");
        assertThat(selected).hasSize(2);
        assertThat(selected.get(1).values()[3]).containsExactly(33.0, 44.0, 0.0);
        assertThat(selected.get(1).values()[11]).containsExactly(31.0, 45.0, 1.0);
    }

    @Test
    void withoutInputsEveryColumnButTheConstantOnes() {
        List<String> warnings = new ArrayList<>();
        assertThat(InputSelection.select(panel(), Mode.M, "oil_c.mean", "", warnings::add).get(0).columns())
                .containsExactly("load_mw.mean", "oil_c.mean", "text.count", "text.kw.alarm");
        assertThat(warnings).hasSize(1);
        List<SeriesTable> in = panel();
        assertThat(InputSelection.select(in, Mode.S, "oil_c.mean", "", warnings::add)).as("S reads its target alone").isSameAs(in);
    }

    @Test
    void badSelectionsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> InputSelection.select(panel(), Mode.S, "oil_c.mean", "load_mw.mean", w -> { }))
                .hasMessageContaining("mode S reads its target alone").hasMessageContaining("--mode MS");
        assertThatThrownBy(() -> InputSelection.select(panel(), Mode.MS, "oil_c.mean", "pressure.*", w -> { }))
                .hasMessageStartingWith("--inputs: 'pressure.*' names no column; the columns: [load_mw.mean,");
        assertThatThrownBy(() -> InputSelection.select(panel(), Mode.M, "oil_c.mean", "text.kw.fire", w -> { }))
                .hasMessageContaining("every selected column is constant");
    }

    @Test
    void aPatternMatchesWholeNamesOnly() {
        assertThat(InputSelection.matching(COLUMNS, "text.*")).containsExactly("text.count", "text.kw.alarm", "text.kw.fire");
        assertThat(InputSelection.matching(COLUMNS, "*.mean")).containsExactly("load_mw.mean", "oil_c.mean");
        assertThat(InputSelection.matching(COLUMNS, "text.kw")).isEmpty();
    }
}
