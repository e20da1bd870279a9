package dev.streamcast.trainer.data;

import dev.streamcast.trainer.testing.TestSeries;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DatasetTest {

    @Test
    void twentyMonthsOfHourlyDataGetTheStandardEttBorders() {
        SeriesTable table = TestSeries.hourly(17_420, List.of("HUFL", "OT"), 1);
        Dataset data = Dataset.of(table, Mode.S, "OT", 96, 96);
        assertThat(data.splits()).isEqualTo(new Splits(8640, 8640 - 96, 11520, 11520 - 96, 14400));
        // windows: train [0, 8640) gives 8640 - 96 - 96 + 1 of them, test [11424, 14400) 2785
        assertThat(data.windowStarts(Dataset.Split.TRAIN)).hasSize(8449);
        assertThat(data.windowStarts(Dataset.Split.TEST)).hasSize(2785).startsWith(11424);
    }

    @Test
    void normalisationUsesTheTrainingSplitOnly() {
        SeriesTable table = TestSeries.hourly(1000, List.of("HUFL", "OT"), 2);
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
        SeriesTable table = TestSeries.hourly(1000, List.of("HUFL", "OT"), 3);
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

    @Test
    void aPanelSplitsEachSeriesOnItsOwnAndNoWindowCrossesIntoTheNext() {
        SeriesTable a = TestSeries.hourly(500, List.of("HUFL", "OT"), 3);
        SeriesTable b = TestSeries.hourly(300, List.of("HUFL", "OT"), 4);
        SeriesTable tiny = TestSeries.hourly(40, List.of("HUFL", "OT"), 5);
        List<String> skipped = new java.util.ArrayList<>();

        Dataset data = Dataset.panel(List.of(a, b, tiny), Mode.S, "OT", 24, 6, skipped::add);

        assertThat(skipped).hasSize(1).first().asString().contains("40 rows are too few");
        assertThat(data.series()).containsExactly(a, b);
        // a: train rows [0, 300), b: [500, 680); windows need 30 rows
        int[] train = data.windowStarts(Dataset.Split.TRAIN);
        assertThat(train).hasSize((300 - 30 + 1) + (180 - 30 + 1));
        assertThat(train[300 - 30]).isEqualTo(270);
        assertThat(train[300 - 30 + 1]).isEqualTo(500);
        int[] test = data.windowStarts(Dataset.Split.TEST);
        assertThat(test).contains(400 - 24, 500 - 30).doesNotContain(500 - 29);
        assertThat(test[test.length - 1]).isEqualTo(800 - 30);
        assertThat(data.trainingData().rows()).isEqualTo(300 + 180);
    }

    @Test
    void selectingOnTheLatestBlockExchangesValidationAndTestAndKeepsTraining() {
        Dataset data = Dataset.of(TestSeries.hourly(1000, List.of("HUFL", "OT"), 3), Mode.S, "OT", 24, 12);
        Dataset latest = data.selectingOnLatest();
        assertThat(latest.selectsOnLatest()).isTrue();
        assertThat(data.selectsOnLatest()).isFalse();
        assertThat(latest.windowStarts(Dataset.Split.VALIDATION)).containsExactly(data.windowStarts(Dataset.Split.TEST));
        assertThat(latest.windowStarts(Dataset.Split.TEST)).containsExactly(data.windowStarts(Dataset.Split.VALIDATION));
        assertThat(latest.windowStarts(Dataset.Split.TRAIN)).containsExactly(data.windowStarts(Dataset.Split.TRAIN));
        assertThat(latest.mean()).containsExactly(data.mean());
        // the latest validation window ends at the last row
        int[] validation = latest.windowStarts(Dataset.Split.VALIDATION);
        assertThat(validation[validation.length - 1] + 24 + 12).isEqualTo(1000);
    }

    @Test
    void aRefitTrainsOnTrainingAndValidationWindowsAndKeepsTheTestOut() {
        Dataset data = Dataset.of(TestSeries.hourly(1000, List.of("HUFL", "OT"), 3), Mode.S, "OT", 24, 12);
        Dataset refit = data.refitting();
        assertThat(refit.refits()).isTrue();
        assertThat(data.refits()).isFalse();
        int[] train = data.windowStarts(Dataset.Split.TRAIN);
        int[] validation = data.windowStarts(Dataset.Split.VALIDATION);
        assertThat(refit.windowStarts(Dataset.Split.TRAIN)).hasSize(train.length + validation.length)
                .startsWith(train).endsWith(validation);
        assertThat(refit.windowStarts(Dataset.Split.TEST)).containsExactly(data.windowStarts(Dataset.Split.TEST));
        assertThat(refit.mean()).containsExactly(data.mean());
        // 600 training rows and the 200 of validation; the range ends where validation does
        assertThat(data.trainingData().rows()).isEqualTo(600);
        assertThat(refit.trainingData().rows()).isEqualTo(800);
        assertThat(refit.trainingData().to()).isEqualTo(data.trainingData().to() + 200 * 3_600_000L);

        // selecting on the latest block: the refit adds the latest block, the one before stays the test
        Dataset latest = data.selectingOnLatest().refitting();
        assertThat(latest.windowStarts(Dataset.Split.TRAIN)).endsWith(data.windowStarts(Dataset.Split.TEST));
        assertThat(latest.windowStarts(Dataset.Split.TEST)).containsExactly(validation);
        assertThat(latest.trainingData().rows()).isEqualTo(800);
        assertThat(latest.trainingData().to()).isEqualTo(data.trainingData().to() + 400 * 3_600_000L);
    }

    @Test
    void aTableSinceATimeKeepsTheRowsFromThere() {
        SeriesTable table = TestSeries.hourly(10, List.of("OT"), 1);
        long t3 = table.timestamps()[3];
        SeriesTable since = table.since(t3);
        assertThat(since.rows()).isEqualTo(7);
        assertThat(since.timestamps()[0]).isEqualTo(t3);
        assertThat(since.values()[0]).containsExactly(table.values()[3]);
        assertThat(table.since(table.timestamps()[0] - 1)).isSameAs(table);
        assertThat(table.since(table.timestamps()[9] + 1).rows()).isZero();
    }
}
