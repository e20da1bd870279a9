package dev.streamcast.trainer.arch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** DLinear's own part; its parity is {@link ArchitectureParityTest}'s. */
class DLinearTest {

    @Test
    void theTrendOperatorAveragesWithReplicatedEnds() {
        float[] a = DLinear.averaging(5, 3);
        // row 0 averages x0 (replicated), x0, x1; row 2 averages x1, x2, x3
        assertThat(a[0]).isEqualTo(2f / 3);
        assertThat(a[1]).isEqualTo(1f / 3);
        assertThat(new float[]{a[10], a[11], a[12], a[13], a[14]}).containsExactly(0f, 1f / 3, 1f / 3, 1f / 3, 0f);
        for (int i = 0; i < 5; i++) {
            float row = 0;
            for (int j = 0; j < 5; j++) {
                row += a[i * 5 + j];
            }
            assertThat(row).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
