package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the FAKE model server answers to one request: either a successful Responses API response
 * made of output items, or an HTTP error with a raw body and headers.
 *
 * <p>Output items are stored in their exact wire shape; the server wraps them in the response
 * envelope (id, usage, …) when it answers.
 */
public sealed interface Reply {

    /**
     * A 200 answer whose {@code output} array holds these items, in order, reporting {@code usage} (null: the fake's
     * own count, {@link ResponseEnvelope#inputTokens}/{@link ResponseEnvelope#outputTokens}, nothing cached).
     */
    record Output(List<ObjectNode> items, TokenUsage usage) implements Reply {
        public Output {
            items = List.copyOf(items);
        }

        public Output(List<ObjectNode> items) {
            this(items, null);
        }
    }

    /**
     * The {@code usage} a scripted reply reports, as the Responses API reports it: {@code cachedInputTokens}
     * ({@code input_tokens_details.cached_tokens}) are a part of {@code inputTokens}, {@code reasoningTokens}
     * ({@code output_tokens_details.reasoning_tokens}) a part of {@code outputTokens}.
     */
    record TokenUsage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens) {
        public TokenUsage {
            if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0 || reasoningTokens < 0
                    || cachedInputTokens > inputTokens || reasoningTokens > outputTokens) {
                throw new IllegalArgumentException("cached tokens are part of the input and reasoning tokens part of "
                        + "the output, none negative: " + inputTokens + "/" + cachedInputTokens + "/" + outputTokens
                        + "/" + reasoningTokens);
            }
        }
    }

    /** This reply reporting exactly this usage (a test computes the cost it expects from it). */
    default Reply withUsage(long inputTokens, long cachedInputTokens, long outputTokens) {
        return withUsage(new TokenUsage(inputTokens, cachedInputTokens, outputTokens, 0));
    }

    default Reply withUsage(TokenUsage usage) {
        if (!(this instanceof Output output)) {
            throw new IllegalArgumentException("only a successful reply reports usage, not " + this);
        }
        return new Output(output.items(), usage);
    }

    /** A non-200 answer sent as is, e.g. 429 with {@code Retry-After: 1}. */
    record Failure(int status, Map<String, String> headers, String body) implements Reply {
        public Failure {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(body, "body");
        }
    }

    /** One assistant {@code message} item with a single {@code output_text} part. */
    static Reply message(String text) {
        return new Output(List.of(WireItems.message(text)));
    }

    /** One {@code function_call} item with a fresh {@code call_…} id. */
    static Reply functionCall(String name, String argumentsJson) {
        return functionCall(Ids.next("call"), name, argumentsJson);
    }

    /** One {@code function_call} item with the given call id (for tests that assert on it). */
    static Reply functionCall(String callId, String name, String argumentsJson) {
        return new Output(List.of(WireItems.functionCall(callId, name, argumentsJson)));
    }

    /** Several items in one response, e.g. two parallel function calls, or a message and a call. */
    static Reply items(Reply... parts) {
        List<ObjectNode> all = new ArrayList<>();
        for (Reply part : parts) {
            if (!(part instanceof Output output)) {
                throw new IllegalArgumentException("Reply.items combines successful replies only, got " + part);
            }
            all.addAll(output.items());
        }
        return new Output(all);
    }

    /** An HTTP error answered verbatim. */
    static Reply error(int status, Map<String, String> headers, String body) {
        return new Failure(status, headers, body);
    }

    /** An HTTP error with the OpenAI error body {@code {"error":{"message":…,"type":…,…}}}. */
    static Reply error(int status, String message) {
        String type = status == 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
        return new Failure(status, Map.of(), WireItems.errorBody(message, type, null, null));
    }

    /** Fresh, unique, prefixed ids ({@code resp_1}, {@code msg_2}, …) like the real API's. */
    final class Ids {
        private static final AtomicLong COUNTER = new AtomicLong();

        private Ids() {
        }

        public static String next(String prefix) {
            return prefix + "_fake" + COUNTER.incrementAndGet();
        }
    }

    /** Builders for the exact JSON of Responses API output items and errors. */
    final class WireItems {
        static final ObjectMapper JSON = new ObjectMapper();

        private WireItems() {
        }

        public static ObjectNode message(String text) {
            ObjectNode item = JSON.createObjectNode()
                    .put("type", "message")
                    .put("id", Ids.next("msg"))
                    .put("status", "completed")
                    .put("role", "assistant");
            ObjectNode part = item.putArray("content").addObject()
                    .put("type", "output_text")
                    .put("text", text);
            part.putArray("annotations");
            part.putArray("logprobs");
            return item;
        }

        public static ObjectNode functionCall(String callId, String name, String argumentsJson) {
            return JSON.createObjectNode()
                    .put("type", "function_call")
                    .put("id", Ids.next("fc"))
                    .put("call_id", callId)
                    .put("name", name)
                    .put("arguments", argumentsJson)
                    .put("status", "completed");
        }

        public static String errorBody(String message, String type, String param, String code) {
            ObjectNode error = JSON.createObjectNode();
            error.putObject("error")
                    .put("message", message)
                    .put("type", type)
                    .put("param", param)
                    .put("code", code);
            return error.toString();
        }
    }
}
