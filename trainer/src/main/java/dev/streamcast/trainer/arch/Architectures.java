package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.onnx.GateOrder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The catalogue, by name. Not streamable and so not here: bidirectional RNNs, full-sequence encoders. */
public final class Architectures {

    private static final Map<String, Supplier<Architecture>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("last-value", Baseline::lastValue);
        ALL.put("seasonal-naive", Baseline::seasonalNaive);
        ALL.put("dlinear", DLinear::new);
        ALL.put("rnn", () -> new RecurrentNet(GateOrder.RNN));
        ALL.put("lstm", () -> new RecurrentNet(GateOrder.LSTM));
        ALL.put("gru", () -> new RecurrentNet(GateOrder.GRU));
        ALL.put("gru-highway", () -> new RecurrentNet(GateOrder.GRU, true));
        ALL.put("tcn", Tcn::new);
        ALL.put("transformer", SlidingWindowTransformer::new);
        ALL.put("linear-attention", LinearAttention::new);
        ALL.put("s4d", S4D::new);
        ALL.put("mamba", Mamba::new);
    }

    private Architectures() {
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    public static Architecture byName(String name) {
        Supplier<Architecture> supplier = ALL.get(name.strip().toLowerCase(java.util.Locale.ROOT));
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
