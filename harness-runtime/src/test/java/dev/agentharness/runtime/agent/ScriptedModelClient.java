package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ConversationItem;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.model.ModelException;
import dev.agentharness.runtime.model.ModelRequest;
import dev.agentharness.runtime.model.ModelResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * Test helper: a {@link ModelClient} that answers from a script, one step per call, and records every
 * request it received. When the script runs out, the last step repeats (handy for "loops forever").
 */
final class ScriptedModelClient implements ModelClient {

    private final Deque<Function<ModelRequest, ModelResponse>> script = new ArrayDeque<>();
    private final List<ModelRequest> requests = new ArrayList<>();
    private Function<ModelRequest, ModelResponse> last;
    private int responseCounter;

    /** Next call returns these output items, with the given token usage. */
    ScriptedModelClient then(long inputTokens, long outputTokens, ConversationItem... output) {
        script.add(request -> new ModelResponse("resp_" + (++responseCounter), List.of(output), inputTokens, outputTokens));
        return this;
    }

    ScriptedModelClient then(ConversationItem... output) {
        return then(10, 5, output);
    }

    /** Next call fails the way a real client reports a final failure. */
    ScriptedModelClient thenFail(ModelException failure) {
        script.add(request -> {
            throw failure;
        });
        return this;
    }

    @Override
    public ModelResponse respond(ModelRequest request) {
        requests.add(request);
        Function<ModelRequest, ModelResponse> step = script.isEmpty() ? last : script.poll();
        if (step == null) {
            throw new AssertionError("the script has no step for call " + requests.size());
        }
        last = step;
        return step.apply(request);
    }

    List<ModelRequest> requests() {
        return requests;
    }

    ModelRequest request(int index) {
        return requests.get(index);
    }

    @Override
    public boolean configured() {
        return true;
    }

    @Override
    public String missingConfiguration() {
        return "";
    }

    static ConversationItem.AssistantMessage say(String text) {
        return new ConversationItem.AssistantMessage(text);
    }

    static ConversationItem.FunctionCall call(String callId, String tool, String arguments) {
        return new ConversationItem.FunctionCall(callId, tool, arguments);
    }
}
