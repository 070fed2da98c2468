package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Strict JSON schemas for tool arguments, generated from Java records with the rules of the Agents
 * SDK's {@code ensure_strict_json_schema}: every object has {@code additionalProperties:false}, every
 * property is required, and an optional ({@link Nullable}) component becomes nullable
 * ({@code "type":[T,"null"]} for scalars, {@code anyOf:[T,{"type":"null"}]} otherwise).
 *
 * <p>A small hand-written generator rather than victools' jsonschema-generator: the record subset we
 * support is tiny, and owning it keeps the output exact (no {@code $defs}, no {@code $schema}) and in
 * lockstep with {@link ToolJson}'s property naming.
 *
 * <p>Supported component types: String, boolean/Boolean, integral and floating numbers (primitive,
 * boxed, BigInteger, BigDecimal), enums (string enum of constant names), nested records (inlined),
 * {@code List/Set/Collection<T>} and arrays. Maps and {@code Optional} are rejected: strict mode
 * cannot express free-form maps, and optionality is spelled {@link Nullable}.
 */
public final class StrictSchemas {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private StrictSchemas() {
    }

    /** The strict object schema for a record's components. */
    public static ObjectNode forRecord(Class<?> recordType) {
        if (!recordType.isRecord()) {
            throw new IllegalArgumentException(recordType.getName() + " is not a record");
        }
        return objectSchema(recordType, new HashSet<>());
    }

    /** {@code {"type":"object","properties":{},"required":[],"additionalProperties":false}} — handoff tools take no arguments. */
    public static ObjectNode emptyObject() {
        ObjectNode schema = JSON.objectNode();
        schema.put("type", "object");
        schema.putObject("properties");
        schema.putArray("required");
        schema.put("additionalProperties", false);
        return schema;
    }

    private static ObjectNode objectSchema(Class<?> recordType, Set<Class<?>> enclosing) {
        if (!enclosing.add(recordType)) {
            throw new IllegalArgumentException("recursive record type " + recordType.getName()
                    + " cannot be inlined into a strict schema");
        }
        ObjectNode schema = JSON.objectNode();
        schema.put("type", "object");
        Description typeDescription = recordType.getAnnotation(Description.class);
        if (typeDescription != null) {
            schema.put("description", typeDescription.value());
        }
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (RecordComponent component : recordType.getRecordComponents()) {
            String name = ToolJson.propertyName(component.getName());
            properties.set(name, componentSchema(recordType, component, enclosing));
            required.add(name);
        }
        schema.put("additionalProperties", false);
        enclosing.remove(recordType);
        return schema;
    }

    private static ObjectNode componentSchema(Class<?> owner, RecordComponent component, Set<Class<?>> enclosing) {
        String where = owner.getSimpleName() + "." + component.getName();
        boolean nullable = component.isAnnotationPresent(Nullable.class);
        if (nullable && component.getType().isPrimitive()) {
            throw new IllegalArgumentException(where + ": a primitive cannot be @Nullable; use the boxed type");
        }
        ObjectNode schema = typeSchema(component.getGenericType(), where, enclosing);
        if (nullable) {
            schema = makeNullable(schema);
        }
        Description description = component.getAnnotation(Description.class);
        if (description != null) {
            schema.put("description", description.value());
        }
        return schema;
    }

    private static ObjectNode makeNullable(ObjectNode schema) {
        boolean scalar = schema.size() == 1 && schema.path("type").isTextual();
        if (scalar) {
            ObjectNode nullableScalar = JSON.objectNode();
            nullableScalar.putArray("type").add(schema.get("type").asText()).add("null");
            return nullableScalar;
        }
        ObjectNode anyOf = JSON.objectNode();
        anyOf.putArray("anyOf").add(schema).add(JSON.objectNode().put("type", "null"));
        return anyOf;
    }

    private static ObjectNode typeSchema(Type type, String where, Set<Class<?>> enclosing) {
        if (type instanceof ParameterizedType parameterized && parameterized.getRawType() instanceof Class<?> raw) {
            if (Collection.class.isAssignableFrom(raw)) {
                return arraySchema(typeSchema(parameterized.getActualTypeArguments()[0], where, enclosing));
            }
            throw unsupported(where, type);
        }
        if (type instanceof GenericArrayType array) {
            return arraySchema(typeSchema(array.getGenericComponentType(), where, enclosing));
        }
        if (!(type instanceof Class<?> cls)) {
            throw unsupported(where, type);
        }
        if (cls.isArray()) {
            return arraySchema(typeSchema(cls.getComponentType(), where, enclosing));
        }
        if (cls == String.class) {
            return scalar("string");
        }
        if (cls == boolean.class || cls == Boolean.class) {
            return scalar("boolean");
        }
        if (cls == int.class || cls == Integer.class || cls == long.class || cls == Long.class
                || cls == short.class || cls == Short.class || cls == byte.class || cls == Byte.class
                || cls == BigInteger.class) {
            return scalar("integer");
        }
        if (cls == double.class || cls == Double.class || cls == float.class || cls == Float.class
                || cls == BigDecimal.class) {
            return scalar("number");
        }
        if (cls.isEnum()) {
            ObjectNode schema = scalar("string");
            ArrayNode values = schema.putArray("enum");
            for (Object constant : cls.getEnumConstants()) {
                values.add(((Enum<?>) constant).name());
            }
            return schema;
        }
        if (cls.isRecord()) {
            return objectSchema(cls, enclosing);
        }
        throw unsupported(where, type);
    }

    private static ObjectNode scalar(String jsonType) {
        return JSON.objectNode().put("type", jsonType);
    }

    private static ObjectNode arraySchema(ObjectNode items) {
        ObjectNode schema = scalar("array");
        schema.set("items", items);
        return schema;
    }

    private static IllegalArgumentException unsupported(String where, Type type) {
        return new IllegalArgumentException(where + ": type " + type.getTypeName()
                + " is not supported in a strict tool schema (use String, numbers, booleans, enums, records, List<T>;"
                + " optional values are @Nullable)");
    }
}
