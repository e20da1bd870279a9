package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Reads a JSON value into a fabric8 model class and says every way the value does not fit the
 * Kubernetes type, as the API server's strict decoding would:
 * <ul>
 *   <li>a value of the wrong JSON type ({@code replicas: "3"}, {@code value: 8080} for a string): unlike
 *       fabric8's own serialization, nothing is coerced, as Go's decoder coerces nothing;</li>
 *   <li>an unknown field: fabric8 keeps these in {@code additionalProperties} rather than failing, so
 *       the bound object is walked and every non-empty {@code additionalProperties} is reported;</li>
 *   <li>a quantity that is not a Kubernetes quantity ({@code 1GB}), an int-or-string that is neither.</li>
 * </ul>
 * Jackson stops at the first mismatch, so the mismatched value is reported, dropped from a copy of the
 * input and the copy read again, until it binds: every mismatch is reported, not only the first.
 */
final class ModelBinding {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(LogicalType.Textual, config -> config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    /** The API server's quantity grammar: a decimal, then a binary-SI, decimal-SI or exponent suffix. */
    private static final Pattern QUANTITY =
            Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\\d+)?");

    private static final int MAX_MISMATCHES = 100;

    private static final Map<Class<?>, List<BeanPropertyDefinition>> PROPERTIES = new ConcurrentHashMap<>();

    private ModelBinding() {
    }

    /** Adds to {@code errors} every mismatch between {@code value} and {@code type}, with its path below {@code at}. */
    static void check(JsonNode value, Class<?> type, FieldPath at, List<String> errors) {
        JsonNode remaining = value.deepCopy();
        for (int attempt = 0; attempt < MAX_MISMATCHES; attempt++) {
            try {
                Object bound = MAPPER.treeToValue(remaining, type);
                walk(bound, remaining, at, errors);
                return;
            } catch (JsonMappingException e) {
                List<JsonMappingException.Reference> references = e.getPath();
                FieldPath path = at;
                JsonNode found = remaining;
                for (JsonMappingException.Reference reference : references) {
                    if (reference.getFieldName() != null) {
                        path = path.field(reference.getFieldName());
                        found = found == null ? null : found.get(reference.getFieldName());
                    } else {
                        path = path.index(reference.getIndex());
                        found = found == null ? null : found.get(reference.getIndex());
                    }
                }
                errors.add(path.at("expected " + expected(e, found) + ", got " + JsonTypes.describe(found)));
                if (!drop(remaining, references)) {
                    return;
                }
            } catch (JsonProcessingException | IllegalArgumentException e) {
                errors.add(at.at("cannot be read as " + type.getSimpleName() + ": " + e.getMessage()));
                return;
            }
        }
        errors.add(at.at("more than " + MAX_MISMATCHES + " type mismatches; stopped"));
    }

    private static String expected(JsonMappingException e, JsonNode found) {
        Class<?> target = null;
        if (e instanceof MismatchedInputException mismatch) {
            target = mismatch.getTargetType();
        } else if (e instanceof ValueInstantiationException instantiation && instantiation.getType() != null) {
            target = instantiation.getType().getRawClass();
        } else if (e.getCause() instanceof InputCoercionException outOfRange) {
            // a number too large for its Java (and Go) type: int32 for ports and counts, int64 for byte sizes
            target = outOfRange.getTargetType();
        }
        if (target == null) {
            return "a different value (" + e.getOriginalMessage() + ")";
        }
        if (target == Integer.class || target == int.class || target == Short.class || target == short.class) {
            return found != null && found.isIntegralNumber() ? "integer (32-bit)" : "integer";
        }
        if (target == Long.class || target == long.class || target == BigInteger.class) {
            return found != null && found.isIntegralNumber() ? "integer (64-bit)" : "integer";
        }
        if (target == Double.class || target == double.class || target == Float.class || target == float.class
                || target == BigDecimal.class || target == Number.class) {
            return "number";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "boolean";
        }
        if (target == String.class) {
            return "string";
        }
        if (target == IntOrString.class) {
            return "integer or string";
        }
        if (target == Quantity.class) {
            return "quantity";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "array";
        }
        return "object";
    }

    /** Removes the mismatched value (a list element becomes null, so later indices keep their meaning). */
    private static boolean drop(JsonNode root, List<JsonMappingException.Reference> references) {
        if (references.isEmpty()) {
            return false;
        }
        JsonNode parent = root;
        for (JsonMappingException.Reference reference : references.subList(0, references.size() - 1)) {
            parent = reference.getFieldName() != null ? parent.get(reference.getFieldName()) : parent.get(reference.getIndex());
            if (parent == null) {
                return false;
            }
        }
        JsonMappingException.Reference last = references.get(references.size() - 1);
        if (last.getFieldName() != null && parent instanceof ObjectNode object && object.has(last.getFieldName())) {
            object.remove(last.getFieldName());
            return true;
        }
        if (last.getFieldName() == null && parent instanceof ArrayNode array && last.getIndex() >= 0
                && last.getIndex() < array.size() && !array.get(last.getIndex()).isNull()) {
            array.set(last.getIndex(), NullNode.getInstance());
            return true;
        }
        return false;
    }

    private static void walk(Object value, JsonNode node, FieldPath path, List<String> errors) {
        if (value == null) {
            return;
        }
        if (value instanceof Quantity) {
            checkQuantity(node, path, errors);
            return;
        }
        if (value instanceof IntOrString) {
            if (node != null && !(node.isTextual() || node.isInt())) {
                errors.add(path.at("expected integer or string, got " + JsonTypes.describe(node)));
            }
            return;
        }
        if (value instanceof AnyType) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), node == null ? null : node.get(i), path.index(i), errors);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = String.valueOf(entry.getKey());
                walk(entry.getValue(), node == null ? null : node.get(key), path.field(key), errors);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (String unknown : additionalProperties(value)) {
            errors.add(path.field(unknown).at("unknown field"));
        }
        for (BeanPropertyDefinition property : properties(value.getClass())) {
            AnnotatedMember accessor = property.getAccessor();
            walk(accessor.getValue(value), node == null ? null : node.get(property.getName()), path.field(property.getName()),
                    errors);
        }
    }

    private static void checkQuantity(JsonNode node, FieldPath path, List<String> errors) {
        if (node == null || node.isNull()) {
            return;
        }
        boolean valid = node.isTextual() ? QUANTITY.matcher(node.textValue()).matches()
                : node.isNumber() && Double.isFinite(node.doubleValue());
        if (!valid) {
            errors.add(path.at("expected a quantity such as \"500m\", \"1Gi\" or 2, got " + JsonTypes.describe(node)));
        }
    }

    private static Collection<String> additionalProperties(Object model) {
        try {
            Object extra = model.getClass().getMethod("getAdditionalProperties").invoke(model);
            return extra instanceof Map<?, ?> map ? map.keySet().stream().map(String::valueOf).toList() : List.of();
        } catch (NoSuchMethodException e) {
            return List.of();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the additional properties of " + model.getClass().getName(), e);
        }
    }

    /** The properties as Jackson names them in JSON, which is also how the path must name them. */
    private static List<BeanPropertyDefinition> properties(Class<?> type) {
        return PROPERTIES.computeIfAbsent(type, t -> {
            JavaType javaType = MAPPER.constructType(t);
            List<BeanPropertyDefinition> readable = new ArrayList<>();
            for (BeanPropertyDefinition property : MAPPER.getSerializationConfig().introspect(javaType).findProperties()) {
                if (property.getAccessor() != null) {
                    property.getAccessor().fixAccess(true);
                    readable.add(property);
                }
            }
            return readable;
        });
    }
}
