package dev.agentharness.runtime.model;

import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.entra.FakeManagedIdentityEndpoint;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Azure OpenAI through Microsoft Entra ID, end to end with the real azure-identity library: {@code DefaultAzureCredential}
 * in a separate JVM (as on Azure Container Apps: {@code IDENTITY_ENDPOINT} + {@code IDENTITY_HEADER} in the process
 * environment, which MSAL reads itself) gets its token from a fake managed-identity endpoint speaking the real protocol,
 * and {@link ResponsesApiClient} sends it as {@code Authorization: Bearer} to the fake model server on the Azure path.
 */
class EntraIdAuthenticationTest {

    private static final String IDENTITY_HEADER = "identity-header-secret-7f3a";

    private FakeModelServer model;
    private FakeManagedIdentityEndpoint identity;
    private Path output;

    @BeforeEach
    void start() throws IOException {
        model = new FakeModelServer().start(0);
        identity = new FakeManagedIdentityEndpoint(IDENTITY_HEADER).start();
        output = Files.createTempFile("entra-probe", ".log");
    }

    @AfterEach
    void stop() throws IOException {
        model.close();
        identity.close();
        Files.deleteIfExists(output);
    }

    @Test
    void the_managed_identity_token_is_sent_as_a_bearer_token_and_reused_while_it_is_valid() throws Exception {
        identity.lifetime(Duration.ofHours(24));
        model.enqueue(Reply.message("one"), Reply.message("two"), Reply.message("three"));

        int exit = probe(IDENTITY_HEADER, 3);

        String log = Files.readString(output);
        assertEquals(0, exit, log);
        assertEquals(List.of("Bearer entra-token-1", "Bearer entra-token-1", "Bearer entra-token-1"), authorizations(), log);
        for (RecordedRequest sent : model.requests()) {
            assertEquals("/openai/v1/responses", sent.path());
            assertEquals("maya-deployment", sent.model());
            assertEquals(Optional.empty(), sent.header("api-key"));
        }
        assertEquals(1, identity.issued(), "one token for three calls: " + identity.requests());
        FakeManagedIdentityEndpoint.TokenRequest asked = identity.requests().getFirst();
        assertEquals("GET", asked.method());
        assertEquals(IDENTITY_HEADER, asked.identityHeader());
        assertEquals(FakeManagedIdentityEndpoint.API_VERSION, asked.query().get("api-version"));
        assertEquals("https://cognitiveservices.azure.com", asked.query().get("resource"));
        assertNothingSecretIn(log);
    }

    @Test
    void a_token_within_five_minutes_of_expiry_is_replaced_before_the_next_call() throws Exception {
        identity.lifetime(Duration.ofMinutes(3));
        model.enqueue(Reply.message("one"), Reply.message("two"));

        int exit = probe(IDENTITY_HEADER, 2);

        String log = Files.readString(output);
        assertEquals(0, exit, log);
        assertEquals(List.of("Bearer entra-token-1", "Bearer entra-token-2"), authorizations(), log);
        assertEquals(2, identity.issued());
        assertNothingSecretIn(log);
    }

    @Test
    void a_refused_identity_fails_the_call_before_the_model_is_called_and_says_what_to_check() throws Exception {
        int exit = probe("not-the-identity-header", 1);

        String log = Files.readString(output);
        assertEquals(3, exit, log);
        assertTrue(model.requests().isEmpty(), "no model request without a token");
        assertFalse(identity.requests().isEmpty(), log);
        assertTrue(log.contains("failed 1: UNAVAILABLE could not get a Microsoft Entra ID token for Azure OpenAI"), log);
        assertTrue(log.contains("Cognitive Services OpenAI User"), log);
        assertFalse(log.contains("entra-token-"), log);
    }

    private List<String> authorizations() {
        List<String> headers = new ArrayList<>();
        model.requests().forEach(sent -> headers.add(sent.header("authorization").orElse("<none>")));
        return headers;
    }

    private void assertNothingSecretIn(String log) {
        assertFalse(log.contains("entra-token-"), "a token reached the output:\n" + log);
        assertFalse(log.contains(IDENTITY_HEADER), "the identity header reached the output:\n" + log);
    }

    /** Runs {@link EntraIdProbe} in a JVM whose environment has the managed identity of a container app. */
    private int probe(String identityHeader, int calls) throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                EntraIdProbe.class.getName(), model.rootUrl(), Integer.toString(calls))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> environment = builder.environment();
        // Only the managed identity of the "container app": nothing of this machine's Azure setup, if it has any.
        environment.keySet().removeIf(name -> name.startsWith("AZURE_") || name.startsWith("IDENTITY_")
                || name.startsWith("MSI_") || name.startsWith("IMDS_") || name.startsWith("IDENTITY_SERVER"));
        environment.put("IDENTITY_ENDPOINT", identity.endpoint());
        environment.put("IDENTITY_HEADER", identityHeader);
        Process process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the probe did not finish:\n" + Files.readString(output, StandardCharsets.UTF_8));
        }
        return process.exitValue();
    }
}
