package dev.agentharness.deploy.helm;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Parses rendered objects into fabric8's typed Kubernetes model (the class is chosen by apiVersion + kind) and
 * rejects any field the model does not know.
 *
 * <p>FAIL_ON_UNKNOWN_PROPERTIES alone is not enough: every fabric8 model class has an {@code additionalProperties}
 * map behind {@code @JsonAnySetter} that silently swallows unknown fields. So after parsing, the whole object graph is
 * walked through Jackson's own view of each class (its properties and its any-getter) and every non-empty
 * additionalProperties map is reported with its path — a misspelt {@code replica:} or a field at the wrong level.
 */
public final class TypedKubernetesObjects {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private TypedKubernetesObjects() {
    }

    /** The typed object, or an AssertionError naming the object and every unknown field. */
    public static HasMetadata parse(ObjectNode object) {
        String id = object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
        KubernetesResource parsed;
        try {
            parsed = MAPPER.treeToValue(object, KubernetesResource.class);
        } catch (IOException e) {
            throw new AssertionError(id + " does not parse into the typed model: " + e.getMessage(), e);
        }
        if (parsed instanceof GenericKubernetesResource || !(parsed instanceof HasMetadata typed)) {
            throw new AssertionError(id + " (" + object.path("apiVersion").asText()
                    + ") has no typed model class: unknown apiVersion/kind");
        }
        List<String> unknown = unknownFields(typed);
        if (!unknown.isEmpty()) {
            throw new AssertionError(id + " has fields the Kubernetes model does not know: " + unknown);
        }
        return typed;
    }

    /** Paths of fields that landed in an additionalProperties map anywhere in the object graph. */
    public static List<String> unknownFields(Object root) {
        List<String> problems = new ArrayList<>();
        walk(root, root.getClass().getSimpleName(), problems);
        return problems;
    }

    private static void walk(Object value, String path, List<String> problems) {
        if (value == null) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, problems));
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", problems);
            }
            return;
        }
        String modelPackage = value.getClass().getPackageName();
        if (!modelPackage.startsWith("io.fabric8.kubernetes.api.model")
                && !modelPackage.startsWith("io.fabric8.openshift.api.model.monitoring")) {
            return; // strings, numbers, enums
        }
        JavaType type = MAPPER.constructType(value.getClass());
        BeanDescription description = MAPPER.getSerializationConfig().introspect(type);
        for (BeanPropertyDefinition property : description.findProperties()) {
            AnnotatedMember accessor = property.getAccessor();
            if (accessor != null) {
                walk(accessor.getValue(value), path + "." + property.getName(), problems);
            }
        }
        AnnotatedMember anyGetter = description.findAnyGetter();
        if (anyGetter != null && anyGetter.getValue(value) instanceof Map<?, ?> extra && !extra.isEmpty()) {
            problems.add(path + ": " + extra.keySet());
        }
    }
}
