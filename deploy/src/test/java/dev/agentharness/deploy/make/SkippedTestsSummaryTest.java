package dev.agentharness.deploy.make;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.deploy.testing.RepositoryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The end of {@code make test}: scripts/SkippedTests.java run as make runs it, on Surefire/Failsafe reports. */
class SkippedTestsSummaryTest {

    private static final String PROMTOOL_REPORT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="dev.agentharness.deploy.helm.PromtoolRulesTest" tests="2" skipped="2">
              <testcase name="rules" classname="dev.agentharness.deploy.helm.PromtoolRulesTest" time="0">
                <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: promtool is not at .tools/prometheus/usr/bin/promtool (.ci/run does)
            \tat org.junit.jupiter.api.Assumptions.abort(Assumptions.java:316)
            ]]></skipped>
              </testcase>
              <testcase name="dashboards" classname="dev.agentharness.deploy.helm.PromtoolRulesTest" time="0">
                <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: promtool is not at .tools/prometheus/usr/bin/promtool (.ci/run does)
            ]]></skipped>
              </testcase>
            </testsuite>
            """;
    private static final String STATE_REPORT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="dev.agentharness.runtime.state.PgBouncerIT" tests="2" skipped="1">
              <testcase name="ran" classname="dev.agentharness.runtime.state.PgBouncerIT" time="1"/>
              <testcase name="pooled" classname="dev.agentharness.runtime.state.PgBouncerIT" time="0">
                <skipped message="Debian package(s) missing: pgbouncer — install with 'apt-get install -y postgresql pgbouncer'"/>
              </testcase>
            </testsuite>
            """;

    @Test
    void listsEachSkippedSuiteWithItsReasonAndTheCommandEnablingThem(@TempDir Path root) throws Exception {
        Path since = Files.createFile(root.resolve("since"));
        write(root.resolve("deploy/target/surefire-reports/TEST-dev.agentharness.deploy.helm.PromtoolRulesTest.xml"),
                PROMTOOL_REPORT);
        write(root.resolve("harness-runtime/target/failsafe-reports/TEST-dev.agentharness.runtime.state.PgBouncerIT.xml"),
                STATE_REPORT);
        Path stale = write(root.resolve("demo/target/failsafe-reports/TEST-dev.agentharness.demo.KubectlIT.xml"),
                STATE_REPORT.replace("PgBouncerIT", "KubectlIT").replace("pgbouncer", "kubectl"));
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600))); // an earlier run's

        String output = summary(root, since);

        assertTrue(output.contains("3 test(s) in 2 suite(s) were SKIPPED"), output);
        assertTrue(output.contains("  - promtool is not at .tools/prometheus/usr/bin/promtool (.ci/run does)\n"
                + "      deploy/PromtoolRulesTest (2)\n"), output);
        assertTrue(output.contains("  - Debian package(s) missing: pgbouncer — install with 'apt-get install -y "
                + "postgresql pgbouncer'\n      harness-runtime/PgBouncerIT (1)\n"), output);
        assertTrue(output.contains("sudo scripts/test-tools.sh"), output);
        assertFalse(output.contains("KubectlIT"), "reports older than the run are not counted:\n" + output);
    }

    @Test
    void saysSoWhenNothingWasSkipped(@TempDir Path root) throws Exception {
        Path since = Files.createFile(root.resolve("since"));
        write(root.resolve("harness-runtime/target/surefire-reports/TEST-x.xml"), STATE_REPORT.replaceAll(
                "(?s)<testcase name=\"pooled\".*?</testcase>", ""));
        assertEquals("make test: no test was skipped.", summary(root, since).strip());
    }

    @Test
    void makeTestKeepsTheBuildsExitStatusAndCiInstallsThroughTheSameScript() throws IOException {
        String makefile = Files.readString(RepositoryFiles.resolve("Makefile"));
        assertTrue(makefile.contains("$(MVNW) verify; status=$$?;")
                && makefile.contains("scripts/SkippedTests.java") && makefile.contains("exit $$status"), makefile);
        assertTrue(Files.readString(RepositoryFiles.resolve(".ci/run")).lines().anyMatch("scripts/test-tools.sh"::equals));
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String summary(Path root, Path since) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(),
                RepositoryFiles.resolve("scripts/SkippedTests.java").toString(), since.toString()))
                .directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
