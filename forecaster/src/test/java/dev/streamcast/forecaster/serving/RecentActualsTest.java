package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.forecaster.state.HashStore;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The live page's recent actuals: bounded per entity, in order, imputation kept, history carried across a change of targets. */
class RecentActualsTest {

    static final long STEP = 60_000L;
    static final FeatureSpec SPEC = FeatureSpec.of(STEP, List.of("load_mw.mean", "oil_c.mean", "text.count"));

    KeyValueStore<String, byte[]> store;
    final AtomicReference<List<String>> targets = new AtomicReference<>(List.of("oil_c.mean"));
    RecentActuals actuals;

    @BeforeEach
    void store() {
        store = Stores.keyValueStoreBuilder(HashStore.supplier(RecentActuals.STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        actuals = new RecentActuals(store, targets::get, 5);
    }

    static FeatureVector vector(int step, boolean oilObserved) {
        return new FeatureVector(SPEC.id(), step * STEP, (step + 1) * STEP, new double[]{100 + step, 30 + step * 0.5, 2},
                new boolean[]{true, oilObserved, true});
    }

    RecentActuals.Rows rows(String entity) {
        return RecentActuals.decode(store.get(entity));
    }

    @Test
    void keepsTheLastNStepsOfTheTargetsInOrderWithTheirImputation() {
        for (int s = 0; s < 8; s++) {
            actuals.record("e1", vector(s, s != 6), SPEC);
        }
        actuals.record("e2", vector(0, true), SPEC);

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
        actuals.record("e1", vector(4, true), SPEC);
        actuals.record("e1", vector(4, true), SPEC);
        actuals.record("e1", vector(2, true), SPEC);
        assertThat(rows("e1").windowStarts()).containsExactly(4 * STEP);
    }

    @Test
    void aSwapToOtherTargetsCarriesTheHistoryOfTheTargetsBothName() {
        actuals.record("e1", vector(0, true), SPEC);
        actuals.record("e1", vector(1, false), SPEC);
        targets.set(List.of("load_mw.mean", "oil_c.mean"));
        actuals.record("e1", vector(2, true), SPEC);

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
        actuals.record("e1", vector(0, true), SPEC);
        assertThat(rows("e1").values()[0][1]).isNaN();
        assertThat(rows("e1").observed()[0][1]).isFalse();

        targets.set(List.of());
        actuals.record("e9", vector(0, true), SPEC);
        assertThat(store.get("e9")).isNull();
    }

    @Test
    void aSwapAfterTheRingWrappedCarriesTheNewestStepsInOrder() {
        for (int s = 0; s < 7; s++) {
            actuals.record("e1", vector(s, true), SPEC);
        }
        targets.set(List.of("load_mw.mean", "oil_c.mean"));
        actuals.record("e1", vector(7, true), SPEC);
        actuals.record("e1", vector(8, true), SPEC);

        RecentActuals.Rows e1 = rows("e1");
        assertThat(e1.windowStarts()).containsExactly(4 * STEP, 5 * STEP, 6 * STEP, 7 * STEP, 8 * STEP);
        assertThat(e1.values()[0][1]).isEqualTo(32f);
        assertThat(e1.values()[0][0]).isNaN();
        assertThat(e1.values()[4]).containsExactly(108f, 34f);
    }

    @Test
    void aStoreThatCopiesItsValuesIsRefusedRatherThanLosingRows() {
        KeyValueStore<String, byte[]> copying = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("copying"), Serdes.String(),
                new Serdes.WrapperSerde<>((topic, data) -> data.clone(), (topic, data) -> data.clone())).withLoggingDisabled().build();
        copying.init(new MockProcessorContext<>().getStateStoreContext(), copying);
        RecentActuals onCopies = new RecentActuals(copying, targets::get, 5);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> onCopies.record("e1", vector(0, true), SPEC))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("rows are written in place");
    }
}
