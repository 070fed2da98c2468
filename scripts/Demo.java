import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The client half of {@code make demo}: sends one message to Maya through {@code POST /runs},
 * then prints the run, the tools she called (from the persisted trace) and her reply.
 * Run as a single-file program: {@code java -cp <jackson jars> scripts/Demo.java <base-url> <message>}.
 */
public class Demo {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        String message = args[1];
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newHttpClient();

        System.out.println();
        System.out.println("> " + message);
        String body = json.writeValueAsString(json.createObjectNode().put("message", message).put("agent", "maya"));
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/runs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode run = json.readTree(created.body());
        if (created.statusCode() != 200) {
            System.out.println("POST /runs answered " + created.statusCode() + ": " + created.body());
            System.exit(1);
        }
        String runId = run.path("run_id").asText();
        System.out.printf("%nrun %s: status=%s%s, tokens in/out=%d/%d, trace_id=%s%n", runId,
                run.path("status").asText(),
                run.path("reason").isNull() ? "" : " reason=" + run.path("reason").asText(),
                run.path("usage").path("input_tokens").asLong(), run.path("usage").path("output_tokens").asLong(),
                run.path("trace_id").asText());

        HttpResponse<String> traced = http.send(HttpRequest.newBuilder(URI.create(base + "/runs/" + runId + "/trace"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("\ntools called:");
        for (JsonNode span : json.readTree(traced.body()).path("spans")) {
            if ("function".equals(span.path("kind").asText()) || "handoff".equals(span.path("kind").asText())) {
                System.out.println("  - " + span.path("kind").asText() + " " + span.path("name").asText());
            }
        }
        System.out.println("\nMaya's reply:\n" + run.path("reply").asText());
        if (!"succeeded".equals(run.path("status").asText())) {
            System.exit(1);
        }
    }
}
