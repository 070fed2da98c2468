package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The built-in, read-only customer directory behind {@code lookup_account} (a demo data set, not a CRM). */
public final class AccountDirectory {

    private static final String RESOURCE = "/dev/agentharness/runtime/agent/accounts.json";

    private final Map<String, Account> accounts = new LinkedHashMap<>();

    public AccountDirectory(List<Account> accounts) {
        accounts.forEach(account -> this.accounts.put(account.id().toUpperCase(Locale.ROOT), account));
    }

    /** The directory shipped with the harness. */
    public static AccountDirectory builtIn() {
        try (InputStream in = AccountDirectory.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return new AccountDirectory(new ObjectMapper().readValue(in, new TypeReference<List<Account>>() {
            }));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Case-insensitive, surrounding blanks ignored: models often write {@code acme-1001 }. */
    public Optional<Account> find(String accountId) {
        return Optional.ofNullable(accounts.get(accountId.strip().toUpperCase(Locale.ROOT)));
    }

    public List<String> ids() {
        return accounts.values().stream().map(Account::id).toList();
    }
}
