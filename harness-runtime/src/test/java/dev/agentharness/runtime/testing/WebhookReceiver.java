package dev.agentharness.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP receiver for the alert webhook (the JDK's server): records every POST body it accepted (2xx) and counts
 * every attempt; {@link #failNext(int)} makes the next attempts answer 500 (a flaky Slack).
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<JsonNode> accepted = new ArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hooks/alerts", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            attempts.incrementAndGet();
            int status = 200;
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                status = 500;
            } else {
                synchronized (accepted) {
                    accepted.add(JSON.readTree(body));
                }
            }
            byte[] answer = (status == 200 ? "ok" : "boom").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    /** The webhook URL, with a path segment that stands for the secret part of a real one. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/alerts";
    }

    /** The next {@code count} attempts answer 500. */
    public void failNext(int count) {
        failures.set(count);
    }

    public int attempts() {
        return attempts.get();
    }

    /** Bodies accepted so far, oldest first. */
    public List<JsonNode> accepted() {
        synchronized (accepted) {
            return List.copyOf(accepted);
        }
    }

    /** Accepted alerts whose text contains every one of {@code words}. */
    public List<JsonNode> acceptedMentioning(String... words) {
        return accepted().stream().filter(body -> {
            String text = body.path("text").asText();
            for (String word : words) {
                if (!text.contains(word)) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
