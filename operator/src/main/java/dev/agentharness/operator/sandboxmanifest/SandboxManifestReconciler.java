package dev.agentharness.operator.sandboxmanifest;

import dev.agentharness.crds.v1alpha1.ConditionStatus;
import dev.agentharness.crds.v1alpha1.SandboxManifest;
import dev.agentharness.crds.v1alpha1.SandboxManifestStatus;
import dev.agentharness.operator.harness.Redaction;
import dev.agentharness.operator.kube.Conditions;
import dev.agentharness.operator.kube.EventRecorder;
import dev.agentharness.operator.observability.ReconcileMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.Objects;

/**
 * Validates each SandboxManifest with the harness's own validator and reports {@code Ready}
 * ({@code Valid}, or {@code Invalid} with every problem) and the manifest's canonical digest. Nothing
 * outside the cluster is touched: the manifest travels inside each AgentRun's run request.
 */
@ControllerConfiguration(name = SandboxManifestReconciler.NAME)
public class SandboxManifestReconciler implements Reconciler<SandboxManifest> {

    public static final String NAME = "sandboxmanifest";

    private final EventRecorder events;
    private final Clock clock;
    private final ReconcileMetrics metrics;

    @Inject
    public SandboxManifestReconciler(KubernetesClient client, Clock clock, MeterRegistry meters) {
        this(new EventRecorder(client, clock), clock, new ReconcileMetrics(meters, ReconcileMetrics.SANDBOXMANIFEST));
    }

    public SandboxManifestReconciler(EventRecorder events, Clock clock, ReconcileMetrics metrics) {
        this.events = events;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public UpdateControl<SandboxManifest> reconcile(SandboxManifest resource, Context<SandboxManifest> context) {
        return metrics.time(() -> check(resource));
    }

    private UpdateControl<SandboxManifest> check(SandboxManifest resource) {
        PortableManifest checked = PortableManifest.of(resource.getSpec());
        SandboxManifestStatus status = resource.getStatus() == null ? new SandboxManifestStatus() : resource.getStatus();
        String before = status.getDigest() + "|" + status.condition(SandboxManifest.READY).map(c -> c.getStatus() + c.getMessage())
                .orElse("") + "|" + status.getObservedGeneration();
        Long generation = resource.getMetadata().getGeneration();
        String message = checked.valid()
                ? "valid; digest " + checked.digest()
                : Redaction.clean("invalid: " + checked.summary(), null);
        boolean changed = Conditions.set(status.getConditions(), SandboxManifest.READY,
                checked.valid() ? ConditionStatus.TRUE : ConditionStatus.FALSE,
                checked.valid() ? SandboxManifest.VALID : SandboxManifest.INVALID,
                message, generation, clock.instant());
        status.setDigest(checked.digest());
        status.setObservedGeneration(generation);
        resource.setStatus(status);
        String after = status.getDigest() + "|" + status.condition(SandboxManifest.READY).map(c -> c.getStatus() + c.getMessage())
                .orElse("") + "|" + status.getObservedGeneration();
        if (changed || !Objects.equals(before, after)) {
            if (checked.valid()) {
                events.normal(resource, SandboxManifest.VALID, message);
            } else {
                events.warning(resource, SandboxManifest.INVALID, message);
            }
            return UpdateControl.patchStatus(resource);
        }
        return UpdateControl.noUpdate();
    }
}
