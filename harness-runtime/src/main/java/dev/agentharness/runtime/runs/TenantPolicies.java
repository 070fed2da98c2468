package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentharness.runtime.security.TenantDelegation;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The limits of each principal: the {@code HARNESS_TENANT_*} defaults, overridden field by field by the tenants file's
 * {@code defaults}, then by its entry for the principal ({@code principals.<name>}) or, for a namespace acting through
 * the operator, {@code namespaces.<namespace>}:
 *
 * <pre>
 * defaults:   {requests_per_minute: 600, max_queued: 100, max_in_flight: 20}
 * principals: {ci-bot: {requests_per_minute: 60}}
 * namespaces: {team-a: {max_in_flight: 2, daily_budget_usd: 5}}
 * </pre>
 *
 * The whole file is checked at startup, so a typo stops the harness with the file and key named rather than applying
 * half of it.
 */
@ApplicationScoped
@Startup
public class TenantPolicies {

    private static final Set<String> SECTIONS = Set.of("defaults", "principals", "namespaces");
    private static final Set<String> FIELDS = Set.of("requests_per_minute", "max_queued", "max_in_flight",
            "daily_budget_usd");
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");

    private final TenantLimits defaults;
    private final Map<String, TenantLimits> byPrincipal;

    @Inject
    public TenantPolicies(TenantSettings settings) {
        this(envDefaults(settings), settings.file().map(TenantPolicies::read).orElse(null),
                settings.file().map(Path::toString).orElse(null));
    }

    /** For tests: defaults and an optional parsed file. */
    TenantPolicies(TenantLimits envDefaults, JsonNode file, String fileName) {
        Map<String, TenantLimits> overrides = new HashMap<>();
        TenantLimits base = envDefaults;
        if (file != null && !file.isNull() && !file.isMissingNode()) {
            String where = "HARNESS_TENANTS_FILE " + fileName + ": ";
            if (!file.isObject()) {
                throw new TenantPolicyException(where + "must be a mapping with defaults, principals and namespaces");
            }
            for (Iterator<String> names = file.fieldNames(); names.hasNext(); ) {
                String section = names.next();
                if (!SECTIONS.contains(section)) {
                    throw new TenantPolicyException(where + section + ": unknown key (expected one of " + SECTIONS + ")");
                }
            }
            if (file.has("defaults")) {
                base = base.overriddenBy(limits(file.get("defaults"), where, "defaults"));
            }
            for (Map.Entry<String, JsonNode> entry : entries(file, "principals", where)) {
                String name = entry.getKey();
                boolean namespace = name.startsWith(TenantDelegation.NAMESPACE_PREFIX) && TenantDelegation.isNamespace(
                        name.substring(TenantDelegation.NAMESPACE_PREFIX.length()));
                if (!namespace && !PRINCIPAL.matcher(name).matches()) {
                    throw new TenantPolicyException(where + "principals." + name
                            + ": not a principal name ([A-Za-z0-9][A-Za-z0-9_.@-]{0,63} or ns:<namespace>)");
                }
                overrides.put(name, limits(entry.getValue(), where, "principals." + name));
            }
            for (Map.Entry<String, JsonNode> entry : entries(file, "namespaces", where)) {
                String name = entry.getKey();
                if (!TenantDelegation.isNamespace(name)) {
                    throw new TenantPolicyException(where + "namespaces." + name
                            + ": not a Kubernetes namespace name (RFC 1123 label)");
                }
                String principal = TenantDelegation.principalOf(name);
                if (overrides.containsKey(principal)) {
                    throw new TenantPolicyException(where + "namespaces." + name + ": also set as principals." + principal);
                }
                overrides.put(principal, limits(entry.getValue(), where, "namespaces." + name));
            }
        }
        this.defaults = base;
        TenantLimits resolvedBase = base;
        Map<String, TenantLimits> resolved = new HashMap<>();
        overrides.forEach((principal, override) -> resolved.put(principal, resolvedBase.overriddenBy(override)));
        this.byPrincipal = Map.copyOf(resolved);
    }

    public TenantLimits limitsFor(String principal) {
        return byPrincipal.getOrDefault(principal, defaults);
    }

    /** The limits of every principal the file does not name. */
    public TenantLimits defaults() {
        return defaults;
    }

    /** The principals the file names (for metrics and the admin view), without the defaults. */
    public Set<String> configuredPrincipals() {
        return byPrincipal.keySet();
    }

    private static TenantLimits envDefaults(TenantSettings settings) {
        return new TenantLimits(
                atLeast(settings.requestsPerMinute(), 1, "HARNESS_TENANT_REQUESTS_PER_MINUTE"),
                atLeast(settings.maxQueued(), 0, "HARNESS_TENANT_MAX_QUEUED"),
                atLeast(settings.maxInFlight(), 1, "HARNESS_TENANT_MAX_IN_FLIGHT"),
                positive(settings.dailyBudgetUsd(), "HARNESS_TENANT_DAILY_BUDGET_USD"));
    }

    private static OptionalInt atLeast(OptionalInt value, int minimum, String name) {
        if (value.isPresent() && value.getAsInt() < minimum) {
            throw new TenantPolicyException(name + " must be at least " + minimum + ", got " + value.getAsInt());
        }
        return value;
    }

    private static OptionalDouble positive(OptionalDouble value, String name) {
        if (value.isPresent() && (!(value.getAsDouble() > 0) || Double.isInfinite(value.getAsDouble()))) {
            throw new TenantPolicyException(name + " must be a positive amount, got " + value.getAsDouble());
        }
        return value;
    }

    private static Iterable<Map.Entry<String, JsonNode>> entries(JsonNode file, String section, String where) {
        JsonNode node = file.get(section);
        if (node == null || node.isNull()) {
            return Set.of();
        }
        if (!node.isObject()) {
            throw new TenantPolicyException(where + section + ": must be a mapping of name to limits");
        }
        return node::fields;
    }

    private static TenantLimits limits(JsonNode node, String where, String path) {
        if (node == null || node.isNull()) {
            return TenantLimits.UNLIMITED;
        }
        if (!node.isObject()) {
            throw new TenantPolicyException(where + path + ": must be a mapping of " + FIELDS);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new TenantPolicyException(where + path + "." + field + ": unknown key (expected one of "
                        + FIELDS + ")");
            }
        }
        return new TenantLimits(
                whole(node.get("requests_per_minute"), 1, where, path + ".requests_per_minute"),
                whole(node.get("max_queued"), 0, where, path + ".max_queued"),
                whole(node.get("max_in_flight"), 1, where, path + ".max_in_flight"),
                amount(node.get("daily_budget_usd"), where, path + ".daily_budget_usd"));
    }

    private static OptionalInt whole(JsonNode value, int minimum, String where, String path) {
        if (value == null || value.isNull()) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < minimum) {
            throw new TenantPolicyException(where + path + ": must be a whole number of at least " + minimum
                    + ", got " + value);
        }
        return OptionalInt.of(value.intValue());
    }

    private static OptionalDouble amount(JsonNode value, String where, String path) {
        if (value == null || value.isNull()) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber() || !(value.doubleValue() > 0) || Double.isInfinite(value.doubleValue())) {
            throw new TenantPolicyException(where + path + ": must be a positive amount in US dollars, got " + value);
        }
        return OptionalDouble.of(value.doubleValue());
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new TenantPolicyException("HARNESS_TENANTS_FILE " + file + ": not valid YAML: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TenantPolicyException("HARNESS_TENANTS_FILE " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }
}
