package dev.streamcast.trainer.data;

import dev.streamcast.trainer.Synthetic;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DatasetTest {

    @Test
    void twentyMonthsOfHourlyDataGetTheStandardEttBorders() {
        SeriesTable table = Synthetic.hourly(17_420, List.of("HUFL", "OT"), 1);
        Dataset data = Dataset.of(table, Mode.S, "OT", 96, 96);
        assertThat(data.splits()).isEqualTo(new Splits(8640, 8640 - 96, 11520, 11520 - 96, 14400));
        // windows: train [0, 8640) gives 8640 - 96 - 96 + 1 of them, test [11424, 14400) 2785
        assertThat(data.windowStarts(Dataset.Split.TRAIN)).hasSize(8449);
        assertThat(data.windowStarts(Dataset.Split.TEST)).hasSize(2785).startsWith(11424);
    }

    @Test
    void normalisationUsesTheTrainingSplitOnly() {
        SeriesTable table = Synthetic.hourly(1000, List.of("HUFL", "OT"), 2);
        Dataset data = Dataset.of(table, Mode.M, "OT", 24, 12);
        int train = data.splits().trainEnd();
        double sum = 0;
        for (int r = 0; r < train; r++) {
            sum += table.values()[r][1];
        }
        assertThat(data.mean()[1]).isCloseTo(sum / train, org.assertj.core.data.Offset.offset(1e-9));
        double ss = 0;
        for (int r = 0; r < train; r++) {
            ss += Math.pow(table.values()[r][1] - data.mean()[1], 2);
        }
        assertThat(data.std()[1]).isCloseTo(Math.sqrt(ss / train), org.assertj.core.data.Offset.offset(1e-9));
        float[] z = data.rows(700, 701);
        assertThat(z[1]).isCloseTo((float) ((table.values()[700][1] - data.mean()[1]) / data.std()[1]),
                org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void windowsAreLookbackInputsThenHorizonTargets() {
        SeriesTable table = Synthetic.hourly(1000, List.of("HUFL", "OT"), 3);
        Dataset data = Dataset.of(table, Mode.S, "OT", 10, 3);
        int[] starts = {100};
        float[] x = data.inputs(starts, 0, 1);
        float[] y = data.targets(starts, 0, 1);
        assertThat(x).hasSize(10);
        assertThat(y).hasSize(3);
        assertThat(x[9]).isEqualTo(data.rows(109, 110)[0]);
        assertThat(y[0]).isEqualTo(data.rows(110, 111)[0]);
        assertThat(y[2]).isEqualTo(data.rows(112, 113)[0]);
    }
}
