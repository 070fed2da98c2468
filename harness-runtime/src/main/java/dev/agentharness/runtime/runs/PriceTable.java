package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentharness.runtime.agent.CallPricing;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The price of each model, from {@code HARNESS_PRICES_FILE} (YAML or JSON; the chart mounts a ConfigMap there):
 *
 * <pre>
 * models:
 *   gpt-4.1-mini: {input_usd_per_mtok: 0.40, cached_input_usd_per_mtok: 0.10, output_usd_per_mtok: 1.60}
 * </pre>
 *
 * US dollars per million tokens; {@code cached_input_usd_per_mtok} is optional (cached input then costs as much as
 * input). Reasoning tokens are part of the output tokens and billed as output. A model the table does not name is
 * priced with the global {@link Pricing} ({@code MODEL_PRICE_*}) when that is set; otherwise a run that would call it
 * is refused at submission ({@link #unpriced}), as no budget can be enforced on it. Models are priced by the name the
 * run asked for, not by the dated snapshot the provider says answered.
 *
 * <p>The whole file is checked at startup: a typo, an unknown key, a negative or non-numeric price or a missing one
 * stops the harness with the file and the key named ({@code models.gpt-4.1-mini.output_usd_per_mtok}); nothing of a
 * bad file is applied.
 */
@ApplicationScoped
@Startup
public class PriceTable implements CallPricing {

    static final String VARIABLE = "HARNESS_PRICES_FILE";
    static final String INPUT = "input_usd_per_mtok";
    static final String CACHED_INPUT = "cached_input_usd_per_mtok";
    static final String OUTPUT = "output_usd_per_mtok";
    private static final Set<String> FIELDS = Set.of(INPUT, CACHED_INPUT, OUTPUT);

    /** US dollars per million tokens of each kind. */
    public record ModelPrice(double inputUsdPerMtok, double cachedInputUsdPerMtok, double outputUsdPerMtok) {

        /** Cached input tokens are a part of {@code inputTokens}; reasoning tokens a part of {@code outputTokens}. */
        double costUsd(long inputTokens, long cachedInputTokens, long outputTokens) {
            long cached = Math.max(0, Math.min(cachedInputTokens, inputTokens));
            return ((inputTokens - cached) * inputUsdPerMtok + cached * cachedInputUsdPerMtok
                    + outputTokens * outputUsdPerMtok) / 1_000_000d;
        }
    }

    private final Map<String, ModelPrice> models;
    private final boolean configured;
    private final Optional<ModelPrice> fallback;

    @Inject
    public PriceTable(Pricing pricing) {
        this(pricing.file().map(PriceTable::read).orElse(null), pricing.file().map(Path::toString).orElse(null),
                pricing.fallbackSet() ? Optional.of(new ModelPrice(pricing.inputUsdPerMillionTokens(),
                        pricing.inputUsdPerMillionTokens(), pricing.outputUsdPerMillionTokens())) : Optional.empty());
    }

    /**
     * @param file     the parsed file; null when none is configured
     * @param fallback the price of models the file does not name; empty = they are refused (when a file is set)
     */
    PriceTable(JsonNode file, String fileName, Optional<ModelPrice> fallback) {
        this.fallback = fallback;
        this.configured = file != null;
        this.models = file == null ? Map.of() : parse(file, VARIABLE + " " + fileName + ": ");
    }

    /** Whether a price table is configured (only then are unpriced models refused). */
    public boolean configured() {
        return configured;
    }

    /** The models the table names, sorted. */
    public Set<String> pricedModels() {
        return new TreeSet<>(models.keySet());
    }

    /** The price of {@code model}: the table's, else the global one; empty when neither prices it. */
    public Optional<ModelPrice> priceOf(String model) {
        ModelPrice price = models.get(model);
        if (price != null) {
            return Optional.of(price);
        }
        // Without a table every model costs the global price, 0 when unset (as before there were tables).
        return configured ? fallback : Optional.of(fallback.orElse(new ModelPrice(0, 0, 0)));
    }

    /** Of {@code runModels}, those nothing prices, sorted (never any without a table: the global price applies). */
    public List<String> unpriced(Collection<String> runModels) {
        return runModels.stream().filter(model -> priceOf(model).isEmpty()).distinct().sorted().toList();
    }

    /** What one call cost at today's prices; 0 for a model nothing prices (it was refused at submission). */
    @Override
    public double costUsd(String model, long inputTokens, long cachedInputTokens, long outputTokens) {
        return priceOf(model).map(price -> price.costUsd(inputTokens, cachedInputTokens, outputTokens)).orElse(0d);
    }

    private static Map<String, ModelPrice> parse(JsonNode file, String where) {
        if (!file.isObject()) {
            throw new PriceTableException(where + "must be a mapping with the key 'models'");
        }
        for (Iterator<String> names = file.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!"models".equals(key)) {
                throw new PriceTableException(where + key + ": unknown key (expected models)");
            }
        }
        JsonNode section = file.get("models");
        if (section == null || !section.isObject()) {
            throw new PriceTableException(where + "models: required, a mapping of model name to prices");
        }
        Map<String, ModelPrice> prices = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> entries = section.fields(); entries.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String name = entry.getKey();
            String path = "models." + name;
            if (!RunRequestValidator.MODEL.matcher(name).matches()) {
                throw new PriceTableException(where + path + ": not a model name (" + RunRequestValidator.MODEL.pattern()
                        + ")");
            }
            JsonNode node = entry.getValue();
            if (node == null || !node.isObject()) {
                throw new PriceTableException(where + path + ": must be a mapping of " + new TreeSet<>(FIELDS));
            }
            for (Iterator<String> fields = node.fieldNames(); fields.hasNext(); ) {
                String field = fields.next();
                if (!FIELDS.contains(field)) {
                    throw new PriceTableException(where + path + "." + field + ": unknown key (expected one of "
                            + new TreeSet<>(FIELDS) + ")");
                }
            }
            double input = price(node, INPUT, where, path);
            double output = price(node, OUTPUT, where, path);
            double cached = node.has(CACHED_INPUT) ? price(node, CACHED_INPUT, where, path) : input;
            prices.put(name, new ModelPrice(input, cached, output));
        }
        return Map.copyOf(prices);
    }

    private static double price(JsonNode node, String field, String where, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new PriceTableException(where + path + "." + field + ": required (US dollars per million tokens)");
        }
        if (!value.isNumber() || value.doubleValue() < 0 || Double.isNaN(value.doubleValue())
                || Double.isInfinite(value.doubleValue())) {
            throw new PriceTableException(where + path + "." + field
                    + ": must be a number of US dollars per million tokens, at least 0, got " + value);
        }
        return value.doubleValue();
    }

    static JsonNode read(Path file) {
        try {
            ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
            JsonNode parsed = yaml.readTree(Files.readString(file));
            if (parsed == null || parsed.isMissingNode() || parsed.isNull()) {
                throw new PriceTableException(VARIABLE + " " + file + ": empty (expected a mapping with the key 'models')");
            }
            return parsed;
        } catch (JacksonException e) {
            throw new PriceTableException(VARIABLE + " " + file + ": not valid YAML or JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PriceTableException(VARIABLE + " " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }
}
