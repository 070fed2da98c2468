import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The end of {@code make test}: which tests were skipped, why, and the one command that enables them. Reads the
 * Surefire/Failsafe reports ({@code <module>/target/*-reports/TEST-*.xml}) written since {@code args[0]} (a file
 * touched before the build), so reports of earlier runs do not count. Suites skip themselves with a JUnit assumption
 * naming what is missing (e.g. {@code LocalPostgres.assumeInstalled}, {@code Bwrap.assumeInstalled}, {@code KubectlIT},
 * {@code Promtool}); under {@code CI=true} the same checks fail instead. Never changes make's exit status.
 *
 * <p>Run as a single-file program: {@code java scripts/SkippedTests.java <since-file>}.
 */
public class SkippedTests {

    public static void main(String[] args) throws Exception {
        FileTime since = args.length > 0 ? Files.getLastModifiedTime(Path.of(args[0])) : FileTime.fromMillis(0);
        // reason → module/Class → tests skipped
        Map<String, Map<String, Integer>> skipped = new TreeMap<>();
        int total = 0;
        for (Path report : reports(Path.of("."), since)) {
            var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
            NodeList cases = document.getElementsByTagName("testcase");
            String module = report.getParent().getParent().getParent().getFileName().toString();
            for (int i = 0; i < cases.getLength(); i++) {
                Element testcase = (Element) cases.item(i);
                NodeList skips = testcase.getElementsByTagName("skipped");
                if (skips.getLength() == 0) {
                    continue;
                }
                Element skip = (Element) skips.item(0);
                // The message attribute, or (a class-level abort) the first line of the recorded exception.
                String message = skip.getAttribute("message").strip();
                if (message.isEmpty()) {
                    message = skip.getTextContent().strip().lines().findFirst().orElse("")
                            .replaceFirst("^[\\w.$]+(Exception|Error): ", "").strip();
                }
                String reason = message.isEmpty() ? "(no reason given: @Disabled or an assumption without a message)"
                        : message.lines().findFirst().orElse(message);
                String className = testcase.getAttribute("classname");
                String suite = module + "/" + className.substring(className.lastIndexOf('.') + 1);
                skipped.computeIfAbsent(reason, r -> new TreeMap<>()).merge(suite, 1, Integer::sum);
                total++;
            }
        }
        System.out.println();
        if (total == 0) {
            System.out.println("make test: no test was skipped.");
            return;
        }
        int suites = skipped.values().stream().mapToInt(s -> new TreeSet<>(s.keySet()).size()).sum();
        System.out.printf("make test: %d test(s) in %d suite(s) were SKIPPED, not run:%n", total, suites);
        skipped.forEach((reason, bySuite) -> {
            System.out.println("  - " + reason);
            bySuite.forEach((suite, count) -> System.out.printf("      %s (%d)%n", suite, count));
        });
        System.out.println("To run them all (Debian/Ubuntu or WSL 2, as root; what CI installs): sudo scripts/test-tools.sh");
        System.out.println("CI=true make test fails instead of skipping where a tool is missing.");
    }

    private static List<Path> reports(Path root, FileTime since) throws IOException {
        List<Path> reports = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(Files::isDirectory).toList()) {
                for (String kind : List.of("surefire-reports", "failsafe-reports")) {
                    Path dir = module.resolve("target").resolve(kind);
                    if (!Files.isDirectory(dir)) {
                        continue;
                    }
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path file : files.toList()) {
                            String name = file.getFileName().toString();
                            if (name.startsWith("TEST-") && name.endsWith(".xml")
                                    && Files.getLastModifiedTime(file).compareTo(since) >= 0) {
                                reports.add(file);
                            }
                        }
                    }
                }
            }
        }
        reports.sort(null);
        return reports;
    }
}
