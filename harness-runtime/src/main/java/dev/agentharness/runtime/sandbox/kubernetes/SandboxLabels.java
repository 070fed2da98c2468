package dev.agentharness.runtime.sandbox.kubernetes;

import java.util.Map;
import java.util.regex.Pattern;

/** The labels and annotations that mark a sandbox Pod (and its NetworkPolicy) as the harness's. */
final class SandboxLabels {

    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY_VALUE = "agent-harness";
    static final String COMPONENT = "app.kubernetes.io/component";
    static final String SANDBOX_ID = "agentharness.dev/sandbox-id";
    static final String RUN_ID = "agentharness.dev/run-id";
    /** Annotations: the exact run id (labels are restricted) and when the reaper may take the Pod. */
    static final String RUN_ID_ANNOTATION = "agentharness.dev/run-id";
    static final String EXPIRES_AT = "agentharness.dev/expires-at";

    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    private SandboxLabels() {
    }

    static Map<String, String> of(String sandboxId, String runId) {
        return Map.of(MANAGED_BY, MANAGED_BY_VALUE, COMPONENT, "sandbox", SANDBOX_ID, sandboxId, RUN_ID, labelValue(runId));
    }

    /** Run ids ({@code run_<hex>}) are valid label values; anything else is reduced to one for selection. */
    static String labelValue(String value) {
        if (value.length() <= 63 && LABEL_VALUE.matcher(value).matches()) {
            return value;
        }
        String cleaned = value.replaceAll("[^-A-Za-z0-9_.]", "-");
        cleaned = cleaned.substring(0, Math.min(63, cleaned.length())).replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
        return cleaned;
    }
}
