package dev.agentharness.fakes;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The fakes' reading of a raw URL query: names and values decoded; {@link #parse} keeps the first of a repeated name. */
public final class QueryStrings {

    private QueryStrings() {
    }

    public static Map<String, String> parse(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        parseAll(raw).forEach((name, values) -> query.put(name, values.getFirst()));
        return query;
    }

    /** Every value of every name, in order. */
    public static Map<String, List<String>> parseAll(String raw) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return query;
    }
}
