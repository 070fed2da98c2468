package dev.agentharness.runtime.evals.reports;

import dev.agentharness.runtime.evals.EvalReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes every report file of an eval run into one directory (created if missing). */
public final class ReportFiles {

    public static final String JUNIT = "junit.xml";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";
    public static final String JSON = "results.json";

    private ReportFiles() {
    }

    /** @return the files written */
    public static List<Path> write(EvalReport report, Path directory) throws IOException {
        Files.createDirectories(directory);
        return List.of(
                Files.writeString(directory.resolve(JUNIT), JunitXml.render(report), StandardCharsets.UTF_8),
                Files.writeString(directory.resolve(MARKDOWN), MarkdownReport.render(report), StandardCharsets.UTF_8),
                Files.writeString(directory.resolve(HTML), HtmlReport.render(report), StandardCharsets.UTF_8),
                Files.writeString(directory.resolve(JSON), JsonReport.render(report), StandardCharsets.UTF_8));
    }
}
