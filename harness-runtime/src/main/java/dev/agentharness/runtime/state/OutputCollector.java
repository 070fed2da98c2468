package dev.agentharness.runtime.state;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/** Drains a PostgreSQL tool's output on a daemon thread, so a chatty process never blocks on a full pipe. */
final class OutputCollector {

    private static final Logger LOG = Logger.getLogger("dev.agentharness.runtime.state.postgres");

    private final CompletableFuture<String> text;

    private OutputCollector(CompletableFuture<String> text) {
        this.text = text;
    }

    /** Collects the whole output of a process that exits on its own. */
    static OutputCollector of(Process process, String name) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name(name + "-output").start(() -> {
            try {
                text.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("");
            }
        });
        return new OutputCollector(text);
    }

    /** Logs every line on the calling thread for as long as anyone holds the pipe. */
    static void logLinesUntilClosed(Process process) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                LOG.info(line);
            }
        } catch (IOException e) {
            LOG.debugf("stopped reading the postgres output: %s", e.getMessage());
        }
    }

    String await() {
        try {
            return text.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | TimeoutException e) {
            return "";
        }
    }
}
