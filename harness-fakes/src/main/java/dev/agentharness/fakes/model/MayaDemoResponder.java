package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the model behind the built-in support agent "maya" so {@code make demo} works without an
 * API key. Deterministic: the same conversation always gets the same reply.
 *
 * <ol>
 *   <li>no {@code lookup_account} output yet → call {@code lookup_account} with the {@code ACME-<n>}
 *       id in the latest user message (else {@code ACME-1001});</li>
 *   <li>no {@code draft_reply} output yet → call {@code draft_reply} for the customer named in the
 *       lookup output's {@code name} field, summarising the user message;</li>
 *   <li>otherwise → answer with the draft as the assistant message.</li>
 * </ol>
 * A request offering neither tool gets a short acknowledgement.
 */
public final class MayaDemoResponder implements Responder {

    static final String LOOKUP = "lookup_account";
    static final String DRAFT = "draft_reply";
    private static final Pattern ACCOUNT_ID = Pattern.compile("ACME-\\d+");
    private static final String DEFAULT_ACCOUNT = "ACME-1001";
    private static final int SUMMARY_CHARS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Reply reply(RecordedRequest request) {
        boolean offersLookup = request.toolNames().contains(LOOKUP);
        boolean offersDraft = request.toolNames().contains(DRAFT);
        String userMessage = request.latestUserMessage();
        if (!offersLookup && !offersDraft) {
            return Reply.message("Thanks, I got your message: \"" + summary(userMessage) + "\".");
        }
        Optional<String> lookupOutput = request.functionCallOutputFor(LOOKUP);
        if (lookupOutput.isEmpty() && offersLookup) {
            ObjectNode arguments = JSON.createObjectNode().put("account_id", accountId(userMessage));
            return Reply.functionCall("call_demo_" + LOOKUP, LOOKUP, arguments.toString());
        }
        Optional<String> draftOutput = request.functionCallOutputFor(DRAFT);
        if (draftOutput.isEmpty() && offersDraft) {
            ObjectNode arguments = JSON.createObjectNode()
                    .put("customer_name", customerName(lookupOutput.orElse("")))
                    .put("issue_summary", issueSummary(lookupOutput.orElse(""), userMessage))
                    .putNull("tone");
            return Reply.functionCall("call_demo_" + DRAFT, DRAFT, arguments.toString());
        }
        return Reply.message(draftOutput.or(() -> lookupOutput).orElse("I could not look that account up."));
    }

    static String accountId(String userMessage) {
        Matcher matcher = ACCOUNT_ID.matcher(userMessage);
        return matcher.find() ? matcher.group() : DEFAULT_ACCOUNT;
    }

    /** The {@code name} field of the lookup output, or a neutral salutation when it has none. */
    static String customerName(String lookupOutput) {
        try {
            JsonNode name = JSON.readTree(lookupOutput).path("name");
            return name.isTextual() && !name.asText().isBlank() ? name.asText() : "Customer";
        } catch (Exception notJson) {
            return "Customer";
        }
    }

    /**
     * What a support agent would write after the lookup: the account's open ticket when it has
     * one (that is what the customer is writing about), otherwise their own words.
     */
    static String issueSummary(String lookupOutput, String userMessage) {
        try {
            JsonNode account = JSON.readTree(lookupOutput);
            JsonNode tickets = account.path("open_tickets");
            if (tickets.isArray() && !tickets.isEmpty()) {
                return "I found the open ticket \"" + tickets.get(0).asText() + "\" on your "
                        + account.path("plan").asText("ACME") + " account and added your message to it, "
                        + "so our team has the full picture.";
            }
        } catch (Exception notJson) {
            // fall back to the customer's words
        }
        return summary(userMessage);
    }

    static String summary(String userMessage) {
        String oneLine = userMessage.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= SUMMARY_CHARS ? oneLine : oneLine.substring(0, SUMMARY_CHARS - 1) + "…";
    }
}
