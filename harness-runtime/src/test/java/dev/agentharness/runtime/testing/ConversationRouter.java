package dev.agentharness.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.Responder;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets tests that share one FAKE model server script their own conversations: each test puts a
 * unique token in its first user message and registers how the model answers requests carrying it.
 */
public final class ConversationRouter implements Responder {

    private final Map<String, Responder> routes = new ConcurrentHashMap<>();

    public static ConversationRouter installOn(FakeModelServer server) {
        ConversationRouter router = new ConversationRouter();
        server.responder(router);
        return router;
    }

    /** A fresh token to embed in a test's message. */
    public static String token() {
        return "T" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    public void route(String token, Responder responder) {
        routes.put(token, responder);
    }

    @Override
    public Reply reply(RecordedRequest request) {
        String first = firstUserMessage(request);
        for (Map.Entry<String, Responder> route : routes.entrySet()) {
            if (first.contains(route.getKey())) {
                return route.getValue().reply(request);
            }
        }
        return Reply.error(500, "no conversation scripted for: " + first);
    }

    /** Requests of the conversation started with {@code token}, in arrival order. */
    public static List<RecordedRequest> conversation(FakeModelServer server, String token) {
        return server.requests().stream().filter(r -> firstUserMessage(r).contains(token)).toList();
    }

    public static String firstUserMessage(RecordedRequest request) {
        for (JsonNode item : request.inputItems()) {
            if ("user".equals(item.path("role").asText())) {
                JsonNode content = item.path("content");
                if (content.isTextual()) {
                    return content.asText();
                }
                StringBuilder text = new StringBuilder();
                content.forEach(part -> text.append(part.path("text").asText()));
                return text.toString();
            }
        }
        return "";
    }
}
