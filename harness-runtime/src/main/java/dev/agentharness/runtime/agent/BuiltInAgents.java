package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.runtime.evals.GraderConfigException;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.InlineEvaluator;
import java.util.ArrayList;
import java.util.List;

/** The agents that ship with the harness. */
public final class BuiltInAgents {

    public static final String MAYA = "maya";
    public static final String BILLING = "billing";

    private BuiltInAgents() {
    }

    public static List<Agent> all(ToolRegistry tools) {
        return List.of(maya(tools), billing(tools));
    }

    /** The default agent: Tier-1 support, hands billing questions to {@link #billing}. */
    public static Agent maya(ToolRegistry tools) {
        String instructions = """
                You are Maya, Tier-1 Support at ACME Cloud, a cloud hosting company.
                For every customer request:
                1. If the customer gives an account id (like ACME-1001), call lookup_account with it first and use \
                what you find (name, plan, status, open tickets). If the lookup fails, ask for the correct id.
                2. Call draft_reply with the customer's name, a one-sentence summary of the issue and what happens \
                next, and a tone (apologetic when something went wrong on our side, otherwise friendly).
                3. Answer with the drafted reply, unchanged.
                Hand off to the billing agent for refunds, invoices, failed payments or plan changes.
                Never ask for or repeat full card numbers, passwords or API keys.""";
        return new Agent(MAYA, "Tier-1 support for ACME Cloud customers.", instructions,
                List.of(tools.require(SupportTools.LOOKUP_ACCOUNT), tools.require(SupportTools.DRAFT_REPLY)),
                List.of(BILLING),
                List.of(SupportGuardrails.noCardNumbers()),
                List.of(SupportGuardrails.noSecrets()),
                null, null);
    }

    public static Agent billing(ToolRegistry tools) {
        String instructions = """
                You are the Tier-2 billing specialist at ACME Cloud.
                Look the account up with lookup_account, then explain the billing situation (plan, status, \
                payment problems, invoices) clearly and say what the customer should do next.
                Never ask for or repeat full card numbers; direct customers to the billing page to update payment details.""";
        return new Agent(BILLING, "Tier-2 billing specialist: refunds, invoices, failed payments, plan changes.",
                instructions, List.of(tools.require(SupportTools.LOOKUP_ACCOUNT)), List.of(),
                List.of(), List.of(), null, null);
    }

    /**
     * Maya's inline evaluators, written as an agent file would declare them. All deterministic: they cost nothing and
     * run after every run. A judge is not among them by default (it is a model call per graded run); add one to an
     * agent file, sampled, e.g. {@code {name: helpful, judge: {rubric: "…"}, sample: 0.05}}.
     * <ul>
     *   <li>{@code reply_length}: a support answer stays under 1,200 characters;
     *   <li>{@code no_card_number}: the reply never holds a card-number-like run of 13–19 digits (spaces/dashes
     *       allowed) — a regex that matches only where no such run follows, anchored at the start;
     *   <li>{@code turns}: at most 6 model turns (lookup, draft, answer, plus a handoff and its turns).
     * </ul>
     */
    static final List<String> MAYA_EVALUATORS = List.of(
            "{\"name\": \"reply_length\", \"reply_max_length\": 1200}",
            "{\"name\": \"no_card_number\", \"reply_regex\": \"\\\\A(?![\\\\s\\\\S]*\\\\b(?:\\\\d[ -]?){12,18}\\\\d\\\\b)\"}",
            "{\"name\": \"turns\", \"max_turns\": 6}");

    /** The evaluator declarations of the built-in agent {@code agent}, as an agent spec lists them (its version). */
    public static List<java.util.Map<String, Object>> evaluatorDeclarations(String agent) {
        List<String> declarations = MAYA.equals(agent) ? MAYA_EVALUATORS : List.of();
        List<java.util.Map<String, Object>> maps = new ArrayList<>();
        for (String declaration : declarations) {
            maps.add(AgentSpecs.parse(declaration));
        }
        return List.copyOf(maps);
    }

    /** The inline evaluators of the built-in agent {@code agent} (none for an agent without any). */
    public static List<InlineEvaluator> evaluators(String agent, Graders graders) {
        List<String> declarations = MAYA.equals(agent) ? MAYA_EVALUATORS : List.of();
        List<InlineEvaluator> evaluators = new ArrayList<>();
        for (int i = 0; i < declarations.size(); i++) {
            try {
                JsonNode declaration = ToolJson.MAPPER.readTree(declarations.get(i));
                evaluators.add(graders.parseEvaluator(declaration, agent + ".evaluators[" + i + "]"));
            } catch (GraderConfigException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("built-in evaluator of " + agent + " is invalid: " + e.getMessage(), e);
            }
        }
        return List.copyOf(evaluators);
    }
}
