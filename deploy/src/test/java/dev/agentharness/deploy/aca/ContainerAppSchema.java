package dev.agentharness.deploy.aca;

import dev.agentharness.deploy.testing.RepositoryFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The official ContainerApp definition (Microsoft.App 2025-07-01, ../shared/specs/azure-containerapps) as a validator
 * for what {@code az containerapp create/update --yaml} sends: the YAML is the ARM resource body, so it is validated
 * against {@code ContainerApps.json#/definitions/ContainerApp}.
 *
 * <p>The files are Swagger 2.0 definitions, i.e. JSON Schema draft 4 plus {@code x-ms-*} annotations (ignored as
 * unknown keywords). Their refs into the shared common types climb six directories
 * ({@code ../../../../../../common-types/...}), as in the azure-rest-api-specs repository: the spec is loaded under a
 * virtual base IRI with the same depth as upstream, and both prefixes are mapped onto the local folder.
 *
 * <p>The definitions never say {@code additionalProperties: false}, so a misspelt key (say {@code activeRevisionMode})
 * would pass JSON Schema validation and be silently dropped by Azure. {@link #undeclaredFields} therefore also
 * reports every key that no definition at that position declares, following the same refs and allOfs.
 */
public final class ContainerAppSchema {

    private static final String UPSTREAM = "https://specs.invalid/specification/";
    private static final String SPEC_DIR = UPSTREAM + "app/resource-manager/Microsoft.App/ContainerApps/stable/2025-07-01/";
    private static final String COMMON_TYPES = UPSTREAM + "common-types/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Spec files kept in the repository (with their source URL beside them), read before the shared folder. */
    private static final Path VENDORED = RepositoryFiles.root().resolve("deploy/src/test/resources/azure-containerapps");

    private final Path specs;
    private final Schema schema;
    private final String file;
    private final String definition;
    private final Map<String, JsonNode> documents = new HashMap<>();

    public ContainerAppSchema(Path specsDir) {
        this(specsDir, "ContainerApps.json", "ContainerApp");
    }

    /**
     * Any definition of the same spec folder, e.g. {@code ("Jobs.json", "Job")} — the Container Apps job, which
     * {@code az containerapp job create --yaml} sends (Jobs.json is kept beside ContainerApps.json with its source).
     */
    public ContainerAppSchema(Path specsDir, String file, String definition) {
        this.specs = specsDir;
        this.file = file;
        this.definition = definition;
        // Every IRI under the virtual base is served from the local folder; nothing is fetched from a network.
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4,
                builder -> builder.resourceLoaders(loaders -> loaders.resources(
                        (String iri) -> iri.startsWith(UPSTREAM) ? text(iri) : null)));
        this.schema = registry.getSchema(SchemaLocation.of(SPEC_DIR + file + "#/definitions/" + definition));
    }

    /** JSON Schema errors of the ARM body, as "instance path: message". */
    public List<String> validate(JsonNode containerApp) {
        tools.jackson.databind.JsonNode node = new tools.jackson.databind.ObjectMapper().readTree(containerApp.toString());
        return schema.validate(node).stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }

    /** Keys of the instance that no definition declares at their position. */
    public List<String> undeclaredFields(JsonNode containerApp) {
        List<String> problems = new ArrayList<>();
        walk(containerApp, new Ref(URI.create(SPEC_DIR + file), "/definitions/" + definition), "$", problems);
        return problems;
    }

    private record Ref(URI document, String pointer) {
    }

    private void walk(JsonNode instance, Ref at, String path, List<String> problems) {
        List<Ref> schemas = flatten(at);
        if (instance.isObject()) {
            for (Iterator<String> names = instance.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                Ref property = null;
                Ref additional = null;
                boolean anyKey = false;
                for (Ref s : schemas) {
                    JsonNode node = node(s);
                    if (node.path("properties").has(name)) {
                        property = new Ref(s.document(), s.pointer() + "/properties/" + escape(name));
                    }
                    if (node.path("additionalProperties").isObject()) {
                        additional = new Ref(s.document(), s.pointer() + "/additionalProperties");
                    } else if (node.path("additionalProperties").asBoolean(false)) {
                        anyKey = true;
                    }
                }
                if (property != null) {
                    walk(instance.get(name), property, path + "." + name, problems);
                } else if (additional != null) {
                    walk(instance.get(name), additional, path + "." + name, problems);
                } else if (!anyKey) {
                    problems.add(path + "." + name + " is not a field of the " + definition + " definition");
                }
            }
        } else if (instance.isArray()) {
            for (Ref s : schemas) {
                if (node(s).has("items")) {
                    for (int i = 0; i < instance.size(); i++) {
                        walk(instance.get(i), new Ref(s.document(), s.pointer() + "/items"), path + "[" + i + "]", problems);
                    }
                    return;
                }
            }
        }
    }

    /** The schema and everything it pulls in through $ref and allOf. */
    private List<Ref> flatten(Ref start) {
        List<Ref> out = new ArrayList<>();
        Ref ref = start;
        JsonNode node = node(ref);
        while (node.has("$ref")) {
            ref = resolve(ref, node.get("$ref").asText());
            node = node(ref);
        }
        out.add(ref);
        JsonNode allOf = node.path("allOf");
        for (int i = 0; i < allOf.size(); i++) {
            out.addAll(flatten(new Ref(ref.document(), ref.pointer() + "/allOf/" + i)));
        }
        return out;
    }

    private Ref resolve(Ref from, String ref) {
        int hash = ref.indexOf('#');
        String file = hash < 0 ? ref : ref.substring(0, hash);
        String pointer = hash < 0 ? "" : ref.substring(hash + 1);
        return new Ref(file.isEmpty() ? from.document() : from.document().resolve(file).normalize(), pointer);
    }

    private JsonNode node(Ref ref) {
        JsonNode document = documents.computeIfAbsent(ref.document().toString(), this::load);
        JsonNode node = document.at(ref.pointer());
        if (node.isMissingNode()) {
            throw new IllegalStateException("unresolvable ref " + ref);
        }
        return node;
    }

    private String text(String iri) {
        try {
            return java.nio.file.Files.readString(local(iri));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path local(String iri) {
        String local = iri.startsWith(SPEC_DIR) ? iri.substring(SPEC_DIR.length())
                : iri.startsWith(COMMON_TYPES) ? "common-types/" + iri.substring(COMMON_TYPES.length()) : null;
        if (local == null) {
            throw new IllegalStateException("ref outside the spec folder: " + iri);
        }
        // Files the shared spec folder may lack (Jobs.json) are vendored with their source in the test resources.
        Path vendored = VENDORED.resolve(local);
        return java.nio.file.Files.isRegularFile(vendored) ? vendored : specs.resolve(local);
    }

    private JsonNode load(String iri) {
        try {
            return JSON.readTree(local(iri).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
