package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapping shared by {@link StrictSchemas} and argument parsing, so a schema property
 * name is always the name the parser expects: camelCase record components become snake_case
 * properties ({@code accountId} → {@code account_id}), as tool schemas conventionally are.
 */
public final class ToolJson {

    /** Parses tool arguments strictly: no unknown keys, no "1" for a number, no null for a primitive. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final PropertyNamingStrategies.NamingBase NAMING =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ToolJson() {
    }

    /** The JSON property name for a record component name. */
    public static String propertyName(String componentName) {
        return NAMING.translate(componentName);
    }
}
