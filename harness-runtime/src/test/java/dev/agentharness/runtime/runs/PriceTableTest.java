package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The price file ({@code HARNESS_PRICES_FILE}): what it prices, and that every bad file stops the harness naming the
 * file and the key, with nothing of it applied.
 */
class PriceTableTest {

    private static final double DELTA = 1e-12;

    @TempDir
    Path dir;

    @Test
    void aCallCostsItsUncachedInputCachedInputAndOutputAtTheModelsPrices() throws IOException {
        PriceTable table = table("""
                models:
                  gpt-4.1-mini: {input_usd_per_mtok: 0.40, cached_input_usd_per_mtok: 0.10, output_usd_per_mtok: 1.60}
                  gpt-5.4-mini: {input_usd_per_mtok: 0.25, output_usd_per_mtok: 2}
                """, Optional.empty());

        // (2,000 - 1,500) × 0.40 + 1,500 × 0.10 + 100 × 1.60 = 200 + 150 + 160 = 510 micro-dollars.
        assertEquals(0.000510, table.costUsd("gpt-4.1-mini", 2_000, 1_500, 100), DELTA);
        // Without a cached price, cached input costs as much as input: 1,000 × 0.25 + 200 × 2 = 650 micro-dollars.
        assertEquals(0.000650, table.costUsd("gpt-5.4-mini", 1_000, 400, 200), DELTA);
        assertTrue(table.configured());
        assertEquals(List.of("gpt-4.1-mini", "gpt-5.4-mini"), List.copyOf(table.pricedModels()));
    }

    @Test
    void jsonIsReadToo() throws IOException {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, "{\"models\": {\"m\": {\"input_usd_per_mtok\": 1, \"output_usd_per_mtok\": 4}}}");
        PriceTable table = new PriceTable(PriceTable.read(file), file.toString(), Optional.empty());

        assertEquals(0.000005, table.costUsd("m", 1, 0, 1), DELTA);
    }

    @Test
    void aModelTheTableDoesNotNameCostsTheGlobalPriceOrIsUnpricedWithoutOne() throws IOException {
        String file = "models:\n  priced: {input_usd_per_mtok: 1, output_usd_per_mtok: 2}\n";
        PriceTable withFallback = table(file, Optional.of(new PriceTable.ModelPrice(3, 3, 5)));
        PriceTable without = table(file, Optional.empty());

        assertEquals(0.000008, withFallback.costUsd("other", 1, 0, 1), DELTA);
        assertEquals(List.of(), withFallback.unpriced(List.of("priced", "other")));
        assertEquals(List.of("other", "zeta"), without.unpriced(List.of("zeta", "priced", "other", "other")));
        assertEquals(0, without.costUsd("other", 1_000, 0, 1_000));
    }

    @Test
    void withoutATableEveryModelCostsTheGlobalPriceAndNoneIsRefused() {
        PriceTable none = new PriceTable(null, null, Optional.of(new PriceTable.ModelPrice(2, 2, 8)));
        PriceTable free = new PriceTable(null, null, Optional.empty());

        assertFalse(none.configured());
        assertEquals(0.00001, none.costUsd("any", 1, 1, 1), DELTA);
        assertEquals(List.of(), free.unpriced(List.of("any")));
        assertEquals(0, free.costUsd("any", 1_000, 0, 1_000));
    }

    @Test
    void everyBadFileNamesTheFileAndTheKey() throws IOException {
        refused("models:\n  gpt-4.1-mini: {input_usd_per_mtok: 0.4, output_usd_per_mtok: -1}\n",
                "models.gpt-4.1-mini.output_usd_per_mtok: must be a number of US dollars per million tokens, at "
                        + "least 0, got -1");
        refused("models:\n  gpt-4.1-mini: {input_usd_per_mtok: \"0.40\", output_usd_per_mtok: 1}\n",
                "models.gpt-4.1-mini.input_usd_per_mtok: must be a number");
        refused("models:\n  gpt-4.1-mini: {input_usd_per_mtok: 0.4, cached_input_usd_per_mtok: cheap, "
                + "output_usd_per_mtok: 1}\n", "models.gpt-4.1-mini.cached_input_usd_per_mtok: must be a number");
        refused("models:\n  gpt-4.1-mini: {input_usd_per_mtok: true, output_usd_per_mtok: 1}\n",
                "models.gpt-4.1-mini.input_usd_per_mtok: must be a number");
        refused("models:\n  gpt-4.1-mini: {input_usd_per_mtok: 0.4}\n",
                "models.gpt-4.1-mini.output_usd_per_mtok: required");
        refused("models:\n  gpt-4.1-mini: {output_usd_per_mtok: 1}\n",
                "models.gpt-4.1-mini.input_usd_per_mtok: required");
        refused("models:\n  gpt-4.1-mini: {input_usd_per_mtok: 0.4, output_usd_per_mtok: 1, reasoning_usd_per_mtok: 9}\n",
                "models.gpt-4.1-mini.reasoning_usd_per_mtok: unknown key");
        refused("models:\n  gpt-4.1-mini: 0.4\n", "models.gpt-4.1-mini: must be a mapping");
        refused("models:\n  \"bad model!\": {input_usd_per_mtok: 1, output_usd_per_mtok: 1}\n",
                "models.bad model!: not a model name");
        refused("prices:\n  m: {input_usd_per_mtok: 1, output_usd_per_mtok: 1}\n", "prices: unknown key");
        refused("defaults: {}\n", "defaults: unknown key");
        refused("models: [gpt-4.1-mini]\n", "models: required, a mapping");
        refused("{}\n", "models: required, a mapping");
        refused("- just a list\n", "must be a mapping with the key 'models'");
        refused("models:\n  m: {input_usd_per_mtok: 1, output_usd_per_mtok: 1}\n  m: {input_usd_per_mtok: 2, "
                + "output_usd_per_mtok: 2}\n", "not valid YAML or JSON");
        refused("models: {m: {input_usd_per_mtok: 1,\n", "not valid YAML or JSON");
        refused("", "empty");
    }

    @Test
    void aMissingFileNamesTheFile() {
        Path missing = dir.resolve("nope.yaml");
        PriceTableException e = assertThrows(PriceTableException.class, () -> PriceTable.read(missing));
        assertTrue(e.getMessage().startsWith("HARNESS_PRICES_FILE " + missing + ": cannot be read"), e.getMessage());
    }

    private void refused(String content, String expected) throws IOException {
        Path file = Files.writeString(dir.resolve("prices-" + Math.abs(content.hashCode()) + ".yaml"), content);
        PriceTableException e = assertThrows(PriceTableException.class,
                () -> new PriceTable(PriceTable.read(file), file.toString(), Optional.empty()), content);
        String prefix = "HARNESS_PRICES_FILE " + file + ": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().substring(prefix.length()).startsWith(expected)
                        || e.getMessage().contains(expected),
                "expected '" + expected + "' in: " + e.getMessage());
    }

    private PriceTable table(String content, Optional<PriceTable.ModelPrice> fallback) throws IOException {
        Path file = Files.writeString(dir.resolve("prices.yaml"), content);
        return new PriceTable(PriceTable.read(file), file.toString(), fallback);
    }
}
