package dev.agentharness.deploy.helm;

import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alerts' runbook links resolve: every {@code runbook_url} of the rules points at a heading of
 * docs/observability.md (the chart's default runbookBaseUrl), and every link between docs/runbook.md and
 * docs/observability.md names a heading that exists (GitHub's anchor rules).
 */
class RunbookLinksTest {

    private static final Pattern RULE_ANCHOR = Pattern.compile("runbook_url: \\{\\{ printf \"%s#([^\"]+)\" \\$runbook }}");
    private static final Pattern LINK = Pattern.compile("\\]\\(((?:observability|runbook)\\.md)?#([^)\\s]+)\\)");

    @Test
    void everyAlertsRunbookUrlNamesAHeadingOfTheDefaultRunbookPage() throws IOException {
        String rules = Files.readString(RepositoryFiles.resolve("helm/agent-harness/rules/agent-harness.rules.yaml"));
        String values = Files.readString(RepositoryFiles.resolve("helm/agent-harness/values.yaml"));
        assertTrue(values.contains("runbookBaseUrl: https://github.com/agent-harness/agent-harness/blob/main/docs/observability.md"),
                "the default runbook page is docs/observability.md");
        Set<String> headings = anchors("docs/observability.md");
        List<String> fragments = new ArrayList<>();
        Matcher m = RULE_ANCHOR.matcher(rules);
        while (m.find()) {
            fragments.add(m.group(1));
        }
        assertEquals(ChartMetricsTest.ALERTS.stream().map(a -> "alert-" + a.toLowerCase(Locale.ROOT)).toList(), fragments,
                "one runbook_url per alert, in the alerts' order");
        for (String fragment : fragments) {
            assertTrue(headings.contains(fragment), "docs/observability.md has no heading for #" + fragment);
        }
    }

    @Test
    void linksBetweenTheRunbookAndTheObservabilityGuideResolve() throws IOException {
        for (String page : List.of("docs/runbook.md", "docs/observability.md")) {
            Matcher m = LINK.matcher(withoutCodeBlocks(Files.readString(RepositoryFiles.resolve(page))));
            while (m.find()) {
                String target = m.group(1) == null ? page : "docs/" + m.group(1);
                assertTrue(anchors(target).contains(m.group(2)), page + " links to " + target + "#" + m.group(2)
                        + ", which has no such heading");
            }
        }
        String runbook = Files.readString(RepositoryFiles.resolve("docs/runbook.md"));
        for (String alert : ChartMetricsTest.ALERTS) {
            assertTrue(runbook.contains("`" + alert + "`") && runbook.contains("(observability.md#alert-"
                    + alert.toLowerCase(Locale.ROOT) + ")"), "docs/runbook.md names " + alert + " and links its notes");
        }
    }

    /** GitHub's heading anchors: lower case, punctuation but '-' and '_' dropped, each space a '-'. */
    static Set<String> anchors(String page) throws IOException {
        Set<String> anchors = new LinkedHashSet<>();
        for (String line : withoutCodeBlocks(Files.readString(RepositoryFiles.resolve(page))).split("\n")) {
            if (line.startsWith("#")) {
                String text = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                anchors.add(text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    private static String withoutCodeBlocks(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean inBlock = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.strip().startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
