package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.onnx.GateOrder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The catalogue, by name. Architectures that cannot run one step at a time with bounded state are
 * not in it: they are named in {@link #NOT_STREAMABLE} with the reason, which is what asking for
 * one of them answers.
 */
public final class Architectures {

    private static final Map<String, Supplier<Architecture>> ALL = new LinkedHashMap<>();

    /** Names users ask for that cannot be served step by step, and why. */
    static final Map<String, String> NOT_STREAMABLE = new LinkedHashMap<>();

    static {
        ALL.put("last-value", Baseline::lastValue);
        ALL.put("seasonal-naive", Baseline::seasonalNaive);
        ALL.put("dlinear", DLinear::new);
        ALL.put("rlinear", RLinear::rlinear);
        ALL.put("nlinear", RLinear::nlinear);
        ALL.put("sparsetsf", SparseTsf::new);
        ALL.put("rnn", () -> new RecurrentNet(GateOrder.RNN));
        ALL.put("lstm", () -> new RecurrentNet(GateOrder.LSTM));
        ALL.put("gru", () -> new RecurrentNet(GateOrder.GRU));
        ALL.put("gru-highway", () -> new RecurrentNet(GateOrder.GRU, true));
        ALL.put("tcn", Tcn::new);
        ALL.put("transformer", SlidingWindowTransformer::new);
        ALL.put("linear-attention", LinearAttention::new);
        ALL.put("s4d", S4D::new);
        ALL.put("mamba", Mamba::new);
        ALL.put("performer", Performer::new);
        ALL.put("rwkv", Rwkv::new);
        ALL.put("seq2seq", Seq2Seq::new);
        ALL.put("conv-attention", ConvAttention::new);
        ALL.put("attention-gru", AttentionGruMemory::new);
        ALL.put("lsh-attention", LshAttention::new);

        String birnn = "a bidirectional RNN's backward pass runs from the end of the sequence, so its output at step t "
                + "depends on steps after t: each new step would change every earlier output and the state would have "
                + "to be the whole sequence; use rnn, lstm or gru (forward only)";
        NOT_STREAMABLE.put("birnn", birnn);
        NOT_STREAMABLE.put("bilstm", birnn);
        NOT_STREAMABLE.put("bigru", birnn);
        String encoder = "a full-sequence encoder attends from every position to every other, the future included, so "
                + "there is no output at step t until the sequence has ended and nothing bounded to carry between steps; "
                + "use transformer (causal, sliding window) or linear-attention";
        NOT_STREAMABLE.put("bert", encoder);
        NOT_STREAMABLE.put("encoder", encoder);
        NOT_STREAMABLE.put("linformer", "Linformer projects keys and values along the sequence axis with a learned "
                + "[k, L] matrix: every projected key mixes all L positions, the future ones too, so no prefix of the "
                + "sequence gives the same numbers, and the projection is tied to one fixed length L; use "
                + "linear-attention or performer for attention in O(1) per step");
        NOT_STREAMABLE.put("informer", "Informer's ProbSparse attention picks its active queries by a sparsity "
                + "measure over the keys of the whole window and fills the others with the mean of all values, the "
                + "future included, and its distilling halves the sequence between layers: an output at step t depends "
                + "on later steps and a stream has no fixed window to pool; use transformer (causal, sliding window)");
    }

    private Architectures() {
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    public static Architecture byName(String name) {
        String key = name.strip().toLowerCase(java.util.Locale.ROOT);
        Supplier<Architecture> supplier = ALL.get(key);
        if (supplier == null && NOT_STREAMABLE.containsKey(key)) {
            throw new IllegalArgumentException("architecture '" + name + "' is not streamable, so streamcast does not "
                    + "train it: " + NOT_STREAMABLE.get(key));
        }
        if (supplier == null) {
            throw new IllegalArgumentException("unknown architecture '" + name + "'; known: " + names());
        }
        return supplier.get();
    }

    /** A comma-separated list, or "all". */
    public static List<Architecture> parse(String list) {
        List<Architecture> archs = new ArrayList<>();
        for (String name : ("all".equals(list.strip()) ? String.join(",", names()) : list).split(",")) {
            if (!name.isBlank()) {
                archs.add(byName(name));
            }
        }
        if (archs.isEmpty()) {
            throw new IllegalArgumentException("no architecture given; known: " + names());
        }
        return archs;
    }
}
