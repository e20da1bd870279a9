package dev.streamcast.trainer.arch;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Parity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Streaming equals offline, for every registered architecture: after real training, the
 * framework's forward pass, the ONNX sequence graph and the ONNX step graph iterated with its
 * state kept outside agree within 1e-4 (the baselines within 1e-6). One row per architecture and
 * mode; a net whose head starts at zero must also move off persistence, so that the agreement is
 * not persistence compared with itself. What only one architecture has is checked in its row.
 * Adding an architecture is its file plus a row here.
 */
class ArchitectureParityTest {

    private static final List<String> COLUMNS = List.of("HUFL", "MUFL", "OT");

    /** A check of what is specific to a row, on the trained model, its data and the parity input x. */
    @FunctionalInterface
    interface Specific {
        void check(TrainedModel model, Dataset data, float[] x);
    }

    /** x [batch, steps, F] drawn with {@code seed}. */
    record Input(int batch, int steps, long seed) {
    }

    record Row(String arch, Mode mode, Dataset data, TrainOptions options, Input input, double tolerance,
               boolean movesOffPersistence, Specific specific) {

        Row(String arch, Mode mode, Dataset data, TrainOptions options, Input input) {
            this(arch, mode, data, options, input, 1e-4, false, (model, d, x) -> { });
        }

        Row within(double bound) {
            return new Row(arch, mode, data, options, input, bound, movesOffPersistence, specific);
        }

        /** The net's head starts at zero: it must move the forecast off persistence by more than 0.1. */
        Row learnsCorrection() {
            return new Row(arch, mode, data, options, input, tolerance, true, specific);
        }

        Row and(Specific check) {
            return new Row(arch, mode, data, options, input, tolerance, movesOffPersistence, check);
        }

        @Override
        public String toString() {
            return arch + " " + mode;
        }
    }

    private static Dataset data(int rows, long seed, Mode mode) {
        return Dataset.of(TestSeries.hourly(rows, COLUMNS, seed), mode, "OT", 24, 6);
    }

    private static final TrainOptions RECURRENT = TrainOptions.defaults().withEpochs(2).withSize(8, 2).withMaxTrainWindows(128);
    private static final TrainOptions EXOGENOUS = TrainOptions.defaults().withEpochs(1).withSize(8, 2).withMaxTrainWindows(64);
    private static final TrainOptions STACKS = TrainOptions.defaults().withLearningRate(1e-2f).withEpochs(2).withSize(8, 2)
            .withMaxTrainWindows(96);

