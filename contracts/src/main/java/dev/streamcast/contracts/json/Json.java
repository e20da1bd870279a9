package dev.streamcast.contracts.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON setup of streamcast. Every record on every topic and every manifest is read
 * through {@link #MAPPER}, so hostile input meets the same limits everywhere:
 * <ul>
 *   <li>nesting deeper than {@value #MAX_NESTING_DEPTH} levels,</li>
 *   <li>strings longer than {@value #MAX_STRING_CHARS} characters,</li>
 *   <li>number literals longer than {@value #MAX_NUMBER_CHARS} characters,</li>
 *   <li>documents larger than {@value #MAX_DOCUMENT_BYTES} bytes,</li>
 *   <li>duplicate field names, trailing tokens after the document and invalid UTF-8</li>
 * </ul>
 * are rejected. {@code NaN} and {@code Infinity} literals are parsed, so that the field
 * readers can name them as non-finite values (which they always refuse). Unknown fields are
 * ignored: producers may add fields without breaking older consumers.
 */
public final class Json {

    public static final int MAX_NESTING_DEPTH = 32;
    public static final int MAX_STRING_CHARS = 1 << 20;
    public static final int MAX_NUMBER_CHARS = 100;
    public static final long MAX_DOCUMENT_BYTES = 16L << 20;

    public static final ObjectMapper MAPPER = JsonMapper.builder(
                    JsonFactory.builder()
                            .streamReadConstraints(StreamReadConstraints.builder()
                                    .maxNestingDepth(MAX_NESTING_DEPTH)
                                    .maxStringLength(MAX_STRING_CHARS)
                                    .maxNumberLength(MAX_NUMBER_CHARS)
                                    .maxDocumentLength(MAX_DOCUMENT_BYTES)
                                    .build())
                            // error messages must not echo the payload back into logs and headers
                            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                            // exact (correctly rounded) and several times faster than the JDK's, on the hot paths
                            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                            .build())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // trailing data is checked by RecordCodec, which also reads values mid-document
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Json() {
    }
}
