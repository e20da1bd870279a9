package dev.streamcast.contracts.bundle;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamcast.contracts.records.FeatureVector;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The offline forecast a bundle's {@code sequence.onnx} gives for one entity's vectors, from zero
 * state: what "streaming equals offline" compares the forecaster's step-by-step forecasts with.
 * The model's features are found by name in the stream's spec and z-scored with the manifest's
 * statistics, as the forecaster does; the result is in original units, the median when the model
 * has quantiles. The graph's session is opened once and serves every entity.
 */
public final class SequenceForecast implements AutoCloseable {

    private final BundleManifest m;
    private final OrtSession session;

    private SequenceForecast(BundleManifest m, OrtSession session) {
        this.m = m;
        this.session = session;
    }

    /** The sequence graph of the bundle in {@code bundle}, whose manifest is {@code m}. */
    public static SequenceForecast open(Path bundle, BundleManifest m) throws OrtException {
        return new SequenceForecast(m, OnnxEnvironment.get().createSession(bundle.resolve(BundleManifest.SEQUENCE_FILE).toString()));
    }

    /**
     * The point forecast after every vector, [vectors][H * T] (horizon-major, targets in the
     * manifest's order); {@code streamNames} names the vectors' values.
     */
    public double[][] of(List<String> streamNames, List<FeatureVector> vectors) throws OrtException {
        int f = m.featureSpec().size();
        int steps = vectors.size();
        int[] projection = new int[f];
        for (int c = 0; c < f; c++) {
            projection[c] = streamNames.indexOf(m.featureSpec().names().get(c));
            if (projection[c] < 0) {
                throw new IllegalArgumentException("the stream has no feature " + m.featureSpec().names().get(c) + " that "
                        + m.name() + " reads");
            }
        }
        float[] x = new float[steps * f];
        for (int s = 0; s < steps; s++) {
            for (int c = 0; c < f; c++) {
                float raw = (float) vectors.get(s).values()[projection[c]];
                x[s * f + c] = (float) ((raw - m.mean()[c]) / m.std()[c]);
            }
        }
        int h = m.horizon();
        int t = m.targets().size();
        int q = Math.max(1, m.quantiles().length);
        int median = m.quantiles().length == 0 ? 0 : Math.max(0, Arrays.binarySearch(m.quantiles(), 0.5));
        try (OnnxTensor input = OnnxTensor.createTensor(OnnxEnvironment.get(), FloatBuffer.wrap(x), new long[]{1, steps, f});
             OrtSession.Result result = session.run(Map.of(BundleManifest.INPUT, input))) {
            FloatBuffer out = ((OnnxTensor) result.get(BundleManifest.OUTPUT).orElseThrow()).getFloatBuffer();
            double[][] forecasts = new double[steps][h * t];
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < h * t; i++) {
                    int c = m.targetIndex(m.targets().get(i % t));
                    forecasts[s][i] = out.get((s * h * t + i) * q + median) * m.std()[c] + m.mean()[c];
                }
            }
            return forecasts;
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
