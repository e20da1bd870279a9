package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.forecaster.state.EntityPages;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The live page's recent actuals: bounded per entity, in order, imputation kept, history carried across a change of targets. */
class RecentActualsTest {

    static final long STEP = 60_000L;
    static final FeatureSpec SPEC = FeatureSpec.of(STEP, List.of("load_mw.mean", "oil_c.mean", "text.count"));

    EntityPages pages;
    final AtomicReference<List<String>> targets = new AtomicReference<>(List.of("oil_c.mean"));
    RecentActuals actuals;

    @BeforeEach
    void store() {
        pages = EntityPages.builder(2).build();
        pages.init(new MockProcessorContext<>().getStateStoreContext(), pages);
        actuals = new RecentActuals(targets::get, 5);
    }

    static FeatureVector vector(int step, boolean oilObserved) {
        return new FeatureVector(SPEC.id(), step * STEP, (step + 1) * STEP, new double[]{100 + step, 30 + step * 0.5, 2},
                new boolean[]{true, oilObserved, true});
    }

    RecentActuals.Rows rows(String entity) {
        return RecentActuals.decode(pages.get(entity));
    }

    @Test
    void keepsTheLastNStepsOfTheTargetsInOrderWithTheirImputation() {
        for (int s = 0; s < 8; s++) {
            actuals.record(pages.page("e1"), vector(s, s != 6), SPEC);
        }
        actuals.record(pages.page("e2"), vector(0, true), SPEC);

        RecentActuals.Rows e1 = rows("e1");
        assertThat(e1.targets()).containsExactly("oil_c.mean");
        assertThat(e1.windowStarts()).containsExactly(3 * STEP, 4 * STEP, 5 * STEP, 6 * STEP, 7 * STEP);
        assertThat(e1.values()[0][0]).isEqualTo(31.5f);
        assertThat(e1.values()[4][0]).isEqualTo(33.5f);
        assertThat(e1.observed()[3][0]).as("step 6 was imputed").isFalse();
        assertThat(e1.observed()[2][0]).isTrue();
        assertThat(rows("e2").size()).isOne();
    }

    @Test
    void aReplayedOrOlderStepIsNotAddedAgain() {
        actuals.record(pages.page("e1"), vector(4, true), SPEC);
        actuals.record(pages.page("e1"), vector(4, true), SPEC);
        actuals.record(pages.page("e1"), vector(2, true), SPEC);
        assertThat(rows("e1").windowStarts()).containsExactly(4 * STEP);
    }

    @Test
    void aSwapToOtherTargetsCarriesTheHistoryOfTheTargetsBothName() {
        actuals.record(pages.page("e1"), vector(0, true), SPEC);
        actuals.record(pages.page("e1"), vector(1, false), SPEC);
        targets.set(List.of("load_mw.mean", "oil_c.mean"));
        actuals.record(pages.page("e1"), vector(2, true), SPEC);

        RecentActuals.Rows e1 = rows("e1");
        assertThat(e1.targets()).containsExactly("load_mw.mean", "oil_c.mean");
        assertThat(e1.windowStarts()).containsExactly(0L, STEP, 2 * STEP);
        assertThat(e1.values()[0][0]).as("no load before the swap").isNaN();
        assertThat(e1.values()[0][1]).isEqualTo(30f);
        assertThat(e1.observed()[1][1]).isFalse();
        assertThat(e1.values()[2]).containsExactly(102f, 31f);
    }

    @Test
    void aTargetTheSpecDoesNotNameIsNaNAndNothingIsKeptWithoutAModel() {
        targets.set(List.of("oil_c.mean", "pressure.mean"));
        actuals.record(pages.page("e1"), vector(0, true), SPEC);
        assertThat(rows("e1").values()[0][1]).isNaN();
        assertThat(rows("e1").observed()[0][1]).isFalse();

        targets.set(List.of());
        actuals.record(pages.page("e9"), vector(0, true), SPEC);
        assertThat(RecentActuals.decode(pages.get("e9"))).isNull();
    }

    @Test
    void aSwapAfterTheRingWrappedCarriesTheNewestStepsInOrder() {
        for (int s = 0; s < 7; s++) {
            actuals.record(pages.page("e1"), vector(s, true), SPEC);
        }
        targets.set(List.of("load_mw.mean", "oil_c.mean"));
        actuals.record(pages.page("e1"), vector(7, true), SPEC);
        actuals.record(pages.page("e1"), vector(8, true), SPEC);

        RecentActuals.Rows e1 = rows("e1");
        assertThat(e1.windowStarts()).containsExactly(4 * STEP, 5 * STEP, 6 * STEP, 7 * STEP, 8 * STEP);
        assertThat(e1.values()[0][1]).isEqualTo(32f);
        assertThat(e1.values()[0][0]).isNaN();
        assertThat(e1.values()[4]).containsExactly(108f, 34f);
    }

    @Test
    void theRowsAndEachSlotsLatestShareTheEntitysPage() {
        EntityPages.Page page = pages.page("e1");
        actuals.record(page, vector(0, true), SPEC);
        byte[] forecast = {1, 2, 3};
        page.latest(1, forecast);
        actuals.record(pages.page("e1"), vector(1, true), SPEC);

        assertThat(pages.get("e1")).isSameAs(page);
        assertThat(pages.get("e1").latest(1)).containsExactly(forecast);
        assertThat(pages.get("e1").latest(0)).as("no forecast of the served slot yet").isNull();
        assertThat(rows("e1").windowStarts()).containsExactly(0L, STEP);
        assertThat(pages.get("e2")).isNull();

        pages.close();
        assertThat(pages.get("e1")).as("a closed task's pages are dropped with it").isNull();
    }
}