    static Stream<Row> rows() {
        Dataset baseline = Dataset.of(TestSeries.hourly(600, COLUMNS, 1), Mode.M, "OT", 24, 12);
        Stream.Builder<Row> rows = Stream.builder();
        rows.add(new Row("last-value", Mode.M, baseline, TrainOptions.defaults(), new Input(3, 40, 7)).within(1e-6)
                .and((model, data, x) -> {
                    float[] y = model.forwardSequence(x, 3, 40, 3);
                    // batch 1, step 10, horizon step 5, target 2 (OT) is x[1, 10, 2]
                    assertThat(y[((40 + 10) * 12 + 5) * 3 + 2]).isEqualTo(x[(40 + 10) * 3 + 2]);
                }));
        rows.add(new Row("seasonal-naive", Mode.M, baseline, TrainOptions.defaults().withSeason(5, 25), new Input(2, 30, 8))
                .within(1e-6).and((model, data, x) -> {
                    float[] y = model.forwardSequence(x, 2, 30, 3);
                    int s = 20;
                    for (int h = 1; h <= 12; h++) {
                        int source = s + h - 5 * (int) Math.ceil(h / 5.0);
                        assertThat(y[((30 + s) * 12 + h - 1) * 3]).as("h=%d", h).isEqualTo(x[(30 + source) * 3]);
                    }
                    assertThat(model.state()).hasSize(1);
                    assertThat(model.state().get(0).length()).isEqualTo(4);
                }));
        rows.add(new Row("dlinear", Mode.M, data(700, 5, Mode.M),
                TrainOptions.defaults().withEpochs(3).withMaxTrainWindows(256).withSeason(24, 5), new Input(2, 60, 13))
                .and((model, data, x) -> {
                    assertThat(model.parameterCount()).isEqualTo(2 * (24 * 6 + 6));
                    assertThat(model.state().get(0).length()).isEqualTo(23);
                }));
        for (String linear : List.of("rlinear", "nlinear")) {
            for (Mode mode : List.of(Mode.M, Mode.S)) {
                rows.add(new Row(linear, mode, data(700, 5, mode), TrainOptions.defaults().withEpochs(3).withMaxTrainWindows(256),
                        new Input(2, 60, 13)).and((model, data, x) -> {
                            assertThat(model.parameterCount()).isEqualTo(24 * 6 + 6);
                            assertThat(model.state().get(0).length()).isEqualTo(23);
                            // relative to the window itself: a window shifted by c forecasts the same shifted by c
                            float[] windows = data.inputs(data.windowStarts(Dataset.Split.TEST), 0, 4);
                            float[] shifted = windows.clone();
                            for (int i = 0; i < shifted.length; i++) {
                                shifted[i] += 3f;
                            }
                            float[] y = model.forecast(windows, 4, 24, data.features());
                            float[] ys = model.forecast(shifted, 4, 24, data.features());
                            for (int i = 0; i < y.length; i++) {
                                assertThat(ys[i] - y[i]).as("slot %d", i).isCloseTo(3f, within(1e-4f));
                            }
                        }));
            }
        }
        // periods of 5 in a look-back of 24 (the oldest 4 steps dropped), 2 periods out cut to the horizon of 6
        TrainOptions sparse = TrainOptions.defaults().withEpochs(3).withMaxTrainWindows(256).withSeason(5, 25);
        for (Mode mode : List.of(Mode.M, Mode.S)) {
            rows.add(new Row("sparsetsf", mode, data(700, 5, mode), sparse, new Input(2, 60, 13)).and((model, data, x) -> {
                assertThat(model.parameterCount()).as("(n + 1) m + K: kernel 5, 4 periods in, 2 out").isEqualTo(5 * 2 + 5);
                assertThat(model.state().get(0).length()).isEqualTo(23);
                assertThat(model.hyperParameters()).containsEntry("period", 5L);
            }));
        }
        rows.add(new Row("sparsetsf", Mode.M, data(700, 5, Mode.M), sparse.withQuantiles(0.1, 0.9), new Input(2, 60, 13)));
        for (String cell : List.of("rnn", "lstm", "gru")) {
            rows.add(new Row(cell, Mode.M, data(700, 3, Mode.M), RECURRENT, new Input(3, 50, 11)).and((model, data, x) -> {
                assertThat(model.parameterCount()).isPositive();
                assertThat(model.state()).extracting(StateTensor::name)
                        .containsExactlyElementsOf(cell.equals("lstm") ? List.of("h", "c", "previous") : List.of("h", "previous"));
                float[] forecast = model.forecast(data.inputs(data.windowStarts(Dataset.Split.TEST), 0, 4), 4, 24, 3);
                assertThat(forecast).hasSize(4 * 6 * 3);
                assertThat(model.state().get(0).shape()).as("one state per channel").containsExactly(3, 2, 8);
            }));
            // exogenous inputs (MS: every column in, OT out): one network over all channels instead of one per channel
            rows.add(new Row(cell, Mode.MS, data(700, 4, Mode.MS), EXOGENOUS, new Input(2, 40, 12)).and((model, data, x) -> {
                assertThat(model.state().get(0).shape()).containsExactly(2, 8);
                assertThat(model.hyperParameters()).containsEntry("channelIndependent", false);
            }));
        }
        // the highway's window ring (step) and lagged windows (sequence, DJL), with and without channel independence
        for (Mode mode : List.of(Mode.M, Mode.MS)) {
            rows.add(new Row("gru-highway", mode, data(700, mode == Mode.M ? 3 : 4, mode), STACKS.withMaxTrainWindows(128),
                    new Input(2, 60, 13)).learnsCorrection().and((model, data, x) -> {
                        assertThat(model.architecture()).isEqualTo("gru-highway");
                        assertThat(model.state()).extracting(StateTensor::name).containsExactly("h", "previous", "highway");
                        assertThat(model.state().get(2).shape()).as("the last L - 1 target values").containsExactly(data.targets().size());
                        assertThat(model.state().get(2).length()).isEqualTo(23);
                    }));
        }
        for (Mode mode : Mode.values()) {
            // dilations 1, 2, 4, 8 cover a look-back of 24: windows of 2, 4, 8 and 16 taps, and the previous input
            rows.add(new Row("tcn", mode, data(700, 6, mode), RECURRENT, new Input(2, 60, 14)).and((model, data, x) -> {
                assertThat(model.state()).extracting(StateTensor::name).containsExactly("b0", "b1", "b2", "b3", "previous");
                assertThat(model.state()).extracting(StateTensor::length).containsExactly(2, 4, 8, 16, 1);
            }));
            // 60 steps: the window (12) slides, and the first 12 steps see a partly filled cache
            rows.add(new Row("transformer", mode, data(700, 21, mode), STACKS, new Input(2, 60, 22)).learnsCorrection()
                    .and((model, data, x) -> {
                        assertThat(levelShiftError(model, data.features()))
                                .as("the level reaches the forecast only through the persistence skip").isLessThanOrEqualTo(1e-4);
                        assertThat(model.hyperParameters()).containsEntry("window", 12L).containsEntry("heads", 4L)
                                .containsEntry("channelIndependent", mode != Mode.MS);
                    }));
            rows.add(new Row("linear-attention", mode, data(700, 31, mode), STACKS, new Input(2, 80, 32)).learnsCorrection());
            rows.add(new Row("s4d", mode, data(700, 41, mode), STACKS, new Input(2, 80, 42)).learnsCorrection());
            rows.add(new Row("mamba", mode, data(400, 51, mode), STACKS.withEpochs(1).withMaxTrainWindows(64),
                    new Input(2, 60, 52)).learnsCorrection());
            rows.add(new Row("performer", mode, data(700, 61, mode), STACKS, new Input(2, 80, 62)).learnsCorrection()
                    .and((model, data, x) -> {
                        // 4 heads of d = 2 and m = 2d random features; the draw is the seed's, recorded in the manifest
                        assertThat(model.state()).extracting(StateTensor::name).containsExactly("S0", "z0", "S1", "z1", "previous");
                        assertThat(model.state().get(0).kind()).isEqualTo(StateTensor.Kind.CARRY);
                        assertThat(model.state().get(0).shape()).endsWith(4, 4, 2);
                        assertThat(model.hyperParameters()).containsEntry("randomFeatures", 4L).containsEntry("featureSeed", 42L);
                    }));
            rows.add(new Row("rwkv", mode, data(700, 71, mode), STACKS, new Input(2, 80, 72)).learnsCorrection()
                    .and((model, data, x) -> {
                        assertThat(model.state()).extracting(StateTensor::name).containsExactly(
                                "num0", "den0", "p0", "shift0", "num1", "den1", "p1", "shift1", "previous");
                        assertThat(model.state()).extracting(StateTensor::kind).startsWith(StateTensor.Kind.CARRY,
                                StateTensor.Kind.CARRY, StateTensor.Kind.CARRY, StateTensor.Kind.WINDOW);
                        assertThat(model.state().get(3).length()).as("the token shift keeps one step").isEqualTo(1);
                    }));
            rows.add(new Row("seq2seq", mode, data(700, 81, mode), STACKS.withEpochs(3).withMaxTrainWindows(256), new Input(2, 60, 82)).learnsCorrection()
                    .and((model, data, x) -> {
                        assertThat(model.state()).extracting(StateTensor::name).containsExactly("h", "previous");
                        assertThat(model.state().get(0).kind()).isEqualTo(StateTensor.Kind.CARRY);
                        assertThat(model.state().get(0).shape()).endsWith(2, 8);
                    }));
            // 80 steps: the windows (12) slide; the conv's taps and the caches are windows
            rows.add(new Row("conv-attention", mode, data(700, 91, mode), STACKS, new Input(2, 80, 92)).learnsCorrection()
                    .and((model, data, x) -> {
                        assertThat(model.state()).extracting(StateTensor::name)
                                .containsExactly("kv0", "conv0", "kv1", "conv1", "filled", "previous");
                        assertThat(model.state()).extracting(StateTensor::length).containsExactly(12, 3, 12, 3, 12, 1);
                    }));
            rows.add(new Row("attention-gru", mode, data(700, 101, mode), STACKS, new Input(2, 80, 102)).learnsCorrection()
                    .and((model, data, x) -> {
                        assertThat(model.state()).extracting(StateTensor::name)
                                .containsExactly("kv0", "kv1", "filled", "memory", "previous");
                        assertThat(model.state().get(3).kind()).isEqualTo(StateTensor.Kind.CARRY);
                    }));
            rows.add(new Row("lsh-attention", mode, data(700, 111, mode), STACKS, new Input(2, 80, 112)).learnsCorrection()
                    .and((model, data, x) -> {
                        assertThat(model.state()).extracting(StateTensor::name).containsExactly("kv0", "kv1", "filled", "previous");
                        assertThat(model.hyperParameters()).containsEntry("buckets", 4L).containsEntry("hashSeed", 42L);
                    }));
        }
        return rows.build();
    }

