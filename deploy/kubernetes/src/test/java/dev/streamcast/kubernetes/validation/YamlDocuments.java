package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reader of multi-document YAML here, for rendered manifests and for the
 * CustomResourceDefinitions alike. Not {@code contracts}' {@code Json.MAPPER}: its nesting limit
 * (32) is below the depth of Strimzi's {@code Kafka} schema. A duplicate key is refused, as the API
 * server's strict field validation refuses it.
 */
final class YamlDocuments {

    static final YAMLMapper MAPPER = YAMLMapper.builder(YAMLFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private YamlDocuments() {
    }

    /**
     * Every non-empty document, in order; {@code source} names the input in the message of a syntax
     * error ({@code IllegalArgumentException}), beside the line and column.
     */
    static List<JsonNode> read(String yaml, String source) {
        List<JsonNode> documents = new ArrayList<>();
        // a parser rather than readValues(), which would take a document that is a list for a list of documents
        try (JsonParser parser = MAPPER.createParser(yaml)) {
            while (parser.nextToken() != null) {
                JsonNode document = MAPPER.readTree(parser);
                // Jackson reads a document of only comments as the empty string
                boolean empty = document == null || document.isNull() || document.isMissingNode()
                        || (document.isTextual() && document.textValue().isEmpty());
                if (!empty) {
                    documents.add(document);
                }
            }
        } catch (JsonProcessingException e) {
            throw syntaxError(source, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    private static IllegalArgumentException syntaxError(String source, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return new IllegalArgumentException(source + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
                + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
}
