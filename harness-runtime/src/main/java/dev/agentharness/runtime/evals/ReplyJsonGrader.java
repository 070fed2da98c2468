package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.JsonPathException;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.json.JsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import com.jayway.jsonpath.spi.mapper.MappingProvider;
import dev.agentharness.api.RunTranscript;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code reply_json}: the reply parsed as JSON (a {@code ```json} fence around it is tolerated) and each JsonPath's
 * value matched. JsonPath (Jayway) runs on Jackson's nodes: json-smart, its default provider, is not on the class path.
 */
record ReplyJsonGrader(String name, Map<String, Path> paths) implements Grader {

    /** A compiled JsonPath and what its value must be. */
    record Path(String expression, JsonPath path, ValueMatcher matcher) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FENCE = Pattern.compile("^```[a-zA-Z]*\\s*(.*?)\\s*```$", Pattern.DOTALL);
    private static final Configuration JACKSON;

    static {
        Configuration.Defaults jackson = new Configuration.Defaults() {
            private final JsonProvider jsonProvider = new JacksonJsonNodeJsonProvider(JSON);
            private final MappingProvider mappingProvider = new JacksonMappingProvider(JSON);

            @Override
            public JsonProvider jsonProvider() {
                return jsonProvider;
            }

            @Override
            public Set<Option> options() {
                return EnumSet.noneOf(Option.class);
            }

            @Override
            public MappingProvider mappingProvider() {
                return mappingProvider;
            }
        };
        // JsonPath falls back to its process-wide defaults in places (JSON literals in filters); they must not be
        // json-smart's, which is not on the class path. Nothing else in the harness uses JsonPath.
        Configuration.setDefaults(jackson);
        JACKSON = Configuration.builder().jsonProvider(jackson.jsonProvider())
                .mappingProvider(jackson.mappingProvider()).options(jackson.options()).build();
    }

    ReplyJsonGrader {
        paths = Map.copyOf(new LinkedHashMap<>(paths));
    }

    static JsonPath compile(String expression, String field) throws GraderConfigException {
        try {
            return JsonPath.compile(expression);
        } catch (InvalidPathException | IllegalArgumentException e) {
            throw new GraderConfigException(field, "invalid JsonPath: " + Text.truncate(e.getMessage(), Text.SHORT));
        } catch (LinkageError e) {
            // JsonPath parses an array or object literal inside a filter with json-smart, which is not on the class
            // path (pom.xml: we use Jackson's provider). Comparing single values covers what datasets need.
            throw new GraderConfigException(field, "array and object literals inside JsonPath filters are not "
                    + "supported; compare single values (e.g. [?(@.tags[0] == 'x')])");
        }
    }

    @Override
    public String kind() {
        return "reply_json";
    }

    @Override
    public Score grade(RunTranscript run) {
        String none = ReplyGraders.noReply(run);
        if (none != null) {
            return Score.fail(name, "expected a JSON reply; " + none);
        }
        String body = run.reply().strip();
        Matcher fenced = FENCE.matcher(body);
        if (fenced.matches()) {
            body = fenced.group(1);
        }
        JsonNode reply;
        try {
            reply = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            reply = null;
        }
        if (reply == null || reply.isMissingNode()) {
            return Score.fail(name, "expected a JSON reply; the reply is not JSON: " + Text.quote(run.reply()));
        }
        List<String> failures = new ArrayList<>();
        List<String> passes = new ArrayList<>();
        for (Path path : paths.values().stream().sorted(java.util.Comparator.comparing(Path::expression)).toList()) {
            JsonNode actual = read(reply, path.path());
            if (path.matcher().matches(actual)) {
                passes.add(path.expression() + " = " + ValueMatcher.render(actual));
            } else {
                failures.add(path.expression() + ": expected " + path.matcher().describe() + "; found "
                        + ValueMatcher.render(actual));
            }
        }
        return failures.isEmpty() ? Score.pass(name, String.join("; ", passes))
                : Score.fail(name, String.join("; ", failures));
    }

    /** The value at {@code path}, or {@code null} when there is none. */
    private static JsonNode read(JsonNode document, JsonPath path) {
        Object value;
        try {
            value = path.read(document, JACKSON);
        } catch (PathNotFoundException e) {
            return null;
        } catch (JsonPathException | IllegalArgumentException | ClassCastException e) {
            return null;
        }
        return value == null ? JSON.nullNode() : JSON.valueToTree(value);
    }
}
