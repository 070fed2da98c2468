package dev.agentharness.runtime.model;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link EntraIdAuthenticationTest} as a separate JVM, so that azure-identity reads a real process environment
 * ({@code IDENTITY_ENDPOINT}, {@code IDENTITY_HEADER}: MSAL reads them with {@code System.getenv}, which a test cannot
 * set in its own JVM). Calls Azure OpenAI at {@code args[0]} {@code args[1]} times through {@link ResponsesApiClient}
 * built exactly as the harness builds it ({@link ModelConfig#from} semantics: {@code AZURE_OPENAI_AUTH=entra}).
 */
public final class EntraIdProbe {

    private EntraIdProbe() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args[0];
        int calls = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx();
        int status = 0;
        try (ResponsesApiClient client = new ResponsesApiClient(
                ModelConfig.azureEntra(endpoint, "maya-deployment", 0, Duration.ofSeconds(20)), vertx)) {
            for (int call = 1; call <= calls; call++) {
                try {
                    ModelResponse response = client.respond(new ModelRequest("ignored", "You are Maya.",
                            List.of(new ConversationItem.UserMessage("call " + call)), List.of(), null, Map.of()));
                    System.out.println("answer " + call + ": " + response.output());
                } catch (ModelException e) {
                    System.out.println("failed " + call + ": " + e.kind() + " " + e.getMessage());
                    status = 3;
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
        System.out.flush();
        System.exit(status);
    }
}
