package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the model behind the built-in support agents "maya" and "billing" so {@code make demo} and the golden set
 * ({@code evals/maya.jsonl}) work without an API key. Deterministic: the same conversation always gets the same reply.
 * Only what happened after the latest user message counts ({@link RecordedRequest#currentTurnOutputFor}): on a
 * session's second turn the account is looked up again and the new message is answered, not the first one.
 *
 * <p>Maya (the request offers {@code draft_reply}, or {@code lookup_account} together with a handoff tool):
 * <ol>
 *   <li>the latest user message asks for, or to reveal, a password, an API key or a card number ({@link #SECRETS})
 *       → a short refusal ({@link #REFUSAL}), no tool call;</li>
 *   <li>it is about refunds, invoices, failed payments, charges or plan changes ({@link #BILLING_TOPICS}) and the
 *       request offers {@code transfer_to_billing} → call it (the handoff);</li>
 *   <li>no {@code lookup_account} output this turn → call {@code lookup_account} with the {@code ACME-<n>} id in the
 *       latest user message (else {@code ACME-1001});</li>
 *   <li>the lookup failed (its output is not an account) → ask for the correct id, without drafting;</li>
 *   <li>no {@code draft_reply} output this turn → call {@code draft_reply} for the customer named in the lookup
 *       output's {@code name} field, summarising the account's open ticket (or the user message);</li>
 *   <li>otherwise → answer with the draft as the assistant message.</li>
 * </ol>
 * Billing (the request offers {@code lookup_account} and nothing else): look the account up as above, then explain the
 * billing situation naming the account's plan and status ({@link #billingAnswer}), or ask for the correct id.
 * A request offering neither tool gets a short acknowledgement.
 *
 * <p>Like a real model it follows its instructions in one respect: instructions that say not to look accounts up
 * ({@link #NO_LOOKUP}, e.g. "Do not look up accounts") make it behave as if {@code lookup_account} were not offered —
 * how a prompt edit breaks the golden set's lookup cases (the promotion gate's tests, docs/agents.md).
 *
 * <p>A message that says "card was declined" is deliberately not a billing topic: {@code make demo}'s conversation
 * (and the end-to-end test that checks its reply) is Maya's own lookup-and-draft.
 */
public final class MayaDemoResponder implements Responder {

    static final String LOOKUP = "lookup_account";
    static final String DRAFT = "draft_reply";
    static final String TRANSFER_TO_BILLING = "transfer_to_billing";
    /** Asking for (or to reveal) a credential or a full card number: Maya refuses without calling a tool. */
    static final Pattern SECRETS = Pattern.compile(
            "(?i)\\bpass(?:word|words|phrase)\\b|\\bapi[ _-]?keys?\\b|\\bcard numbers?\\b|\\bcredit card details\\b");
    /** What Maya hands to billing: refunds, invoices, failed payments, charges, plan changes. */
    static final Pattern BILLING_TOPICS = Pattern.compile("(?i)\\brefund\\w*|\\binvoic\\w*|\\bcharg(?:e|es|ed|ing)\\b"
            + "|\\bpayments?\\s+(?:has\\s+|have\\s+|was\\s+|were\\s+)?failed\\b|\\bfailed\\s+payments?\\b"
            + "|\\b(?:upgrade|downgrade)\\w*|\\b(?:change|switch)\\w*\\s+(?:my\\s+|our\\s+|the\\s+)?plan\\b"
            + "|\\bplan\\s+change\\w*");
    static final String REFUSAL = "I'm sorry, but I can't ask for, share or reveal passwords, API keys or full card "
            + "numbers. You can reset credentials yourself in the ACME Cloud console, and update payment details on "
            + "the billing page.";
    /** Instructions forbidding the lookup: the FAKE obeys them. */
    static final Pattern NO_LOOKUP = Pattern.compile("(?i)\\b(?:do not|don't|never)\\s+(?:look\\s+up|call\\s+"
            + "lookup_account)");
    private static final Pattern ACCOUNT_ID = Pattern.compile("ACME-\\d+");
    private static final String DEFAULT_ACCOUNT = "ACME-1001";
    private static final int SUMMARY_CHARS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Reply reply(RecordedRequest request) {
        boolean offersLookup = request.toolNames().contains(LOOKUP)
                && (request.instructions() == null || !NO_LOOKUP.matcher(request.instructions()).find());
        boolean offersDraft = request.toolNames().contains(DRAFT);
        boolean offersHandoff = request.toolNames().stream().anyMatch(name -> name.startsWith("transfer_to_"));
        String userMessage = request.latestUserMessage();
        if (!offersLookup && !offersDraft) {
            return Reply.message("Thanks, I got your message: \"" + summary(userMessage) + "\".");
        }
        boolean billing = offersLookup && !offersDraft && !offersHandoff;
        if (!billing && SECRETS.matcher(userMessage).find()) {
            return Reply.message(REFUSAL);
        }
        if (!billing && request.toolNames().contains(TRANSFER_TO_BILLING)
                && BILLING_TOPICS.matcher(userMessage).find()) {
            return Reply.functionCall(callId(request, TRANSFER_TO_BILLING), TRANSFER_TO_BILLING, "{}");
        }
        Optional<String> lookupOutput = request.currentTurnOutputFor(LOOKUP);
        if (lookupOutput.isEmpty() && offersLookup) {
            ObjectNode arguments = JSON.createObjectNode().put("account_id", accountId(userMessage));
            return Reply.functionCall(callId(request, LOOKUP), LOOKUP, arguments.toString());
        }
        if (lookupOutput.isPresent() && account(lookupOutput.get()).isEmpty()) {
            return Reply.message(unknownAccount(accountId(userMessage)));
        }
        if (billing) {
            return Reply.message(billingAnswer(account(lookupOutput.orElseThrow()).orElseThrow()));
        }
        Optional<String> draftOutput = request.currentTurnOutputFor(DRAFT);
        if (draftOutput.isEmpty() && offersDraft) {
            ObjectNode arguments = JSON.createObjectNode()
                    .put("customer_name", customerName(lookupOutput.orElse("")))
                    .put("issue_summary", issueSummary(lookupOutput.orElse(""), userMessage))
                    .putNull("tone");
            return Reply.functionCall(callId(request, DRAFT), DRAFT, arguments.toString());
        }
        return Reply.message(draftOutput.or(() -> lookupOutput).orElse("I could not look that account up."));
    }

    /** {@code call_demo_<tool>} on a session's first turn, {@code call_demo_<tool>_<n>} on its n-th: unique per run. */
    static String callId(RecordedRequest request, String tool) {
        int turn = request.userMessageCount();
        return "call_demo_" + tool + (turn > 1 ? "_" + turn : "");
    }

    static String accountId(String userMessage) {
        Matcher matcher = ACCOUNT_ID.matcher(userMessage);
        return matcher.find() ? matcher.group() : DEFAULT_ACCOUNT;
    }

    /** The lookup output as an account (a JSON object), empty when the lookup failed (the harness's error text). */
    static Optional<JsonNode> account(String lookupOutput) {
        try {
            JsonNode account = JSON.readTree(lookupOutput);
            return account != null && account.isObject() ? Optional.of(account) : Optional.empty();
        } catch (Exception notJson) {
            return Optional.empty();
        }
    }

    static String unknownAccount(String accountId) {
        return "I could not find an account with the id " + accountId + ". Could you check the id and send it "
                + "again? Account ids look like ACME-1001.";
    }

    /** Billing's explanation: the account's plan and status, and what to do next for that status. */
    static String billingAnswer(JsonNode account) {
        String status = account.path("status").asText("unknown");
        String next = switch (status) {
            case "past_due" -> "The last payment did not go through, so the balance is past due. Please update your "
                    + "payment method on the billing page and we will retry the charge; invoices are there too.";
            case "suspended" -> "The account is suspended until the outstanding issue is resolved. Once it is, it is "
                    + "reactivated and billing resumes; invoices are on the billing page.";
            case "trial" -> "You are still in the free trial, so nothing has been charged yet. Plan changes and "
                    + "invoices are on the billing page.";
            default -> "Your billing is in good standing. Invoices, refunds for duplicate charges and plan changes are "
                    + "handled on the billing page, and I have noted your request.";
        };
        return "Hi " + account.path("name").asText("there") + ", I'm the ACME Cloud billing specialist. I checked "
                + "account " + account.path("id").asText("?") + ": it is on the " + account.path("plan").asText("unknown")
                + " plan and its status is " + status + ". " + next
                + " Never send card numbers by message.";
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
