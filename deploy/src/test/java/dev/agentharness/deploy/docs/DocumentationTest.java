package dev.agentharness.deploy.docs;

import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README a newcomer reads, and the documents it leads to: the first screen says what Agent Harness is, the two
 * commands and where to go next; every link of the README, AGENTS.md and docs/ resolves inside the repository, to a
 * file that exists and a heading that exists (GitHub's anchors); docs/README.md lists every document.
 */
class DocumentationTest {

    private static final Path ROOT = RepositoryFiles.root();
    /** A Markdown link or image target: ](target) — no spaces, no nested parentheses in ours. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) (.+)$");

    @Test
    void theReadmesFirstScreenSaysWhatItIsTheTwoCommandsAndWhereToGoNext() throws IOException {
        List<String> firstScreen = Files.readAllLines(ROOT.resolve("README.md")).subList(0, 45);
        String text = String.join("\n", firstScreen);
        assertTrue(text.startsWith("# Agent Harness\n"), text);
        assertTrue(text.contains("make demo") && text.contains("make test"), "the two commands on the first screen");
        assertTrue(firstScreen.contains("## The two commands"), "a heading for them");
        assertTrue(firstScreen.contains("## Where next"), "where to go next, on the first screen");
        assertTrue(text.contains("](docs/README.md)"), "the table of contents of docs/ is linked");
        Matcher first = LINK.matcher(text);
        assertTrue(first.find());
        assertTrue(!first.group(1).startsWith("..") && !first.group(1).contains("://"),
                "the README's first link stays in the repository: " + first.group(1));
    }

    @Test
    void agentsMdNamesTheReadmesTwoCommands() throws IOException {
        String agents = Files.readString(ROOT.resolve("AGENTS.md"));
        String rule = agents.substring(agents.indexOf("1. **Two commands"), agents.indexOf("\n2. "));
        assertTrue(rule.contains("`make demo`") && rule.contains("`make test`"), rule);
        assertTrue(rule.indexOf("`make demo`") < rule.indexOf("`make run`") || !rule.contains("`make run`"), rule);
    }

    @Test
    void everyLinkResolvesToAFileAndAHeadingInTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchorsByFile = new HashMap<>();
        for (Path document : documents()) {
            for (String target : links(document)) {
                if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                    continue; // https:, mailto:
                }
                String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : "";
                Path resolved = path.isEmpty() ? document : document.getParent().resolve(path).normalize();
                String where = ROOT.relativize(document) + " → " + target;
                if (!resolved.startsWith(ROOT)) {
                    broken.add(where + " (outside the repository)");
                } else if (!Files.exists(resolved)) {
                    broken.add(where + " (no such file)");
                } else if (!anchor.isEmpty() && resolved.toString().endsWith(".md")
                        && !anchorsByFile.computeIfAbsent(resolved, DocumentationTest::anchors).contains(anchor)) {
                    broken.add(where + " (no such heading)");
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void theTableOfContentsListsEveryDocument() throws IOException {
        Path docs = ROOT.resolve("docs");
        Set<Path> listed = new HashSet<>();
        for (String target : links(docs.resolve("README.md"))) {
            listed.add(docs.resolve(target.replaceFirst("#.*", "")).normalize());
        }
        List<Path> missing;
        try (Stream<Path> files = Files.walk(docs)) {
            missing = files.filter(f -> f.toString().endsWith(".md") && !f.equals(docs.resolve("README.md")))
                    .filter(f -> !listed.contains(f)).sorted().toList();
        }
        assertEquals(List.of(), missing, "documents docs/README.md does not list");
    }

    /** The README, AGENTS.md and every Markdown file under docs/. */
    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("AGENTS.md")));
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    /** Link targets outside fenced code blocks and inline code. */
    private static List<String> links(Path document) throws IOException {
        List<String> targets = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(document)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher link = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (link.find()) {
                targets.add(link.group(1));
            }
        }
        return targets;
    }

    /** The anchors GitHub gives the headings of a Markdown file (a repeated heading gets -1, -2, …). */
    static Set<String> anchors(Path document) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        try {
            for (String line : Files.readAllLines(document)) {
                if (line.startsWith("```")) {
                    fenced = !fenced;
                    continue;
                }
                Matcher heading = HEADING.matcher(line);
                if (fenced || !heading.matches()) {
                    continue;
                }
                String slug = slug(heading.group(2));
                int times = seen.merge(slug, 1, Integer::sum);
                anchors.add(times == 1 ? slug : slug + "-" + (times - 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return anchors;
    }

    /** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, _ and - kept), spaces to dashes. */
    static String slug(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
    }
}
