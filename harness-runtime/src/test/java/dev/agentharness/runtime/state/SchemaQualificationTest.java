package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Neon's pooled endpoint drops {@code search_path}: every table reference in SQL we ship must name its schema.
 * Scans the migrations and every Java string literal under src/main.
 */
class SchemaQualificationTest {

    /** A table position: the keyword, optional IF [NOT] EXISTS / ONLY, then the name. */
    private static final String TABLE_REFERENCE =
            "\\b(from|join|into|update|table|references)\\s+(?:if\\s+(?:not\\s+)?exists\\s+|only\\s+)?([A-Za-z_][A-Za-z0-9_.\"]*)";
    private static final Pattern SQL_REFERENCE = Pattern.compile(TABLE_REFERENCE, Pattern.CASE_INSENSITIVE);
    /** In Java, SQL keywords are written in upper case; this keeps English prose in log messages out of the scan. */
    private static final Pattern JAVA_REFERENCE = Pattern.compile(TABLE_REFERENCE.replace("from|join|into|update|table|references",
            "FROM|JOIN|INTO|UPDATE|TABLE|REFERENCES").replace("if\\s+(?:not\\s+)?exists\\s+|only\\s+", "IF\\s+(?:NOT\\s+)?EXISTS\\s+|ONLY\\s+"));
    // The comma of a second CTE follows a ')' — no word boundary there, so \b guards only WITH.
    private static final Pattern CTE_NAME = Pattern.compile("(?:\\bWITH(?:\\s+RECURSIVE)?|,)\\s*([A-Za-z_][A-Za-z0-9_]*)\\s+AS\\s*\\(",
            Pattern.CASE_INSENSITIVE);
    /** Words that can follow the keywords without being a table (e.g. ON CONFLICT … DO UPDATE SET). */
    private static final Set<String> NOT_TABLES = Set.of("set", "of", "skip", "nowait", "select", "lateral", "unnest", "jsonb_array_elements",
            "generate_series", "pg_catalog");
    private static final Pattern STRING_LITERAL = Pattern.compile("\"\"\"(.*?)\"\"\"|\"((?:[^\"\\\\\\n]|\\\\.)*)\"", Pattern.DOTALL);

    @Test
    void every_table_reference_in_migrations_is_schema_qualified() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Path> files = files(Path.of("..", "schema"), ".sql");
        assertTrue(!files.isEmpty(), "no migrations found");
        for (Path file : files) {
            String sql = Files.readString(file).replaceAll("--[^\\n]*", "");
            violations.addAll(unqualified(file.getFileName().toString(), sql, SQL_REFERENCE));
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void every_table_reference_in_java_strings_is_schema_qualified() throws IOException {
        List<String> violations = new ArrayList<>();
        int scanned = 0;
        for (Path file : files(Path.of("src", "main", "java"), ".java")) {
            // Statements are often built from several literals ("… " + COLUMNS + " FROM …"), so scan them joined.
            StringBuilder sql = new StringBuilder();
            Matcher literal = STRING_LITERAL.matcher(Files.readString(file));
            while (literal.find()) {
                sql.append(literal.group(1) != null ? literal.group(1) : literal.group(2)).append(";\n"); // a literal ending in "FOR UPDATE" is not an UPDATE of the next
                scanned++;
            }
            violations.addAll(unqualified(file.getFileName().toString(), sql.toString(), JAVA_REFERENCE));
        }
        assertTrue(scanned > 0);
        assertEquals(List.of(), violations);
    }

    @Test
    void the_scanner_catches_an_unqualified_table() {
        assertEquals(1, unqualified("example", "SELECT id FROM runs WHERE x = 1", JAVA_REFERENCE).size());
        assertEquals(1, unqualified("example", "insert into audit_log (a) values (1)", SQL_REFERENCE).size());
        assertEquals(0, unqualified("example", "WITH expired AS (UPDATE public.runs SET a = 1 RETURNING id) "
                + "SELECT id FROM expired", JAVA_REFERENCE).size());
        assertEquals(0, unqualified("example", "WITH a AS (SELECT id FROM public.runs), b AS (DELETE FROM public.x "
                + "RETURNING id) SELECT id FROM a UNION ALL SELECT id FROM b", JAVA_REFERENCE).size());
        assertEquals(0, unqualified("example", "SELECT id FROM public.runs FOR UPDATE SKIP LOCKED", JAVA_REFERENCE).size());
        assertEquals(0, unqualified("example", "INSERT INTO public.x VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1",
                JAVA_REFERENCE).size());
    }

    private static List<String> unqualified(String where, String text, Pattern references) {
        Set<String> cteNames = new HashSet<>();
        Matcher cte = CTE_NAME.matcher(text);
        while (cte.find()) {
            cteNames.add(cte.group(1).toLowerCase(Locale.ROOT));
        }
        List<String> violations = new ArrayList<>();
        Matcher m = references.matcher(text);
        while (m.find()) {
            String name = m.group(2);
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.contains(".") || NOT_TABLES.contains(lower) || cteNames.contains(lower)) {
                continue;
            }
            violations.add(where + ": '" + m.group(1) + " " + name + "'");
        }
        return violations;
    }

    private static List<Path> files(Path root, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }
}
