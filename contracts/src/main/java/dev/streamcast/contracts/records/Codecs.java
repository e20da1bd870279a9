package dev.streamcast.contracts.records;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.streamcast.contracts.json.BinaryCodec;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.json.DecodeError;
import dev.streamcast.contracts.json.Encoding;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.json.JsonFields;
import dev.streamcast.contracts.json.RecordCodec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.streamcast.contracts.json.JsonFields.fail;

/**
 * The JSON form of every record on every topic, one codec per record type. Reading is strict
 * on the fields it knows and ignores the ones it does not (so producers may add fields).
 * Timestamps are written as epoch milliseconds and read as epoch milliseconds or ISO-8601.
 */
public final class Codecs {

    private Codecs() {
    }

    /** Read token by token (the ingest hot path); the same rules and messages as the other codecs. */
    public static final RecordCodec<SensorReading> SENSOR_READING = new RecordCodec<>(
            (out, r) -> {
                out.writeStartObject();
                out.writeNumberField("ts", r.ts());
                out.writeObjectFieldStart("values");
                for (Map.Entry<String, Double> e : r.values().entrySet()) {
                    out.writeNumberField(e.getKey(), e.getValue());
                }
                out.writeEndObject();
                out.writeEndObject();
            },
            "sensor reading", Codecs::readSensorReading);

    public static final RecordCodec<TextEvent> TEXT_EVENT = new RecordCodec<>("text event",
            in -> new TextEvent(in.timestamp("ts"), in.string("text"),
                    in.has("source") ? in.name("source", TextEvent.MAX_SOURCE_CHARS) : null),
            (out, e) -> {
                out.writeStartObject();
                out.writeNumberField("ts", e.ts());
                out.writeStringField("text", e.text());
                if (e.source() != null) {
                    out.writeStringField("source", e.source());
                }
                out.writeEndObject();
            });

    public static final RecordCodec<FeatureSpec> FEATURE_SPEC = new RecordCodec<>("feature spec",
            in -> {
                String id = in.string("id");
                long step = in.integer("stepMillis", 1, Long.MAX_VALUE);
                List<String> names = in.nameArray("names", 1, FeatureSpec.MAX_FEATURES, FeatureSpec.MAX_NAME_CHARS);
                String expected = FeatureSpec.idOf(step, names);
                if (!expected.equals(id)) {
                    throw fail(in.at("id"), id, "does not match the names and step (expected " + expected + ")");
                }
                return new FeatureSpec(id, step, names);
            },
            Codecs::writeFeatureSpecTo);

    public static final RecordCodec<FeatureVector> FEATURE_VECTOR = new RecordCodec<>("feature vector",
            in -> {
                String specId = in.name("specId", FeatureSpec.ID_HEX_CHARS * 4);
                long start = in.timestamp("windowStart");
                long end = in.timestamp("windowEnd");
                if (end <= start) {
                    throw fail(in.at("windowEnd"), end, "must be after windowStart " + start);
                }
                double[] values = in.finiteArray("values", 1, FeatureSpec.MAX_FEATURES);
                List<JsonNode> flags = in.array("observed", values.length, values.length);
                boolean[] observed = new boolean[flags.size()];
                for (int i = 0; i < observed.length; i++) {
                    if (!flags.get(i).isBoolean()) {
                        throw fail(in.at("observed") + "[" + i + "]", flags.get(i), "expected true or false");
                    }
                    observed[i] = flags.get(i).booleanValue();
                }
                return new FeatureVector(specId, start, end, values, observed);
            },
            (out, v) -> {
                out.writeStartObject();
                out.writeStringField("specId", v.specId());
                out.writeNumberField("windowStart", v.windowStart());
                out.writeNumberField("windowEnd", v.windowEnd());
                out.writeFieldName("values");
                out.writeArray(v.values(), 0, v.values().length);
                out.writeArrayFieldStart("observed");
                for (boolean flag : v.observed()) {
                    out.writeBoolean(flag);
                }
                out.writeEndArray();
                out.writeEndObject();
            });

    public static final RecordCodec<Forecast> FORECAST = new RecordCodec<>("forecast", Codecs::readForecast,
            Codecs::writeForecast);

