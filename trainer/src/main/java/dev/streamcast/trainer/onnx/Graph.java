package dev.streamcast.trainer.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small builder over the ONNX protobuf classes, so an architecture's export reads as its
 * equations: {@code node("MatMul", h, w)}. Dimensions given as {@link #BATCH} or {@link #STEPS}
 * are symbolic.
 */
public final class Graph {

    public static final int OPSET = 17;
    public static final long BATCH = -1;
    public static final long STEPS = -2;

    private final OnnxMl.GraphProto.Builder graph;
    private final String prefix;
    private int counter;

    public Graph(String name) {
        this(name, "");
    }

    private Graph(String name, String prefix) {
        graph = OnnxMl.GraphProto.newBuilder().setName(name);
        this.prefix = prefix;
    }

    /**
     * A builder for the body of a control-flow node (Scan, Loop), as a {@link Attr#graph} attribute.
     * Its generated names start with a name unique in this graph, so they cannot shadow a value of
     * the outer graph, which ONNX forbids; the body may read the outer graph's values by name.
     */
    public Graph body(String name) {
        String scope = unique(name);
        return new Graph(scope, scope + "_");
    }

    /** The graph alone, for a {@link Attr#graph} attribute. */
    public OnnxMl.GraphProto buildGraph() {
        return graph.build();
    }

    private Graph(OnnxMl.GraphProto existing) {
        graph = existing.toBuilder();
        prefix = "";
        counter = 1_000_000; // above every name the original builder generated
    }

    /** A builder that goes on from a finished graph, to append nodes after its outputs. */
    public static Graph extend(OnnxMl.ModelProto model) {
        return new Graph(model.getGraph());
    }

    /**
     * Turns graph output {@code name} into an internal value and returns its new name, so that
     * nodes appended after it can produce a new output of the same name.
     */
    public String detachOutput(String name) {
        String renamed = unique(name + "_raw");
        for (OnnxMl.NodeProto.Builder node : graph.getNodeBuilderList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(name)) {
                    node.setOutput(i, renamed);
                }
            }
            for (int i = 0; i < node.getInputCount(); i++) {
                if (node.getInput(i).equals(name)) {
                    node.setInput(i, renamed);
                }
            }
        }
        for (int i = 0; i < graph.getOutputCount(); i++) {
            if (graph.getOutput(i).getName().equals(name)) {
                graph.removeOutput(i);
                return renamed;
            }
        }
        throw new IllegalArgumentException("the graph has no output " + name);
    }

    public String input(String name, long... dims) {
        graph.addInput(valueInfo(name, dims));
        return name;
    }

    public void output(String value, String name, long... dims) {
        if (!value.equals(name)) {
            node("Identity", new String[]{value}, name);
        }
        graph.addOutput(valueInfo(name, dims));
    }

    /** A float32 constant. */
    public String constant(String name, float[] data, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(unique(name))
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .addAllDims(java.util.Arrays.stream(dims).boxed().toList())
                .setRawData(ByteString.copyFrom(bytes.array())));
        return lastName;
    }

    /** An int64 constant (shapes, axes, indices). */
    public String ints(String name, long... data) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(data);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(unique(name))
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(data.length)
                .setRawData(ByteString.copyFrom(bytes.array())));
        return lastName;
    }

    /** An int64 scalar constant. */
    public String scalar(String name, long value) {
        ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(unique(name))
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .setRawData(ByteString.copyFrom(bytes.array())));
        return lastName;
    }

    /** One node with one output; returns the output's name. */
    public String node(String op, String[] inputs, Attr... attrs) {
        return node(op, inputs, unique(op.toLowerCase(java.util.Locale.ROOT)), attrs);
    }

    public String node(String op, String[] inputs, String output, Attr... attrs) {
        return nodeMulti(op, inputs, new String[]{output}, attrs)[0];
    }

    /** One node with several outputs (an empty name skips an optional output). */
    public String[] nodeMulti(String op, String[] inputs, String[] outputs, Attr... attrs) {
        OnnxMl.NodeProto.Builder node = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(prefix + "n" + (counter++));
        for (String in : inputs) {
            node.addInput(in);
        }
        for (String out : outputs) {
            node.addOutput(out);
        }
        for (Attr attr : attrs) {
            node.addAttribute(attr.proto);
        }
        graph.addNode(node);
        return outputs;
    }

    /** A fresh value name with this prefix. */
    public String name(String prefix) {
        return unique(prefix);
    }

    public OnnxMl.ModelProto build() {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("streamcast-trainer")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    private String lastName;

    private String unique(String stem) {
        lastName = prefix + stem + "_" + (counter++);
        return lastName;
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, long... dims) {
        OnnxMl.TypeProto.Tensor.Builder tensor = OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        OnnxMl.TensorShapeProto.Builder shape = tensor.getShapeBuilder();
        for (long d : dims) {
            if (d == BATCH) {
                shape.addDimBuilder().setDimParam("B");
            } else if (d == STEPS) {
                shape.addDimBuilder().setDimParam("S");
            } else {
                shape.addDimBuilder().setDimValue(d);
            }
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    /** A node attribute. */
    public record Attr(OnnxMl.AttributeProto proto) {
        public static Attr i(String name, long value) {
            return new Attr(OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build());
        }

        public static Attr ints(String name, long... values) {
            OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return new Attr(a.build());
        }

        /** A subgraph, such as the body of a Scan (see {@link Graph#body}). */
        public static Attr graph(String name, OnnxMl.GraphProto body) {
            return new Attr(OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.GRAPH).setG(body).build());
        }

        public static Attr strings(String name, String... values) {
            OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                    .setType(OnnxMl.AttributeProto.AttributeType.STRINGS);
            for (String v : values) {
                a.addStrings(ByteString.copyFromUtf8(v));
            }
            return new Attr(a.build());
        }
    }
}