    /** The rows of the architectures in {@code -Dparity.arch=a,b} (every row without it), to run a few alone. */
    static Stream<Row> selectedRows() {
        String only = System.getProperty("parity.arch", "").strip();
        if (only.isEmpty()) {
            return rows();
        }
        List<String> names = List.of(only.split(","));
        return rows().filter(row -> names.contains(row.arch()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selectedRows")
    void streamsLikeItsSequenceAndItsFramework(Row row) throws Exception {
        Dataset data = row.data();
        int f = data.features();
        Input in = row.input();
        try (TrainedModel model = Architectures.byName(row.arch()).fit(data, row.options(), TrainingProgress.SILENT)) {
            float[] x = TestSeries.inputs(in.batch(), in.steps(), f, in.seed());

            Parity.Result parity = Parity.check(model, x, in.batch(), in.steps(), f);

            assertThat(parity.max()).as("%s %s", row, parity).isLessThanOrEqualTo(row.tolerance());
            if (row.movesOffPersistence()) {
                assertThat(NetContribution.largestCorrection(model, x, in.batch(), in.steps(), f, data.targetIndex()))
                        .as("the net moves the forecast off persistence").isGreaterThan(0.1);
            }
            row.specific().check(model, data, x);
        }
    }

    @Test
    void everyRegisteredArchitectureHasARow() {
        assertThat(new TreeSet<>(rows().map(Row::arch).toList())).isEqualTo(new TreeSet<>(Architectures.names()));
    }

    /** The largest deviation of forecast(x + 3) - forecast(x) from 3, over a window whose level lies outside training. */
    private static double levelShiftError(TrainedModel model, int f) {
        float[] x = TestSeries.inputs(2, 24, f, 25);
        float[] shifted = x.clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += 3f;
        }
        float[] base = model.forecast(x, 2, 24, f);
        float[] moved = model.forecast(shifted, 2, 24, f);
        double max = 0;
        for (int i = 0; i < base.length; i++) {
            max = Math.max(max, Math.abs(moved[i] - base[i] - 3f));
        }
        return max;
    }
}
