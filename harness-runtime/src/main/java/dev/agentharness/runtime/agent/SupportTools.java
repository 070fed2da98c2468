package dev.agentharness.runtime.agent;

import java.util.Locale;

/** The trusted function tools of the support agents. */
public final class SupportTools {

    public static final String LOOKUP_ACCOUNT = "lookup_account";
    public static final String DRAFT_REPLY = "draft_reply";

    public record LookupAccountArgs(
            @Description("The customer's account id, e.g. ACME-1001") String accountId) {
    }

    public record DraftReplyArgs(
            @Description("The customer's name as it should appear in the greeting") String customerName,
            @Description("One sentence summarising the customer's issue and what we will do") String issueSummary,
            @Description("friendly (default), formal or apologetic") @Nullable String tone) {
    }

    private SupportTools() {
    }

    /** Returns the account as JSON; an unknown id throws so the model sees the error and can retry. */
    public static FunctionTool lookupAccount(AccountDirectory directory) {
        return FunctionTool.of(LOOKUP_ACCOUNT,
                "Look up an ACME Cloud customer account by id: name, email, plan, status and open tickets.",
                LookupAccountArgs.class,
                (context, args) -> directory.find(args.accountId()).orElseThrow(() -> new IllegalArgumentException(
                        "no account with id '" + args.accountId() + "'; ids look like ACME-1001")))
                .withEffects(SideEffects.NONE);
    }

    /**
     * Declared {@link SideEffects#EXTERNAL} although today's body is a pure function: the tool stands for a ticketing
     * system's "create draft" call, and a resumed run must treat it as such (it is also what the resume tests count).
     */
    public static FunctionTool draftReply() {
        return FunctionTool.of(DRAFT_REPLY,
                "Draft a customer support reply from the customer's name, a summary of the issue and an optional tone.",
                DraftReplyArgs.class,
                (context, args) -> draft(args));
    }

    /** Deterministic on purpose: the same inputs always give the same reply, which makes runs testable. */
    static String draft(DraftReplyArgs args) {
        String tone = args.tone() == null ? "friendly" : args.tone().strip().toLowerCase(Locale.ROOT);
        String opening = switch (tone) {
            case "formal" -> "Dear " + args.customerName() + ",";
            case "apologetic" -> "Hi " + args.customerName() + ", we're sorry for the trouble.";
            default -> "Hi " + args.customerName() + ",";
        };
        String closing = switch (tone) {
            case "formal" -> "Kind regards,";
            case "apologetic" -> "Thank you for your patience,";
            default -> "Cheers,";
        };
        return opening + "\n\n"
                + "Thanks for reaching out to ACME Cloud Support. Here is where things stand: "
                + args.issueSummary().strip() + "\n\n"
                + "If anything else comes up, just reply to this message.\n\n"
                + closing + "\nMaya, ACME Cloud Tier-1 Support";
    }
}
