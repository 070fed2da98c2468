package dev.agentharness.runtime.model;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.CredentialUnavailableException;
import dev.agentharness.runtime.testing.ManualClock;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The token cache of {@link EntraIdTokens} on a clock the test moves (the wire is {@link EntraIdAuthenticationTest}'s):
 * when a token is fetched again, and what happens when the identity service fails.
 */
class EntraIdTokensTest {

    private static final Instant START = Instant.parse("2026-12-04T12:00:00Z");

    /** A credential handing out tokens valid for an hour from "now", or failing while {@link #failing}. */
    private final class Issuer implements TokenCredential {
        final List<List<String>> scopes = new ArrayList<>();
        boolean failing;

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.fromCallable(() -> getTokenSync(request));
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext request) {
            scopes.add(request.getScopes());
            if (failing) {
                throw new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable.");
            }
            return new AccessToken("token-" + scopes.size(), OffsetDateTime.ofInstant(clock.instant().plus(Duration.ofHours(1)),
                    ZoneOffset.UTC));
        }
    }

    private final ManualClock clock = new ManualClock(START);

    @Test
    void one_token_serves_until_five_minutes_before_it_expires_then_a_new_one_is_fetched() throws ModelException {
        Issuer issuer = new Issuer();
        EntraIdTokens tokens = new EntraIdTokens(issuer, clock);

        assertEquals("token-1", tokens.token());
        clock.set(START.plus(Duration.ofMinutes(54)));
        assertEquals("token-1", tokens.token());
        clock.set(START.plus(Duration.ofMinutes(55)));
        assertEquals("token-2", tokens.token());
        assertEquals(List.of(List.of(EntraIdTokens.SCOPE), List.of(EntraIdTokens.SCOPE)), issuer.scopes);
    }

    @Test
    void a_failed_refresh_keeps_the_valid_token_and_fails_clearly_once_it_has_expired() throws ModelException {
        Issuer issuer = new Issuer();
        EntraIdTokens tokens = new EntraIdTokens(issuer, clock);
        assertEquals("token-1", tokens.token());

        issuer.failing = true;
        clock.set(START.plus(Duration.ofMinutes(56)));
        assertEquals("token-1", tokens.token(), "still valid for 4 minutes: used while the refresh fails");
        clock.set(START.plus(Duration.ofMinutes(59).plusSeconds(45)));
        ModelException failure = assertThrows(ModelException.class, tokens::token);

        assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
        assertTrue(failure.getMessage().startsWith("could not get a Microsoft Entra ID token for Azure OpenAI (scope "
                + "https://cognitiveservices.azure.com/.default): CredentialUnavailableException: ManagedIdentityCredential"
                + " authentication unavailable."), failure.getMessage());
        assertFalse(failure.getMessage().contains("token-1"), failure.getMessage());

        issuer.failing = false;
        assertEquals("token-4", tokens.token(), "the next call tries again (fetches: 1 ok, 2 and 3 failed, 4 ok)");
    }

    @Test
    void the_current_token_is_scrubbed_from_text() throws ModelException {
        EntraIdTokens tokens = new EntraIdTokens(new Issuer(), clock);
        String token = tokens.token();
        assertEquals("provider said: bad token *** here", tokens.scrub("provider said: bad token " + token + " here"));
    }
}
