package dev.agentharness.runtime.agent;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maya's guardrails: keep card numbers out of the conversation and credentials out of replies. */
public final class SupportGuardrails {

    /** 13–19 digits, single spaces or dashes allowed between them. */
    private static final Pattern CARD_CANDIDATE = Pattern.compile("(?<!\\d)\\d(?:[ -]?\\d){12,18}(?!\\d)");

    private record SecretPattern(String kind, Pattern pattern) {
    }

    private static final List<SecretPattern> SECRETS = List.of(
            new SecretPattern("OpenAI-style API key (sk-…)", Pattern.compile("\\bsk-[A-Za-z0-9_-]{16,}")),
            new SecretPattern("AWS access key id (AKIA…)", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b")),
            new SecretPattern("PEM private key or certificate (-----BEGIN …)", Pattern.compile("-----BEGIN [A-Z ]+-----")),
            new SecretPattern("GitHub token (ghp_…)", Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{30,}")),
            new SecretPattern("Slack token (xox…)", Pattern.compile("\\bxox[abprs]-[A-Za-z0-9-]{10,}")));

    private SupportGuardrails() {
    }

    /** Input guardrail: trips on anything that looks like a full payment card number (Luhn-valid). */
    public static Guardrail noCardNumbers() {
        return new Guardrail("no_card_numbers", (context, text) -> containsCardNumber(text)
                ? GuardrailResult.trip("the message contains what looks like a full payment card number;"
                        + " never share card numbers with support")
                : GuardrailResult.pass());
    }

    /** Output guardrail: trips when the reply contains something that looks like a credential. */
    public static Guardrail noSecrets() {
        return new Guardrail("no_secrets", (context, text) -> {
            for (SecretPattern secret : SECRETS) {
                if (secret.pattern().matcher(text).find()) {
                    return GuardrailResult.trip("the reply contains what looks like a credential: " + secret.kind());
                }
            }
            return GuardrailResult.pass();
        });
    }

    static boolean containsCardNumber(String text) {
        Matcher matcher = CARD_CANDIDATE.matcher(text);
        while (matcher.find()) {
            if (luhnValid(matcher.group().replaceAll("[ -]", ""))) {
                return true;
            }
        }
        return false;
    }

    static boolean luhnValid(String digits) {
        int sum = 0;
        boolean doubleIt = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int digit = digits.charAt(i) - '0';
            if (doubleIt) {
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }
}
