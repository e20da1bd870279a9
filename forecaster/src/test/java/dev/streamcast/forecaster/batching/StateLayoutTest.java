package dev.streamcast.forecaster.batching;

import dev.streamcast.contracts.bundle.StateTensor;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StateLayoutTest {

    private static final StateLayout LAYOUT = StateLayout.of(List.of(
            StateTensor.carry("h", 1, 2),          // 2 floats
            StateTensor.window("taps", 3, 2),      // a ring of 3 entries of 2 floats
            StateTensor.window("last", 1, 1)));    // a ring of one entry

    @Test
    void carryTensorsAndWholeRingsLieSideBySideInManifestOrder() {
        assertThat(LAYOUT.slices()).containsExactly(
                new StateLayout.Slice("h", "h.next", 0, 2, 1),
                new StateLayout.Slice("taps", "taps.new", 2, 2, 3),
                new StateLayout.Slice("last", "last.new", 8, 1, 1));
        assertThat(LAYOUT.floats()).isEqualTo(9);
    }

    @Test
    void packingPutsEachEntitysTensorAfterThePreviousEntitys() {
        float[] first = {1, 2, 10, 11, 12, 13, 14, 15, 100};
        float[] second = {3, 4, 20, 21, 22, 23, 24, 25, 200};
        StateLayout.Slice taps = LAYOUT.slices().get(1);
        FloatBuffer input = FloatBuffer.allocate(12); // [B = 2, L = 3, 2]

        taps.pack(first, input);
        taps.pack(second, input);

        assertThat(input.array()).containsExactly(10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25);
    }

    @Test
    void aCarryIsReplacedAndARingDropsItsOldestEntryAndAppendsTheNewOne() {
        float[] state = {1, 2, 10, 11, 12, 13, 14, 15, 100};

        LAYOUT.slices().get(0).advance(FloatBuffer.wrap(new float[]{7, 8}), state);
        LAYOUT.slices().get(1).advance(FloatBuffer.wrap(new float[]{16, 17}), state);
        LAYOUT.slices().get(2).advance(FloatBuffer.wrap(new float[]{101}), state);

        assertThat(state).containsExactly(7, 8, 12, 13, 14, 15, 16, 17, 101);
    }

    @Test
    void updatesAreTakenFromTheOutputEntityAfterEntity() {
        float[] first = new float[LAYOUT.floats()];
        float[] second = new float[LAYOUT.floats()];
        FloatBuffer output = FloatBuffer.wrap(new float[]{1, 2, 3, 4}); // [B = 2, 2]
        StateLayout.Slice h = LAYOUT.slices().get(0);

        h.advance(output, first);
        h.advance(output, second);

        assertThat(first[0]).isEqualTo(1);
        assertThat(first[1]).isEqualTo(2);
        assertThat(second[0]).isEqualTo(3);
        assertThat(second[1]).isEqualTo(4);
    }
}
