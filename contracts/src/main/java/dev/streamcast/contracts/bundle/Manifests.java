package dev.streamcast.contracts.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.JsonFields;
import dev.streamcast.contracts.json.RecordCodec;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.streamcast.contracts.json.JsonFields.fail;

/**
 * The one reader and writer of bundle manifests. {@link #read(Path)} parses, validates and
 * checks every listed file's sha256, so a manifest that comes back from it can be trusted.
 */
public final class Manifests {

    public static final RecordCodec<BundleManifest> CODEC = new RecordCodec<>("bundle manifest",
            Manifests::readManifest, Manifests::writeManifest);

    private Manifests() {
    }

    /** Parses and validates a manifest without looking at any file. */
    public static BundleManifest parse(byte[] json, String source) throws InvalidBundleException {
        Decoded<BundleManifest> decoded = CODEC.decode(json);
        if (!decoded.isOk()) {
            throw new InvalidBundleException(source, List.of(decoded.error().describe()));
        }
        BundleManifest manifest = decoded.value();
        List<String> problems = manifest.problems();
        if (!problems.isEmpty()) {
            throw new InvalidBundleException(source, problems);
        }
        return manifest;
    }

    /** Reads {@code dir/manifest.json}, validates it and verifies the sha256 of every file it lists. */
    public static BundleManifest read(Path dir) throws InvalidBundleException, IOException {
        Path file = dir.resolve(BundleManifest.MANIFEST_FILE);
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidBundleException(dir.toString(), List.of("no " + BundleManifest.MANIFEST_FILE + " in the bundle"));
        }
        BundleManifest manifest = parse(json, file.toString());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> f : manifest.files().entrySet()) {
            Path path = dir.resolve(f.getKey());
            if (!Files.isRegularFile(path)) {
                problems.add("files." + f.getKey() + ": missing from the bundle");
            } else {
                String actual = sha256(path);
                if (!actual.equals(f.getValue())) {
                    problems.add("files." + f.getKey() + ": sha256 is " + actual + " but the manifest says " + f.getValue());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidBundleException(dir.toString(), problems);
        }
        return manifest;
    }

    /** Writes {@code dir/manifest.json}, pretty-printed; refuses an invalid manifest. */
    public static Path write(Path dir, BundleManifest manifest) throws IOException {
        List<String> problems = manifest.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("refusing to write an invalid manifest: " + String.join("; ", problems));
        }
        Files.createDirectories(dir);
        return Files.write(dir.resolve(BundleManifest.MANIFEST_FILE), CODEC.encode(manifest));
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(sha256Digest().digest(content));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static BundleManifest readManifest(JsonFields in) {
        int formatVersion = (int) in.integer("formatVersion", 1, Integer.MAX_VALUE);
        String name = in.string("name");
        String architecture = in.name("architecture", 64);
        Map<String, Object> hyper = new TreeMap<>();
        if (in.has("hyperParameters")) {
            JsonFields h = in.object("hyperParameters");
            for (String key : h.names()) {
                JsonNode v = h.required(key);
                if (v.isIntegralNumber() && v.canConvertToLong()) {
                    hyper.put(key, v.longValue());
                } else if (v.isNumber()) {
                    hyper.put(key, JsonFields.finiteValue(h.at(key), v));
                } else if (v.isTextual()) {
                    hyper.put(key, v.textValue());
                } else if (v.isBoolean()) {
                    hyper.put(key, v.booleanValue());
                } else {
                    throw fail(h.at(key), v, "expected a number, string or boolean");
                }
            }
        }
        JsonNode specNode = in.required("featureSpec");
        Decoded<FeatureSpec> spec = Codecs.FEATURE_SPEC.decode(specNode.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!spec.isOk()) {
            throw fail(in.at("featureSpec") + "." + spec.error().field(), spec.error().value(), spec.error().reason());
        }
        List<String> targets = in.nameArray("targets", 1, FeatureSpec.MAX_FEATURES, FeatureSpec.MAX_NAME_CHARS);
        int horizon = (int) in.integer("horizon", 1, BundleManifest.MAX_HORIZON);
        double[] quantiles = in.has("quantiles") ? in.finiteArray("quantiles", 0, 99) : new double[0];
        JsonFields norm = in.object("normalisation");
        double[] mean = norm.finiteArray("mean", 1, FeatureSpec.MAX_FEATURES);
        double[] std = norm.finiteArray("std", 1, FeatureSpec.MAX_FEATURES);
        List<StateTensor> state = new ArrayList<>();
        List<JsonNode> stateNodes = in.array("state", 0, 1024);
        for (int i = 0; i < stateNodes.size(); i++) {
            JsonFields t = JsonFields.of(stateNodes.get(i), in.at("state") + "[" + i + "]");
            String kindText = t.string("kind");
            StateTensor.Kind kind;
            try {
                kind = StateTensor.Kind.valueOf(kindText.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw fail(t.at("kind"), kindText, "expected carry or window");
            }
            List<JsonNode> dims = t.array("shape", 1, 8);
            int[] shape = new int[dims.size()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = (int) JsonFields.integerValue(t.at("shape") + "[" + d + "]", dims.get(d), 1, 1 << 24);
            }
            int length = kind == StateTensor.Kind.WINDOW ? (int) t.integer("length", 1, 1 << 20) : 0;
            state.add(new StateTensor(t.name("name", 64), kind, length, shape));
        }
        int warmUp = (int) in.integer("warmUpSteps", 0, Integer.MAX_VALUE);
        JsonFields data = in.object("trainingData");
        var trainingData = new BundleManifest.TrainingData(data.name("source", 1024),
                data.timestamp("from"), data.timestamp("to"), data.integer("rows", 0, Long.MAX_VALUE));
        Map<String, Double> metrics = in.has("metrics") ? in.finiteMap("metrics", 0, 1024, 128) : Map.of();
        long parameterCount = in.integer("parameterCount", 0, Long.MAX_VALUE);
        int opset = (int) in.integer("opset", 1, 1000);
        Map<String, String> files = new LinkedHashMap<>();
        JsonFields fileTable = in.object("files");
        for (String file : fileTable.names()) {
            files.put(file, fileTable.string(file));
        }
        String trainerVersion = in.name("trainerVersion", 128);
        String sourceRevision = in.optionalString("sourceRevision");
        BundleManifest manifest = new BundleManifest(formatVersion, name, architecture, hyper, spec.value(), targets,
                horizon, quantiles, mean, std, state, warmUp, trainingData, metrics, parameterCount, opset, files,
                trainerVersion, sourceRevision);
        if (in.has("stateBytesPerEntity")) {
            long declared = in.integer("stateBytesPerEntity", 0, Long.MAX_VALUE);
            if (declared != manifest.stateBytesPerEntity()) {
                throw fail(in.at("stateBytesPerEntity"), declared,
                        "does not match the state spec (" + manifest.stateBytesPerEntity() + " bytes)");
            }
        }
        return manifest;
    }

    private static void writeManifest(JsonGenerator out, BundleManifest m) throws IOException {
        out.useDefaultPrettyPrinter();
        out.writeStartObject();
        out.writeNumberField("formatVersion", m.formatVersion());
        out.writeStringField("name", m.name());
        out.writeStringField("architecture", m.architecture());
        out.writeObjectFieldStart("hyperParameters");
        for (Map.Entry<String, Object> p : new TreeMap<>(m.hyperParameters()).entrySet()) {
            out.writeFieldName(p.getKey());
            out.writeObject(p.getValue());
        }
        out.writeEndObject();
        out.writeFieldName("featureSpec");
        Codecs.writeFeatureSpecTo(out, m.featureSpec());
        out.writeArrayFieldStart("targets");
        for (String target : m.targets()) {
            out.writeString(target);
        }
        out.writeEndArray();
        out.writeNumberField("horizon", m.horizon());
        out.writeFieldName("quantiles");
        out.writeArray(m.quantiles(), 0, m.quantiles().length);
        out.writeObjectFieldStart("normalisation");
        out.writeFieldName("mean");
        out.writeArray(m.mean(), 0, m.mean().length);
        out.writeFieldName("std");
        out.writeArray(m.std(), 0, m.std().length);
        out.writeEndObject();
        out.writeArrayFieldStart("state");
        for (StateTensor t : m.state()) {
            out.writeStartObject();
            out.writeStringField("name", t.name());
            out.writeStringField("kind", t.kind().name().toLowerCase(java.util.Locale.ROOT));
            if (t.kind() == StateTensor.Kind.WINDOW) {
                out.writeNumberField("length", t.length());
            }
            out.writeFieldName("shape");
            out.writeArray(t.shape(), 0, t.shape().length);
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeNumberField("stateBytesPerEntity", m.stateBytesPerEntity());
        out.writeNumberField("warmUpSteps", m.warmUpSteps());
        out.writeObjectFieldStart("trainingData");
        out.writeStringField("source", m.trainingData().source());
        out.writeNumberField("from", m.trainingData().from());
        out.writeNumberField("to", m.trainingData().to());
        out.writeNumberField("rows", m.trainingData().rows());
        out.writeEndObject();
        out.writeObjectFieldStart("metrics");
        for (Map.Entry<String, Double> metric : new TreeMap<>(m.metrics()).entrySet()) {
            out.writeNumberField(metric.getKey(), metric.getValue());
        }
        out.writeEndObject();
        out.writeNumberField("parameterCount", m.parameterCount());
        out.writeNumberField("opset", m.opset());
        out.writeObjectFieldStart("files");
        for (Map.Entry<String, String> f : new TreeMap<>(m.files()).entrySet()) {
            out.writeStringField(f.getKey(), f.getValue());
        }
        out.writeEndObject();
        out.writeStringField("trainerVersion", m.trainerVersion());
        if (m.sourceRevision() != null) {
            out.writeStringField("sourceRevision", m.sourceRevision());
        }
        out.writeEndObject();
    }
}
