package dev.streamcast.registry.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.json.JsonFields;
import dev.streamcast.contracts.json.Json;
import dev.streamcast.contracts.json.RecordCodec;
import dev.streamcast.contracts.records.ModelNames;
import dev.streamcast.registry.model.Names;
import dev.streamcast.registry.model.TrainingRun;
import dev.streamcast.registry.model.TrainingRun.State;
import dev.streamcast.registry.model.TrainingRun.Trigger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static dev.streamcast.contracts.json.JsonFields.fail;

/**
 * The run document of the REST API, read and written in one place. A report (the body of
 * {@code PUT /api/models/{name}/runs/{id}}) is read through {@link JsonFields}, so a bad field is refused
 * naming the field, the value and the rule; the answer adds {@code model}, {@code id} and
 * {@code updatedAt}. Times go out as ISO-8601 ({@code 2026-12-05T10:00:00Z}) and come in as ISO-8601 or
 * epoch milliseconds.
 */
final class TrainingRunJson {

    /** A report is a few KiB at most: its longest fields are 1000, 1000 and 2000 characters. */
    static final int MAX_REPORT_BYTES = 64 * 1024;

    static final RecordCodec<TrainingRun> REPORT = new RecordCodec<>("training run", TrainingRunJson::read,
            TrainingRunJson::write);

    private TrainingRunJson() {
    }

    /** Runs as a JSON array, in the order given. */
    static byte[] list(List<TrainingRun> runs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + 512 * runs.size());
        try (JsonGenerator out = Json.MAPPER.getFactory().createGenerator(bytes)) {
            out.writeStartArray();
            for (TrainingRun run : runs) {
                write(out, run);
            }
            out.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode training runs", e);
        }
        return bytes.toByteArray();
    }

    /** A report without its key: the model and the id come from the path, {@code updatedAt} from the store. */
    private static TrainingRun read(JsonFields in) {
        Trigger trigger = tag(in, "trigger", Trigger.values());
        State state = tag(in, "state", State.values());
        String reason = text(in, "reason", TrainingRun.MAX_REASON);
        String progress = text(in, "progress", TrainingRun.MAX_PROGRESS);
        String outcome = text(in, "outcome", TrainingRun.MAX_OUTCOME);
        long startedAt = in.timestamp("startedAt");
        Long endedAt = in.has("endedAt") ? in.timestamp("endedAt") : null;
        if (endedAt != null && endedAt < startedAt) {
            throw fail(in.at("endedAt"), in.required("endedAt"), "is before startedAt " + Instant.ofEpochMilli(startedAt));
        }
        String winner = in.has("winner") ? in.name("winner", TrainingRun.MAX_WINNER) : null;
        Long version = in.has("version") ? in.integer("version", 1, Integer.MAX_VALUE) : null;
        String alias = in.has("alias") ? alias(in) : null;
        return new TrainingRun(null, 0, trigger, state, reason, progress, outcome, startedAt, endedAt, winner, version,
                alias, 0);
    }

    private static void write(JsonGenerator out, TrainingRun run) throws IOException {
        out.writeStartObject();
        out.writeStringField("model", run.model());
        out.writeNumberField("id", run.id());
        out.writeStringField("trigger", run.trigger().tag());
        out.writeStringField("state", run.state().tag());
        out.writeStringField("reason", run.reason());
        out.writeStringField("progress", run.progress());
        out.writeStringField("outcome", run.outcome());
        out.writeStringField("startedAt", Instant.ofEpochMilli(run.startedAt()).toString());
        writeNullable(out, "endedAt", run.endedAt() == null ? null : Instant.ofEpochMilli(run.endedAt()).toString());
        writeNullable(out, "winner", run.winner());
        if (run.version() == null) {
            out.writeNullField("version");
        } else {
            out.writeNumberField("version", run.version());
        }
        writeNullable(out, "alias", run.alias());
        out.writeStringField("updatedAt", Instant.ofEpochMilli(run.updatedAt()).toString());
        out.writeEndObject();
    }

    private static void writeNullable(JsonGenerator out, String field, String value) throws IOException {
        if (value == null) {
            out.writeNullField(field);
        } else {
            out.writeStringField(field, value);
        }
    }

    private static <E extends Enum<E>> E tag(JsonFields in, String field, E[] values) {
        String text = in.string(field);
        for (E value : values) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        throw fail(in.at(field), in.required(field), "expected one of "
                + String.join(", ", Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList()));
    }

    /**
     * Free text, at most {@code maxChars}; missing or null is empty. Lines and tabs are kept; other control
     * characters are refused (PostgreSQL stores no NUL, and a database error would be a 503 that clients retry).
     */
    private static String text(JsonFields in, String field, int maxChars) {
        String text = in.optionalString(field);
        if (text == null) {
            return "";
        }
        if (text.length() > maxChars) {
            throw fail(in.at(field), "a string of " + text.length() + " characters", "longer than " + maxChars
                    + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                throw fail(in.at(field), in.required(field), "contains a control character at index " + i);
            }
        }
        return text;
    }

    /** As {@link Names#alias}: a safe name that is neither a number nor {@code latest}. */
    private static String alias(JsonFields in) {
        JsonNode node = in.required("alias");
        String alias = in.string("alias");
        if (!ModelNames.isName(alias)) {
            throw fail(in.at("alias"), node, "expected a safe name " + ModelNames.NAME.pattern() + " without '..'");
        }
        if (alias.matches("[0-9]+") || alias.equals(Names.LATEST)) {
            throw fail(in.at("alias"), node, "is reserved: a number names a version and 'latest' the newest live version");
        }
        return alias;
    }
}
