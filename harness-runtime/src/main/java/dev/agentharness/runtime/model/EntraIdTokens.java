package dev.agentharness.runtime.model;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredentialBuilder;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Microsoft Entra ID access tokens for Azure OpenAI ({@code AZURE_OPENAI_AUTH=entra}), sent as
 * {@code Authorization: Bearer}. The credential is azure-identity's {@code DefaultAzureCredential}: on Azure Container
 * Apps the app's managed identity ({@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER}; a user-assigned one named by
 * {@code AZURE_CLIENT_ID}), on AKS workload identity ({@code AZURE_FEDERATED_TOKEN_FILE}, {@code AZURE_CLIENT_ID},
 * {@code AZURE_TENANT_ID}, set by the workload-identity webhook), on a laptop {@code az login}. Production can pin one
 * with azure-identity's own {@code AZURE_TOKEN_CREDENTIALS} (e.g. {@code ManagedIdentityCredential}).
 *
 * <p>One token is kept and shared by every call; it is fetched again {@link #REFRESH_MARGIN} before it expires (or at
 * the refresh time the identity service suggests, when earlier), by one caller while the others keep the current
 * token. When a refresh fails while the current token is still valid, the current one is used and the refresh is tried
 * again on the next call. The token itself is never logged, put in a message or returned anywhere but the header.
 */
final class EntraIdTokens {

    /** Azure OpenAI's (Cognitive Services') audience. */
    static final String SCOPE = "https://cognitiveservices.azure.com/.default";
    static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);
    /** A token this close to its expiry is not sent even when no newer one can be had. */
    private static final Duration LAST_USABLE = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(EntraIdTokens.class);

    private final TokenCredential credential;
    private final Clock clock;
    private final ReentrantLock refreshing = new ReentrantLock(); // not synchronized: callers are virtual threads
    private volatile AccessToken current;

    EntraIdTokens(TokenCredential credential, Clock clock) {
        this.credential = credential;
        this.clock = clock;
    }

    /** The default credential chain, as configured by the process environment. */
    static EntraIdTokens fromEnvironment() {
        return new EntraIdTokens(new DefaultAzureCredentialBuilder().build(), Clock.systemUTC());
    }

    /** A token valid now, fetched when none is or the current one is due for refresh; blocks the calling thread. */
    String token() throws ModelException {
        AccessToken token = current;
        if (token != null && !dueForRefresh(token)) {
            return token.getToken();
        }
        refreshing.lock();
        try {
            token = current;
            if (token != null && !dueForRefresh(token)) {
                return token.getToken(); // another caller refreshed it meanwhile
            }
            try {
                AccessToken fresh = credential.getTokenSync(new TokenRequestContext().addScopes(SCOPE));
                if (fresh == null || fresh.getToken() == null || fresh.getToken().isBlank()) {
                    throw new IllegalStateException("the credential returned no token");
                }
                current = fresh;
                return fresh.getToken();
            } catch (RuntimeException e) {
                if (token != null && now().isBefore(token.getExpiresAt().toInstant().minus(LAST_USABLE))) {
                    LOG.warnf("refreshing the Microsoft Entra ID token for Azure OpenAI failed (%s); the current token "
                            + "is valid until %s", describe(e), token.getExpiresAt());
                    return token.getToken();
                }
                throw new ModelException(ModelException.Kind.UNAVAILABLE,
                        "could not get a Microsoft Entra ID token for Azure OpenAI (scope " + SCOPE + "): " + describe(e)
                                + ". On Container Apps the app needs a managed identity (a user-assigned one named by "
                                + "AZURE_CLIENT_ID), on AKS workload identity, and that identity the role "
                                + "'Cognitive Services OpenAI User' on the resource; or set AZURE_OPENAI_AUTH=key.", e);
            }
        } finally {
            refreshing.unlock();
        }
    }

    /** {@code text} without the current token, should a provider ever quote it back. */
    String scrub(String text) {
        AccessToken token = current;
        return token == null || text == null ? text : text.replace(token.getToken(), "***");
    }

    private boolean dueForRefresh(AccessToken token) {
        Instant refreshAt = token.getExpiresAt().toInstant().minus(REFRESH_MARGIN);
        OffsetDateTime suggested = token.getRefreshAt();
        if (suggested != null && suggested.toInstant().isBefore(refreshAt)) {
            refreshAt = suggested.toInstant();
        }
        return !now().isBefore(refreshAt);
    }

    private Instant now() {
        return clock.instant();
    }

    /** The failure's class and first line: identity errors name the cause, never a token. */
    private static String describe(Throwable failure) {
        String message = failure.getMessage() == null ? "" : failure.getMessage().strip();
        int lineEnd = message.indexOf('\n');
        if (lineEnd >= 0) {
            message = message.substring(0, lineEnd);
        }
        if (message.length() > 400) {
            message = message.substring(0, 400) + "…";
        }
        return failure.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
