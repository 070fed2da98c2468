package dev.agentharness.runtime;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.agentharness.runtime.api.ArtifactsResource;
import dev.agentharness.runtime.api.StorageLinksResource;
import dev.agentharness.runtime.model.ResponsesApiClient;
import dev.agentharness.runtime.storage.ArtifactLinks;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package layering of harness-runtime (AGENTS.md, "Architecture"): {@code api} → {@code runs} →
 * {@code agent}/{@code sandbox}/{@code state}/{@code storage} → {@code model}. {@code runs} is where the surfaces
 * meet; the layers below it know neither HTTP nor each other's storage. Every rule fails on a violation in
 * production code (tests are not imported); a rule may name an exception only with the reason next to it.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.agentharness.runtime";

    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
    }

    @Test
    void layersPointOneWay() {
        ArchRule rule = layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("api").definedBy(ROOT + ".api..")
                .layer("cli").definedBy(ROOT + ".cli..")
                .layer("runs").definedBy(ROOT + ".runs..")
                .layer("agent").definedBy(ROOT + ".agent..")
                .layer("sandbox").definedBy(ROOT + ".sandbox..")
                .layer("state").definedBy(ROOT + ".state..")
                .layer("storage").definedBy(ROOT + ".storage..")
                .layer("model").definedBy(ROOT + ".model..")
                .layer("evals").definedBy(ROOT + ".evals..")
                .layer("client").definedBy(ROOT + ".client..")
                .layer("security").definedBy(ROOT + ".security..")
                .layer("observability").definedBy(ROOT + ".observability..")
                .whereLayer("api").mayNotBeAccessedByAnyLayer()
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("runs").mayOnlyBeAccessedByLayers("api")
                // The sandbox offers its tools to the agent loop (FunctionTool); the loop never names the sandbox.
                .whereLayer("agent").mayOnlyBeAccessedByLayers("runs", "sandbox")
                .whereLayer("sandbox").mayOnlyBeAccessedByLayers("runs")
                // cli: `harness migrate` runs the migrations without booting the service.
                .whereLayer("state").mayOnlyBeAccessedByLayers("runs", "cli")
                // Bucket mounts move objects between the store and a sandbox.
                .whereLayer("storage").mayOnlyBeAccessedByLayers("runs", "sandbox")
                // evals: the judge is one model call (evals/ModelJudge); cli builds the judge's model client from the
                // environment (cli/CliJudge) and reads the model configuration --in-process needs.
                .whereLayer("model").mayOnlyBeAccessedByLayers("runs", "agent", "sandbox", "evals", "cli")
                // Graders are declared with agents (inline evaluators) and run after runs; the CLI runs datasets;
                // client/HttpRunTarget is the RunTarget of `eval run`.
                .whereLayer("evals").mayOnlyBeAccessedByLayers("runs", "agent", "cli", "client")
                // The plain HTTP client of the harness API serves the command line only: the harness never calls
                // itself over HTTP.
                .whereLayer("client").mayOnlyBeAccessedByLayers("cli")
                // Links are unsigned in dev mode (no API keys), which storage learns from security's key parser; runs
                // names a namespace's tenant the way security authenticates it (TenantDelegation: ns:<namespace>).
                .whereLayer("security").mayOnlyBeAccessedByLayers("api", "storage", "runs")
                // The run events stream redacts signed links in what it shows exactly as exported spans do.
                .whereLayer("observability").mayOnlyBeAccessedByLayers("runs")
                // Exception: the local artifact store's signed-link endpoint (/storage/...) IS the store served
                // over HTTP (only when no R2/S3 is configured); it has no run or session logic to put in runs.
                .ignoreDependency(belongToAnyOf(StorageLinksResource.class), resideInAPackage(ROOT + ".storage.."))
                // Exception, to be removed: session input uploads and artifact downloads still go from the
                // resource to the artifact index, the run store and the store (next step: a runs/RunArtifacts
                // like RunQueries). Scoped to this one class so that no other resource may follow it.
                .ignoreDependency(belongToAnyOf(ArtifactsResource.class), resideInAnyPackage(ROOT + ".state..", ROOT + ".storage.."));
        rule.check(classes);
    }

    @Test
    void onlyTheApiSpeaksHttp() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".api..", ROOT + ".security..")
                // Exception: in keyless dev mode a local-store link is made absolute against the URL the (loopback)
                // caller used, read from the current Vert.x request; nothing else of HTTP is used there.
                .and().doNotBelongToAnyOf(ArtifactLinks.class)
                // Exception: the model client is an outbound HTTP client (Vert.x's), not an endpoint.
                .and().doNotBelongToAnyOf(ResponsesApiClient.class)
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jboss.resteasy..",
                        "io.vertx.core.http..")
                .because("the domain throws domain exceptions (e.g. runs/RunRejectedException); only api maps "
                        + "them to HTTP statuses, and security filters requests")
                .check(classes);
    }

    @Test
    void theAgentLoopKnowsNoHttpAndNoDatabase() {
        noClasses().that().resideInAPackage(ROOT + ".agent..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx.sqlclient..", "io.vertx.pgclient..",
                        ROOT + ".state..", "jakarta.ws.rs..", "org.jboss.resteasy..", "io.vertx.core.http..",
                        ROOT + ".sandbox..")
                .because("runs feeds the loop its history and tools and records its result")
                .check(classes);
    }

    @Test
    void sandboxAndStorageKnowNoDatabase() {
        noClasses().that().resideInAnyPackage(ROOT + ".sandbox..", ROOT + ".storage..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state..", "io.vertx.sqlclient..",
                        "io.vertx.pgclient..")
                .because("what they need of a run comes through a small interface (sandbox/RunLiveness) "
                        + "that runs implements")
                .check(classes);
    }

    @Test
    void evalsUsesOnlyTheModelAndTheApiRecords() {
        classes().that().resideInAPackage(ROOT + ".evals..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(ROOT + ".evals..", ROOT + ".model..",
                        "dev.agentharness.api..", "java..", "com.fasterxml.jackson..", "com.jayway.jsonpath..", "")
                .because("graders read a run's transcript and nothing else: the same graders serve the golden set "
                        + "over HTTP, inline evaluators in the harness and the nightly job")
                .check(classes);
    }

    @Test
    void theClientIsAPlainHttpClientOfTheApi() {
        classes().that().resideInAPackage(ROOT + ".client..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(ROOT + ".client..", ROOT + ".evals..",
                        "dev.agentharness.api..", "java..", "com.fasterxml.jackson..", "")
                .because("the command line talks to a harness like any client does (java.net.http, the API "
                        + "records): no Quarkus, no database, nothing of the server")
                .check(classes);
    }

    @Test
    void commandsOtherThanServeAndInProcessNeverBootQuarkus() {
        noClasses().that().resideInAPackage(ROOT + ".cli..")
                .and().doNotBelongToAnyOf(dev.agentharness.runtime.cli.HarnessMain.class,
                        dev.agentharness.runtime.cli.HarnessCli.class)
                .and().haveSimpleNameNotStartingWith("InProcessHarness")
                .should().dependOnClassesThat().belongToAnyOf(io.quarkus.runtime.Quarkus.class)
                .because("client commands must not start a database or the run dispatcher (cli/HarnessMain)")
                .check(classes);
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void constructorInjectionOnly() {
        fields().should().notBeAnnotatedWith(jakarta.inject.Inject.class)
                .because("dependencies are constructor parameters: a class is built the same way in a test")
                .check(classes);
    }
}
