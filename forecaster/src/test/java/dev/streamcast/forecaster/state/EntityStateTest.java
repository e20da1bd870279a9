package dev.streamcast.forecaster.state;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EntityStateTest {

    private static final long STEP = 60_000;

    @Test
    void aRememberedForecastIsFoundWhereItsStepsBackSayAndByTheRingWhenStepsWereSkipped() {
        EntityState state = new EntityState();
        for (int s = 0; s < 5; s++) { // a ring of 3: the forecasts made at steps 2, 3 and 4 are left
            state.rememberForecast(s * STEP, new float[]{s, 10 + s}, 3);
        }
        for (int back = 1; back <= 3; back++) {
            long origin = (5 - back) * STEP;
            int at = state.rememberedAt(origin, back);
            assertThat(at).as("%d steps back", back).isEqualTo(state.rememberedAt(origin)).isNotNegative();
            assertThat(state.rememberedValue(at, 0)).isEqualTo(5 - back);
            assertThat(state.rememberedValue(at, 1)).isEqualTo(15 - back);
        }
        assertThat(state.rememberedAt(STEP, 4)).as("pushed out of the ring").isEqualTo(-1);

        state.rememberForecast(6 * STEP, new float[]{6, 16}, 3); // step 5 brought no forecast
        int at = state.rememberedAt(4 * STEP, 3); // not where 3 steps back lies now: found in the ring
        assertThat(at).isNotNegative();
        assertThat(state.rememberedValue(at, 0)).isEqualTo(4);
        assertThat(state.rememberedAt(5 * STEP, 2)).as("no forecast made then").isEqualTo(-1);
    }
}
