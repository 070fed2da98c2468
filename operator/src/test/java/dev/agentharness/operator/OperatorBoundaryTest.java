package dev.agentharness.operator;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The operator is a client of the harness API like any other: it shares records (harness-api), never code paths. */
class OperatorBoundaryTest {

    @Test
    void theOperatorReachesTheHarnessOverHttpOnly() {
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.agentharness.runtime..")
                .because("the operator depends on crds and harness-api only; it talks to the harness over HTTP")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.agentharness.operator"));
    }
}
