package dev.streamcast.contracts.topics;

import java.util.List;

/**
 * Every topic streamcast reads or writes. Keys are the entity id (UTF-8) on data topics,
 * the spec id on {@code feature-specs} and the model name on {@code model-events}.
 */
public final class Topics {

    public static final TopicSpec SENSOR_READINGS = new TopicSpec("sensor-readings", 4, false,
            "SensorReading: {ts, values{channel: number}}");
    public static final TopicSpec TEXT_EVENTS = new TopicSpec("text-events", 4, false,
            "TextEvent: {ts, text, source?}");
    public static final TopicSpec FEATURES = new TopicSpec("features", 4, false,
            "FeatureVector: {specId, windowStart, windowEnd, values[], observed[]}");
    public static final TopicSpec FEATURE_SPECS = new TopicSpec("feature-specs", 1, true,
            "FeatureSpec: {id, stepMillis, names[]}, keyed by spec id");
    public static final TopicSpec FORECASTS = new TopicSpec("forecasts", 4, false,
            "Forecast: {origin, model, specId, targets[], quantileLevels[], steps[]}");
    public static final TopicSpec FORECASTS_SHADOW = new TopicSpec("forecasts-shadow", 4, false,
            "Forecast, by the shadow (challenger) model on the same inputs, for live comparison before promotion");
    public static final TopicSpec MODEL_EVENTS = new TopicSpec("model-events", 1, true,
            "ModelEvent: {type, model, version, alias?, previousVersion?, sha256?, at, aliases{}}, keyed by model name");
    public static final TopicSpec INGEST_DLQ = new TopicSpec("ingest-dlq", 1, false,
            "the original bytes, with headers " + DlqHeaders.ALL);
    public static final TopicSpec FORECASTER_DLQ = new TopicSpec("forecaster-dlq", 1, false,
            "feature vectors the forecaster refused (unknown or mismatched spec, malformed): original bytes, with headers "
                    + DlqHeaders.ALL);

    public static final List<TopicSpec> ALL = List.of(
            SENSOR_READINGS, TEXT_EVENTS, FEATURES, FEATURE_SPECS, FORECASTS, FORECASTS_SHADOW, MODEL_EVENTS, INGEST_DLQ,
            FORECASTER_DLQ);

    private Topics() {
    }
}
