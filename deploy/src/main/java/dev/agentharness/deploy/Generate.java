package dev.agentharness.deploy;

import dev.agentharness.deploy.aca.ContainerAppYaml;
import dev.agentharness.deploy.aca.NightlyJobYaml;
import dev.agentharness.deploy.argocd.ArgoCdConfigSnippet;
import dev.agentharness.deploy.helm.ChartCrdTemplates;

import java.nio.file.Path;

/**
 * {@code make generate}: rewrites every deploy artifact derived from another file. Tests fail while any of them is
 * stale, naming this command.
 * <ul>
 *   <li>{@code helm/agent-harness/templates/crds/*.yaml} from the CRDs under {@code crds/};</li>
 *   <li>{@code deploy/aca/containerapp.yaml} from the chart's values.yaml and {@code deploy/aca/settings.yaml};</li>
 *   <li>{@code deploy/aca/nightly-job.yaml} (the nightly evaluation as an ACA job) from the chart's values.yaml;</li>
 *   <li>{@code examples/argocd/argocd-cm-patch.yaml} from the Lua files beside it.</li>
 * </ul>
 */
public final class Generate {

    private Generate() {
    }

    public static void main(String... args) {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path chart = root.resolve("helm/agent-harness");
        ChartCrdTemplates.write(root, root.resolve("crds"), chart.resolve("templates/crds"))
                .forEach(p -> System.out.println("updated " + root.relativize(p)));
        if (ContainerAppYaml.write(chart, root.resolve("deploy/aca/settings.yaml"), root.resolve("deploy/aca/containerapp.yaml"))) {
            System.out.println("updated deploy/aca/containerapp.yaml");
        }
        if (NightlyJobYaml.write(chart, root.resolve("deploy/aca/nightly-job.yaml"))) {
            System.out.println("updated deploy/aca/nightly-job.yaml");
        }
        if (ArgoCdConfigSnippet.write(root.resolve("examples/argocd"))) {
            System.out.println("updated examples/argocd/argocd-cm-patch.yaml");
        }
    }
}
