package dev.agentharness.crds.v1alpha1;

/** The three values of a Kubernetes condition's {@code status}. */
public final class ConditionStatus {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    private ConditionStatus() {
    }
}