    /**
     * A feature vector in the binary layout: {@code B1 'V'}, spec id (string), window start and
     * end (int64), n (uint32), n values (float64), n observed flags (bits, lowest first).
     */
    public static final BinaryCodec<FeatureVector> FEATURE_VECTOR_BINARY = new BinaryCodec<>("feature vector", 'V',
            in -> {
                String specId = JsonFields.checkName(in.at("specId").field(), in.string(), FeatureSpec.ID_HEX_CHARS * 4);
                long start = binaryTimestamp(in.at("windowStart"));
                long end = binaryTimestamp(in.at("windowEnd"));
                if (end <= start) {
                    throw fail("windowEnd", end, "must be after windowStart " + start);
                }
                int n = in.at("values").count(FeatureSpec.MAX_FEATURES);
                if (n == 0) {
                    throw fail("values", "size 0", "expected between 1 and " + FeatureSpec.MAX_FEATURES + " entries");
                }
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = in.finite();
                }
                boolean[] observed = in.at("observed").flags(n);
                return new FeatureVector(specId, start, end, values, observed);
            },
            (out, v) -> {
                out.string(v.specId()).int64(v.windowStart()).int64(v.windowEnd()).count(v.size());
                for (double value : v.values()) {
                    out.float64(value);
                }
                out.flags(v.observed());
            });

    /**
     * A forecast in the binary layout: {@code B1 'F'}, origin (int64), model and spec id (strings),
     * T targets (uint32, then strings), Q quantile levels (uint32, then float64), H steps (uint32),
     * each its timestamp (int64), T point values and T x Q quantile values (float64, target-major).
     */
    public static final BinaryCodec<Forecast> FORECAST_BINARY = new BinaryCodec<>("forecast", 'F', Codecs::readBinaryForecast,
            Codecs::writeBinaryForecast);

    /** The feature vector codec of {@code encoding}. */
    public static Codec<FeatureVector> featureVectors(Encoding encoding) {
        return encoding == Encoding.BINARY ? FEATURE_VECTOR_BINARY : FEATURE_VECTOR;
    }

    /** The forecast codec of {@code encoding}. */
    public static Codec<Forecast> forecasts(Encoding encoding) {
        return encoding == Encoding.BINARY ? FORECAST_BINARY : FORECAST;
    }

    public static final RecordCodec<ModelEvent> MODEL_EVENT = new RecordCodec<>("model event", Codecs::readModelEvent,
            Codecs::writeModelEvent);

    /** Writes a spec as a JSON object into a larger document (the bundle manifest embeds one). */
    public static void writeFeatureSpecTo(JsonGenerator out, FeatureSpec spec) throws IOException {
        out.writeStartObject();
        out.writeStringField("id", spec.id());
        out.writeNumberField("stepMillis", spec.stepMillis());
        out.writeArrayFieldStart("names");
        for (String name : spec.names()) {
            out.writeString(name);
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    private static SensorReading readSensorReading(JsonParser in) throws IOException {
        // duplicates of the fields read here are detected below; cheaper than the parser's set per object
        in.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        if (in.nextToken() != JsonToken.START_OBJECT) {
            throw fail("$", in.currentToken() == null ? null : in.readValueAsTree(), "expected a JSON object");
        }
        long ts = 0;
        boolean hasTs = false;
        Map<String, Double> values = null;
        java.util.Set<String> unknown = null;
        while (in.nextToken() == JsonToken.FIELD_NAME) {
            String field = in.currentName();
            JsonToken token = in.nextToken();
            if ("ts".equals(field)) {
                if (hasTs) {
                    throw fail("$", null, "malformed JSON: duplicate field 'ts'");
                }
                if (token == JsonToken.VALUE_NULL) {
                    throw fail(DecodeError.Kind.BAD_TIMESTAMP, "ts", null, "is required");
                }
                ts = token == JsonToken.VALUE_NUMBER_INT && in.getNumberType() == JsonParser.NumberType.LONG
                        || token == JsonToken.VALUE_NUMBER_INT && in.getNumberType() == JsonParser.NumberType.INT
                        ? checkedTimestamp(in, in.getLongValue())
                        : JsonFields.timestampValue("ts", in.readValueAsTree());
                hasTs = true;
            } else if ("values".equals(field)) {
                if (values != null) {
                    throw fail("$", null, "malformed JSON: duplicate field 'values'");
                }
                if (token == JsonToken.VALUE_NULL) {
                    throw fail("values", null, "is required");
                }
                if (token != JsonToken.START_OBJECT) {
                    throw fail("values", in.readValueAsTree(), "expected a JSON object");
                }
                values = new SensorReading.Decoding();
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String channel = in.currentName();
                    String path = "values." + channel;
                    JsonFields.checkName(path, channel, SensorReading.MAX_CHANNEL_CHARS);
                    JsonToken value = in.nextToken();
                    if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
                        throw fail(path, value == JsonToken.VALUE_NULL ? null : in.readValueAsTree(), "expected a number");
                    }
                    double v = in.getDoubleValue();
                    if (!Double.isFinite(v)) {
                        throw fail(DecodeError.Kind.NON_FINITE, path, in.getText(), "not a finite number");
                    }
                    if (values.put(channel, v) != null) {
                        throw fail("$", null, "malformed JSON: duplicate field '" + path + "'");
                    }
                    if (values.size() > SensorReading.MAX_CHANNELS) {
                        throw fail("values", "size " + values.size() + "+", "expected between 1 and "
                                + SensorReading.MAX_CHANNELS + " entries");
                    }
                }
                if (values.isEmpty()) {
                    throw fail("values", "size 0", "expected between 1 and " + SensorReading.MAX_CHANNELS + " entries");
                }
            } else {
                if (unknown == null) {
                    unknown = new java.util.HashSet<>();
                }
                if (!unknown.add(field)) {
                    throw fail("$", null, "malformed JSON: duplicate field '" + field + "'");
                }
                in.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                in.readValueAsTree(); // unknown fields are ignored, but parsed: the same limits apply
                in.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            }
        }
        if (in.nextToken() != null) {
            throw fail("$", null, "malformed JSON: trailing data after the document");
        }
        if (!hasTs) {
            throw fail(DecodeError.Kind.BAD_TIMESTAMP, "ts", null, "is required");
        }
        if (values == null) {
            throw fail("values", null, "is required");
        }
        return new SensorReading(ts, values);
    }

    private static long checkedTimestamp(JsonParser in, long millis) throws IOException {
        if (!Timestamps.inRange(millis)) {
            throw fail(DecodeError.Kind.BAD_TIMESTAMP, "ts", in.getText(), "timestamp outside "
                    + java.time.Instant.ofEpochMilli(Timestamps.MIN) + " .. " + java.time.Instant.ofEpochMilli(Timestamps.MAX));
        }
        return millis;
    }

    private static Forecast readForecast(JsonFields in) {
        long origin = in.timestamp("origin");
        String model = in.string("model");
        if (!ModelNames.isVersionRef(model)) {
            throw fail(in.at("model"), model, "expected name@version, e.g. etth1@3");
        }
        String specId = in.name("specId", FeatureSpec.ID_HEX_CHARS * 4);
        List<String> targets = in.nameArray("targets", 1, FeatureSpec.MAX_FEATURES, FeatureSpec.MAX_NAME_CHARS);
        double[] levels = in.has("quantileLevels") ? in.finiteArray("quantileLevels", 0, 99) : new double[0];
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] <= 0 || levels[i] >= 1 || (i > 0 && levels[i] <= levels[i - 1])) {
                throw fail(in.at("quantileLevels") + "[" + i + "]", levels[i], "quantile levels must be ascending within (0, 1)");
            }
        }
        List<JsonNode> stepNodes = in.array("steps", 1, 100_000);
        int h = stepNodes.size();
        int t = targets.size();
        int q = levels.length;
        long[] ts = new long[h];
        double[] points = new double[h * t];
        double[] quantiles = new double[h * t * q];
        java.util.Set<String> names = new java.util.HashSet<>(targets);
        long previousTs = origin;
        for (int s = 0; s < h; s++) {
            JsonFields step = JsonFields.of(stepNodes.get(s), in.at("steps") + "[" + s + "]");
            step.integer("h", s + 1, s + 1);
            ts[s] = step.timestamp("ts");
            if (ts[s] <= previousTs) {
                throw fail(step.at("ts"), ts[s], "must be after the origin and the previous step (" + previousTs + ")");
            }
            previousTs = ts[s];
            Map<String, Double> point = step.finiteMap("point", t, t, FeatureSpec.MAX_NAME_CHARS);
            if (!point.keySet().equals(names)) {
                throw fail(step.at("point"), point.keySet(), "expected exactly the targets " + targets);
            }
            JsonFields levelsByTarget = q > 0 ? step.object("quantiles") : null;
            for (int k = 0; k < t; k++) {
                points[s * t + k] = point.get(targets.get(k));
                if (q > 0) {
                    System.arraycopy(levelsByTarget.finiteArray(targets.get(k), q, q), 0, quantiles, (s * t + k) * q, q);
                }
            }
        }
        return Forecast.of(origin, model, specId, targets, levels, ts, points, quantiles);
    }

    private static long binaryTimestamp(BinaryCodec.In in) {
        long millis = in.int64();
        if (!Timestamps.inRange(millis)) {
            throw fail(DecodeError.Kind.BAD_TIMESTAMP, in.field(), millis, "timestamp outside "
                    + java.time.Instant.ofEpochMilli(Timestamps.MIN) + " .. " + java.time.Instant.ofEpochMilli(Timestamps.MAX));
        }
        return millis;
    }

    private static Forecast readBinaryForecast(BinaryCodec.In in) {
        long origin = binaryTimestamp(in.at("origin"));
        String model = in.at("model").string();
        if (!ModelNames.isVersionRef(model)) {
            throw fail("model", model, "expected name@version, e.g. etth1@3");
        }
        String specId = JsonFields.checkName("specId", in.at("specId").string(), FeatureSpec.ID_HEX_CHARS * 4);
        int t = in.at("targets").count(FeatureSpec.MAX_FEATURES);
        if (t == 0) {
            throw fail("targets", "size 0", "expected at least one target");
        }
        List<String> targets = new ArrayList<>(t);
        for (int k = 0; k < t; k++) {
            targets.add(JsonFields.checkName(in.at("targets[" + k + "]").field(), in.string(), FeatureSpec.MAX_NAME_CHARS));
        }
        if (new java.util.HashSet<>(targets).size() != t) {
            throw fail("targets", targets, "names a target twice");
        }
        int q = in.at("quantileLevels").count(99);
        double[] levels = new double[q];
        for (int i = 0; i < q; i++) {
            levels[i] = in.at("quantileLevels[" + i + "]").finite();
            if (levels[i] <= 0 || levels[i] >= 1 || (i > 0 && levels[i] <= levels[i - 1])) {
                throw fail("quantileLevels[" + i + "]", levels[i], "quantile levels must be ascending within (0, 1)");
            }
        }
        int h = in.at("steps").count(100_000);
        if (h == 0) {
            throw fail("steps", "size 0", "expected between 1 and 100000 entries");
        }
        long[] ts = new long[h];
        double[] points = new double[h * t];
        double[] quantiles = new double[h * t * q];
        long previousTs = origin;
        for (int s = 0; s < h; s++) {
            String at = "steps[" + s + "]";
            ts[s] = binaryTimestamp(in.at(at + ".ts"));
            if (ts[s] <= previousTs) {
                throw fail(at + ".ts", ts[s], "must be after the origin and the previous step (" + previousTs + ")");
            }
            previousTs = ts[s];
            in.at(at + ".point");
            for (int k = 0; k < t; k++) {
                points[s * t + k] = in.finite();
            }
            if (q > 0) {
                in.at(at + ".quantiles");
                for (int i = s * t * q; i < (s + 1) * t * q; i++) {
                    quantiles[i] = in.finite();
                }
            }
        }
        return Forecast.of(origin, model, specId, targets, levels, ts, points, quantiles);
    }

    private static void writeBinaryForecast(BinaryCodec.Out out, Forecast f) {
        out.int64(f.origin()).string(f.model()).string(f.specId()).count(f.targets().size());
        f.targets().forEach(out::string);
        int t = f.targets().size();
        int q = f.quantileLevels().length;
        out.count(q);
        for (double level : f.quantileLevels()) {
            out.float64(level);
        }
        out.count(f.horizon());
        for (int s = 0; s < f.horizon(); s++) {
            out.int64(f.ts(s));
            for (int k = 0; k < t; k++) {
                out.float64(f.point(s, k));
            }
            for (int k = 0; k < t; k++) {
                for (int l = 0; l < q; l++) {
                    out.float64(f.quantile(s, k, l));
                }
            }
        }
    }

    private static void writeForecast(JsonGenerator out, Forecast f) throws IOException {
        int t = f.targets().size();
        int q = f.quantileLevels().length;
        out.writeStartObject();
        out.writeNumberField("origin", f.origin());
        out.writeStringField("model", f.model());
        out.writeStringField("specId", f.specId());
        out.writeArrayFieldStart("targets");
        for (String target : f.targets()) {
            out.writeString(target);
        }
        out.writeEndArray();
        out.writeFieldName("quantileLevels");
        out.writeArray(f.quantileLevels(), 0, q);
        out.writeArrayFieldStart("steps");
        for (int s = 0; s < f.horizon(); s++) {
            out.writeStartObject();
            out.writeNumberField("h", s + 1);
            out.writeNumberField("ts", f.ts(s));
            out.writeObjectFieldStart("point");
            for (int k = 0; k < t; k++) {
                out.writeNumberField(f.targets().get(k), f.point(s, k));
            }
            out.writeEndObject();
            if (q > 0) {
                out.writeObjectFieldStart("quantiles");
                for (int k = 0; k < t; k++) {
                    out.writeArrayFieldStart(f.targets().get(k));
                    for (int l = 0; l < q; l++) {
                        out.writeNumber(f.quantile(s, k, l));
                    }
                    out.writeEndArray();
                }
                out.writeEndObject();
            }
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    private static ModelEvent readModelEvent(JsonFields in) {
        String typeText = in.string("type");
        ModelEvent.Type type;
        try {
            type = ModelEvent.Type.valueOf(typeText);
        } catch (IllegalArgumentException e) {
            throw fail(in.at("type"), typeText, "expected one of " + List.of(ModelEvent.Type.values()));
        }
        String model = in.string("model");
        if (!ModelNames.isName(model)) {
            throw fail(in.at("model"), model, "not a safe model name " + ModelNames.NAME.pattern());
        }
        long version = in.integer("version", 1, Integer.MAX_VALUE);
        String alias = in.optionalString("alias");
        if (alias != null && !ModelNames.isName(alias)) {
            throw fail(in.at("alias"), alias, "not a safe alias name " + ModelNames.NAME.pattern());
        }
        if ((type == ModelEvent.Type.ALIAS_MOVED || type == ModelEvent.Type.ALIAS_REMOVED) && alias == null) {
            throw fail(in.at("alias"), null, "is required for " + type);
        }
        Long previous = in.has("previousVersion") ? in.integer("previousVersion", 1, Integer.MAX_VALUE) : null;
        String sha256 = in.optionalString("sha256");
        if (sha256 != null && !sha256.matches("[0-9a-f]{64}")) {
            throw fail(in.at("sha256"), sha256, "expected 64 lower-case hex digits");
        }
        long at = in.timestamp("at");
        Map<String, Long> aliases = new TreeMap<>();
        if (in.has("aliases")) {
            JsonFields table = in.object("aliases");
            for (String name : table.names()) {
                if (!ModelNames.isName(name)) {
                    throw fail(table.at(name), name, "not a safe alias name " + ModelNames.NAME.pattern());
                }
                aliases.put(name, table.integer(name, 1, Integer.MAX_VALUE));
            }
        }
        return new ModelEvent(type, model, version, alias, previous, sha256, at, aliases);
    }

    private static void writeModelEvent(JsonGenerator out, ModelEvent e) throws IOException {
        out.writeStartObject();
        out.writeStringField("type", e.type().name());
        out.writeStringField("model", e.model());
        out.writeNumberField("version", e.version());
        if (e.alias() != null) {
            out.writeStringField("alias", e.alias());
        }
        if (e.previousVersion() != null) {
            out.writeNumberField("previousVersion", e.previousVersion());
        }
        if (e.sha256() != null) {
            out.writeStringField("sha256", e.sha256());
        }
        out.writeNumberField("at", e.at());
        out.writeObjectFieldStart("aliases");
        for (Map.Entry<String, Long> alias : new TreeMap<>(e.aliases()).entrySet()) {
            out.writeNumberField(alias.getKey(), alias.getValue());
        }
        out.writeEndObject();
        out.writeEndObject();
    }
}
