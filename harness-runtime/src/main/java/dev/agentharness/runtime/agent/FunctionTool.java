package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.model.ToolSpec;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A tool the model can call, whose body runs inside the harness (trusted code only: model-generated
 * code belongs in the sandbox).
 *
 * @param parameters the JSON schema of the arguments object
 * @param strict     whether the Responses API enforces {@code parameters} exactly
 * @param effects    whether a resumed run may execute an interrupted call of it again; {@link SideEffects#EXTERNAL}
 *                   (never) unless the tool declares otherwise
 */
public record FunctionTool(String name, String description, ObjectNode parameters, boolean strict, ToolInvoker invoker,
                           SideEffects effects) {

    public FunctionTool(String name, String description, ObjectNode parameters, boolean strict, ToolInvoker invoker) {
        this(name, description, parameters, strict, invoker, SideEffects.EXTERNAL);
    }

    public FunctionTool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(invoker, "invoker");
        Objects.requireNonNull(effects, "effects");
    }

    /** The same tool declaring what a repeated call would do. */
    public FunctionTool withEffects(SideEffects declared) {
        return new FunctionTool(name, description, parameters, strict, invoker, declared);
    }

    /**
     * A strict tool whose arguments are the record {@code argsType}: the schema comes from
     * {@link StrictSchemas#forRecord}, and raw arguments are parsed with {@link ToolJson#MAPPER}.
     */
    public static <A extends Record> FunctionTool of(String name, String description, Class<A> argsType, ToolBody<A> body) {
        ObjectNode schema = StrictSchemas.forRecord(argsType);
        ToolInvoker invoker = (context, argumentsJson) -> render(body.call(context, parse(argsType, argumentsJson)));
        return new FunctionTool(name, description, schema, true, invoker);
    }

    /** How the tool is announced to the model. */
    public ToolSpec spec() {
        return new ToolSpec(name, description, parameters.deepCopy(), strict);
    }

    static <A extends Record> A parse(Class<A> argsType, String argumentsJson) throws ToolArgumentsException {
        // The SDK treats an empty argument string as "no arguments".
        String json = argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson;
        A arguments;
        try {
            JsonNode tree = ToolJson.MAPPER.readTree(json);
            if (tree == null || !tree.isObject()) {
                throw new ToolArgumentsException("arguments must be a JSON object", null);
            }
            arguments = ToolJson.MAPPER.treeToValue(tree, argsType);
        } catch (JacksonException e) {
            throw new ToolArgumentsException(e.getOriginalMessage(), e);
        }
        requireNonNullComponents(argsType, arguments);
        return arguments;
    }

    /** A component of an arguments record that must be present, and its accessor. */
    private record RequiredComponent(String name, java.lang.reflect.Method accessor) {
    }

    /**
     * The required components of each arguments record, looked up once per type: a fresh
     * {@code getRecordComponents()} per call also meant a fresh reflective accessor per call.
     */
    private static final ClassValue<List<RequiredComponent>> REQUIRED = new ClassValue<>() {
        @Override
        protected List<RequiredComponent> computeValue(Class<?> type) {
            List<RequiredComponent> required = new ArrayList<>();
            for (RecordComponent component : type.getRecordComponents()) {
                if (!component.getType().isPrimitive() && !component.isAnnotationPresent(Nullable.class)) {
                    java.lang.reflect.Method accessor = component.getAccessor();
                    accessor.setAccessible(true);
                    required.add(new RequiredComponent(component.getName(), accessor));
                }
            }
            return List.copyOf(required);
        }
    };

    /** Jackson leaves a missing key as null; strict schemas make every non-@Nullable key mandatory. */
    private static void requireNonNullComponents(Class<?> argsType, Object arguments) throws ToolArgumentsException {
        for (RequiredComponent component : REQUIRED.get(argsType)) {
            Object value;
            try {
                value = component.accessor().invoke(arguments);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component.name() + " of " + argsType, e);
            }
            if (value == null) {
                throw new ToolArgumentsException(
                        "missing required argument '" + ToolJson.propertyName(component.name()) + "'", null);
            }
        }
    }

    private static String render(Object result) throws JacksonException {
        if (result == null) {
            return "";
        }
        if (result instanceof String text) {
            return text;
        }
        return ToolJson.MAPPER.writeValueAsString(result);
    }
}
