package dev.agentharness.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.HarnessCommand;
import dev.agentharness.runtime.testing.HarnessCommand.Result;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The CI gate of docs/evals.md, with the packaged jar as a real process and the FAKE model server: the committed
 * golden set passes every baseline case (exit 0); a deliberately worsened agent (a YAML Maya that skips
 * {@code lookup_account}) makes the runner exit 1 and name the regressed cases, in its output and in junit.xml; bad
 * input — a malformed line, an unknown grader, a baseline naming a missing case — exits 2 naming file, line and field,
 * before a single run reaches the model.
 */
class GoldenSetGateIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MAYA_SET = Path.of("../evals/maya.jsonl");
    private static final Path MAYA_BASELINE = Path.of("../evals/maya.baseline.json");
    /** Baseline cases that need Maya's own lookup: the worsened agent must fail each of them. */
    private static final List<String> NEED_THE_LOOKUP = List.of("tools.lookup-priya-open-ticket",
            "tools.demo-card-declined", "default-account.no-id", "unknown-account.9999",
            "session.follow-up-other-account", "judge.draft-greets-and-signs");
    /** Baseline cases the worsened agent still passes (refusals, billing's own lookup): the gate names only what broke. */
    private static final List<String> UNAFFECTED = List.of("refusal.password", "refusal.api-key",
            "handoff.refund-double-charge", "handoff.invoice-copy");

    private static FakeModelServer model;

    @BeforeAll
    static void fakeModel() {
        model = new FakeModelServer().responder(FakeModelServer.demo()).start(0);
    }

    @AfterAll
    static void stopFakeModel() {
        if (model != null) {
            model.close();
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("OPENAI_API_KEY", "fake-eval-key");
        env.put("OPENAI_BASE_URL", model.baseUrl());
        env.put("MODEL_PRICE_INPUT_PER_MTOK", "0.75");
        env.put("MODEL_PRICE_OUTPUT_PER_MTOK", "4.5");
        env.put("SANDBOX_PROVIDER", "");
        env.put("HARNESS_AGENTS_DIR", "");
        return env;
    }

    private static Result evalRun(Map<String, String> env, Path dataset, Path baseline, Path reports, String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "run", "--in-process", "--dataset", dataset.toString(),
                "--report-dir", reports.toString()));
        if (baseline != null) {
            args.addAll(List.of("--baseline", baseline.toString()));
        }
        args.addAll(List.of(more));
        return HarnessCommand.run(env, args.toArray(String[]::new));
    }

    @Test
    void theGoldenSetPassesEveryBaselineCaseAgainstTheFakeModel(@TempDir Path reports) throws Exception {
        Set<String> baseline = baselineIds(MAYA_BASELINE);

        Result result = evalRun(env(), MAYA_SET, MAYA_BASELINE, reports);

        assertEquals(0, result.exitCode(), result.output());
        JunitCases junit = junit(reports.resolve("junit.xml"));
        assertTrue(junit.all().containsAll(baseline), "every baseline case ran: " + junit.all());
        assertEquals(Set.of(), junit.failed(), result.output());
        assertTrue(baseline.size() >= 25, "the golden set keeps at least 25 passing cases: " + baseline.size());
    }

    @Test
    void aWorsenedAgentRegressesAndTheGateNamesTheCases(@TempDir Path agents, @TempDir Path reports) throws Exception {
        copyResource("/evals/agents/maya-skips-lookup.yaml", agents.resolve("maya-skips-lookup.yaml"));
        Map<String, String> env = env();
        env.put("HARNESS_AGENTS_DIR", agents.toString());

        Result result = evalRun(env, MAYA_SET, MAYA_BASELINE, reports, "--agent", "maya-skips-lookup");

        assertEquals(1, result.exitCode(), result.output());
        JunitCases junit = junit(reports.resolve("junit.xml"));
        for (String regressed : NEED_THE_LOOKUP) {
            assertTrue(junit.failed().contains(regressed), regressed + " regressed: " + junit.failed());
            assertTrue(result.output().contains(regressed), "the output names " + regressed + ":\n" + result.output());
        }
        for (String unaffected : UNAFFECTED) {
            assertFalse(junit.failed().contains(unaffected), unaffected + " still passes: " + junit.failed());
        }
    }

    @Test
    void badInputStopsBeforeAnyRunNamingFileLineAndField(@TempDir Path dir) throws Exception {
        model.clear();
        String good = "{\"id\":\"ok\",\"input\":\"ACME-1001 hello\",\"expect\":{\"status\":\"succeeded\"}}";
        Path malformed = Files.writeString(dir.resolve("malformed.jsonl"),
                "# a comment\n" + good + "\n{\"id\":\"broken\",\"input\":\"x\",\"expect\":{\"status\":\"succeeded\"}\n");
        Path unknownGrader = Files.writeString(dir.resolve("unknown-grader.jsonl"),
                good + "\n{\"id\":\"moody\",\"input\":\"x\",\"expect\":{\"sentiment\":\"positive\"}}\n");
        Path dataset = Files.writeString(dir.resolve("small.jsonl"), good + "\n");
        Path missingCase = Files.writeString(dir.resolve("small.baseline.json"),
                "{\"dataset\":\"small.jsonl\",\"passing\":[\"ok\",\"no-such-case\"]}\n");

        Result broken = evalRun(env(), malformed, null, dir.resolve("r1"));
        Result moody = evalRun(env(), unknownGrader, null, dir.resolve("r2"));
        Result missing = evalRun(env(), dataset, missingCase, dir.resolve("r3"));

        assertEquals(2, broken.exitCode(), broken.output());
        assertTrue(broken.output().contains("malformed.jsonl:3"), "file and line:\n" + broken.output());
        assertEquals(2, moody.exitCode(), moody.output());
        assertTrue(moody.output().contains("unknown-grader.jsonl:2"), "file and line:\n" + moody.output());
        assertTrue(moody.output().contains("expect.sentiment"), "the field:\n" + moody.output());
        assertTrue(moody.output().contains("unknown grader 'sentiment'"), moody.output());
        assertEquals(2, missing.exitCode(), missing.output());
        assertTrue(missing.output().contains("small.baseline.json"), "the file:\n" + missing.output());
        assertTrue(missing.output().contains("passing[1]"), "the field:\n" + missing.output());
        assertTrue(missing.output().contains("no-such-case"), missing.output());
        assertEquals(List.of(), model.requests(), "no run reached the model");
        for (String report : List.of("r1", "r2", "r3")) {
            assertFalse(Files.exists(dir.resolve(report).resolve("junit.xml")), "no report for a run that never ran");
        }
    }

    private static Set<String> baselineIds(Path baseline) throws IOException {
        JsonNode passing = JSON.readTree(baseline.toFile()).path("passing");
        Set<String> ids = new LinkedHashSet<>();
        passing.forEach(id -> ids.add(id.asText()));
        return ids;
    }

    private record JunitCases(Set<String> all, Set<String> failed) {
    }

    /** The test cases of junit.xml by name, and those with a {@code failure} or {@code error} child. */
    private static JunitCases junit(Path file) throws Exception {
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        NodeList cases = document.getElementsByTagName("testcase");
        Set<String> all = new LinkedHashSet<>();
        Set<String> failed = new LinkedHashSet<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element testcase = (Element) cases.item(i);
            all.add(testcase.getAttribute("name"));
            if (testcase.getElementsByTagName("failure").getLength() > 0
                    || testcase.getElementsByTagName("error").getLength() > 0) {
                failed.add(testcase.getAttribute("name"));
            }
        }
        return new JunitCases(all, failed);
    }

    private static void copyResource(String resource, Path target) throws IOException {
        try (InputStream in = Objects.requireNonNull(GoldenSetGateIT.class.getResourceAsStream(resource), resource)) {
            Files.copy(in, target);
        }
    }
}
