package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.ingest.TestSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An entity's windows in memory: the accumulator of an emitted window is emptied and reused for its next one. */
class EntityWindowsTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final long MIN = 60_000L;

    private final FeatureLayout layout = new FeatureLayout(new TestSettings().build());

    @Test
    void theNextWindowReusesTheEmittedOnesAccumulatorEmptiedAsIfNew() {
        int temp = layout.channel("temp");
        EntityWindows state = layout.newEntity(T0, T0);
        WindowAccumulator first = state.window(T0, layout);
        first.add(temp, T0 + 1_000, 21.5);
        first.add(temp, T0 + 2_000, 23.5);
        layout.addText(first, "pump oil high, alarm");

        WindowAccumulator taken = state.take(T0);
        FeatureVector emitted = layout.vector(state, T0, taken, new int[1]);
        state.recycle(taken);
        WindowAccumulator next = state.window(T0 + MIN, layout);
        next.add(temp, T0 + MIN + 1_000, 30.0);
        layout.addText(next, "alarm");

        assertThat(next).isSameAs(first);
        assertThat(next.start).isEqualTo(T0 + MIN);
        WindowAccumulator fresh = layout.newAccumulator(T0 + MIN);
        fresh.add(temp, T0 + MIN + 1_000, 30.0);
        layout.addText(fresh, "alarm");
        assertThat(bytes(next)).isEqualTo(bytes(fresh));
        FeatureVector second = layout.vector(state, T0 + MIN, state.take(T0 + MIN), new int[1]);
        int count = layout.spec().indexOf("temp.count");
        int mean = layout.spec().indexOf("temp.mean");
        assertThat(emitted.values()[count]).isEqualTo(2.0);
        assertThat(emitted.values()[mean]).isEqualTo(22.5);
        assertThat(second.values()[count]).isEqualTo(1.0);
        assertThat(second.values()[mean]).isEqualTo(30.0);
        assertThat(second.values()[layout.spec().indexOf("text.count")]).isEqualTo(1.0);
        assertThat(second.values()[layout.spec().indexOf("text.kw.alarm")]).isEqualTo(1.0);
        // the emitted vector kept its own values
        assertThat(emitted.values()[mean]).isEqualTo(22.5);
    }

    @Test
    void aWindowOpenedWithNoSpareIsNew() {
        EntityWindows state = layout.newEntity(T0, T0);
        WindowAccumulator a = state.window(T0, layout);
        WindowAccumulator b = state.window(T0 + MIN, layout);

        assertThat(b).isNotSameAs(a);
        assertThat(state.open).containsExactly(a, b);
    }

    private static byte[] bytes(WindowAccumulator acc) {
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(acc.serializedSize());
        acc.write(out);
        return out.array();
    }
}
