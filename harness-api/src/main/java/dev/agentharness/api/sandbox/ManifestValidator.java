package dev.agentharness.api.sandbox;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates and normalises a sandbox manifest (SPEC §8). Shared by the harness ({@code POST /runs})
 * and the operator, so both accept exactly the same manifests. Collects every problem instead of
 * stopping at the first, and never echoes a value that might be a secret.
 */
public final class ManifestValidator {

    /** What {@code capabilities} may name (the Agents SDK's capability types). */
    public static final Set<String> KNOWN_CAPABILITIES = Set.of("filesystem", "shell", "compaction", "skills", "memory");

    /** Total bytes of {@code file} contents one manifest may carry (it travels in the run request). */
    public static final int MAX_FILE_CONTENT_BYTES = 1024 * 1024;

    /** Entries one manifest may list: each becomes work in the sandbox before the run starts (abuse limit). */
    public static final int MAX_ENTRIES = 1000;

    /** {@code r2_mount}/{@code s3_mount} entries one manifest may list: each is a listing + downloads per run. */
    public static final int MAX_MOUNTS = 16;

    private static final Set<String> TOP_LEVEL_FIELDS = Set.of("version", "root", "entries", "capabilities", "network");
    private static final Map<String, Set<String>> ENTRY_FIELDS = Map.of(
            "file", Set.of("type", "content"),
            "dir", Set.of("type"),
            "git_repo", Set.of("type", "host", "repo", "ref", "subpath"),
            "r2_mount", Set.of("type", "bucket", "prefix", "read_only"),
            "s3_mount", Set.of("type", "bucket", "prefix", "read_only"));

    /**
     * Field names that carry credentials in the SDK's mount types or anywhere else. Mounts are
     * presigned by the harness: a credential in a manifest would end up inside the sandbox.
     */
    private static final Pattern CREDENTIAL_FIELD = Pattern.compile(
            "(?i).*(secret|password|passwd|token|credential|access_key|account_key|api_key|apikey|private_key"
                    + "|access_id|service_account|auth).*");

    private static final Pattern HOST = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+");
    private static final Pattern GIT_REF = Pattern.compile("[A-Za-z0-9_./-]{1,200}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
    private static final Set<String> PREFIX_PLACEHOLDERS = Set.of("session_id", "run_id");

    private ManifestValidator() {
    }

    /** Never throws on bad input; {@code manifest} is the JSON object as parsed into Maps/Lists/Strings/Numbers/Booleans. */
    public static ManifestValidation validate(Map<String, Object> manifest) {
        List<ManifestProblem> problems = new ArrayList<>();
        if (manifest == null) {
            problems.add(new ManifestProblem("manifest", "must be a JSON object"));
            return new ManifestValidation(null, problems);
        }
        for (String field : new TreeSet<>(manifest.keySet())) {
            if (!TOP_LEVEL_FIELDS.contains(field)) {
                problems.add(new ManifestProblem(field, "unknown field (allowed: capabilities, entries, network, root, version)"));
            }
        }
        Object version = manifest.get("version");
        if (version != null && !(version instanceof Number n && n.doubleValue() == 1)) {
            problems.add(new ManifestProblem("version", "only version 1 exists; omit the field or set it to 1"));
        }
        String root = root(manifest.get("root"), problems);
        Map<String, ManifestEntry> entries = entries(manifest.get("entries"), problems);
        List<String> capabilities = capabilities(manifest.get("capabilities"), problems);
        Network network = network(manifest.get("network"), problems);
        if (problems.isEmpty()) {
            gitReposNeedEgress(entries, network, problems);
        }
        if (!problems.isEmpty()) {
            return new ManifestValidation(null, problems);
        }
        return new ManifestValidation(new Manifest(root, entries, capabilities, network), problems);
    }

    private static String root(Object value, List<ManifestProblem> problems) {
        if (value == null) {
            return Manifest.DEFAULT_ROOT;
        }
        if (!(value instanceof String raw) || !raw.startsWith("/")) {
            problems.add(new ManifestProblem("root", "must be an absolute path such as /workspace"));
            return null;
        }
        List<String> segments = new ArrayList<>();
        for (String segment : raw.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..") || !printable(segment)) {
                problems.add(new ManifestProblem("root", "must be a plain absolute path without '..' or control characters"));
                return null;
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            problems.add(new ManifestProblem("root", "must not be '/': the workspace needs its own directory"));
            return null;
        }
        return "/" + String.join("/", segments);
    }

    private static Map<String, ManifestEntry> entries(Object value, List<ManifestProblem> problems) {
        Map<String, ManifestEntry> entries = new LinkedHashMap<>();
        if (value == null) {
            return entries;
        }
        if (!(value instanceof Map<?, ?> raw)) {
            problems.add(new ManifestProblem("entries", "must be an object keyed by workspace-relative path"));
            return entries;
        }
        if (raw.size() > MAX_ENTRIES) {
            // Checked before looking at any entry: a huge manifest costs no per-entry work.
            problems.add(new ManifestProblem("entries", "lists " + raw.size() + " entries; at most " + MAX_ENTRIES
                    + " are allowed (use a dir, a git_repo or a mount for many files)"));
            return entries;
        }
        Map<String, String> originalKeys = new HashMap<>();
        long contentBytes = 0;
        for (Map.Entry<?, ?> e : raw.entrySet()) {
            String key = String.valueOf(e.getKey());
            String field = "entries['" + key + "']";
            String path = relativePath(key, field, problems);
            ManifestEntry entry = entry(e.getValue(), field, problems);
            if (path == null || entry == null) {
                continue;
            }
            String earlier = originalKeys.putIfAbsent(path, key);
            if (earlier != null) {
                problems.add(new ManifestProblem(field, "names the same path '" + path + "' as entries['" + earlier + "']"));
                continue;
            }
            if (entry instanceof ManifestEntry.File file) {
                contentBytes += file.content().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            }
            entries.put(path, entry);
        }
        if (contentBytes > MAX_FILE_CONTENT_BYTES) {
            problems.add(new ManifestProblem("entries", "file contents total " + contentBytes + " bytes; at most "
                    + MAX_FILE_CONTENT_BYTES + " fit in a manifest (mount larger inputs from storage)"));
        }
        long mounts = entries.values().stream().filter(ManifestEntry.BucketMount.class::isInstance).count();
        if (mounts > MAX_MOUNTS) {
            problems.add(new ManifestProblem("entries", "lists " + mounts + " r2_mount/s3_mount entries; at most "
                    + MAX_MOUNTS + " are allowed (one mount can cover a whole prefix)"));
        }
        nestingConflicts(entries, originalKeys, problems);
        return entries;
    }

    /** Only a {@code dir} may contain other entries: a path below a file, repo or mount cannot be created. */
    private static void nestingConflicts(Map<String, ManifestEntry> entries, Map<String, String> originalKeys,
                                         List<ManifestProblem> problems) {
        for (String path : new TreeSet<>(entries.keySet())) {
            String parent = path;
            int slash;
            while ((slash = parent.lastIndexOf('/')) > 0) {
                parent = parent.substring(0, slash);
                ManifestEntry enclosing = entries.get(parent);
                if (enclosing != null && !(enclosing instanceof ManifestEntry.Dir)) {
                    problems.add(new ManifestProblem("entries['" + originalKeys.get(path) + "']",
                            "lies inside entries['" + originalKeys.get(parent) + "'], which is a " + enclosing.type()
                                    + ", not a dir"));
                    break;
                }
            }
        }
    }

    /** Normalises {@code a//b/./c/} to {@code a/b/c}; null (with a problem) for absolute or escaping paths. */
    static String relativePath(String key, String field, List<ManifestProblem> problems) {
        if (key.isBlank()) {
            problems.add(new ManifestProblem(field, "an entry needs a non-empty workspace-relative path"));
            return null;
        }
        if (key.startsWith("/") || key.startsWith("\\") || key.matches("^[A-Za-z]:.*")) {
            problems.add(new ManifestProblem(field, "must be relative to the workspace root, not absolute"));
            return null;
        }
        if (!printable(key) || key.contains("\\")) {
            problems.add(new ManifestProblem(field, "must not contain control characters or backslashes"));
            return null;
        }
        List<String> segments = new ArrayList<>();
        for (String segment : key.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    problems.add(new ManifestProblem(field, "escapes the workspace with '..'"));
                    return null;
                }
                segments.removeLast();
                continue;
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            problems.add(new ManifestProblem(field, "names the workspace root itself; name a path inside it"));
            return null;
        }
        return String.join("/", segments);
    }

    private static ManifestEntry entry(Object value, String field, List<ManifestProblem> problems) {
        if (!(value instanceof Map<?, ?> raw)) {
            problems.add(new ManifestProblem(field, "must be an object with a 'type'"));
            return null;
        }
        int before = problems.size();
        for (Object name : raw.keySet()) {
            if (CREDENTIAL_FIELD.matcher(String.valueOf(name)).matches()) {
                problems.add(new ManifestProblem(field + "." + name, "credentials are not allowed in a manifest: "
                        + "the harness gives the sandbox presigned URLs, never keys; remove the field"));
            }
        }
        Object type = raw.get("type");
        Set<String> allowed = type instanceof String t ? ENTRY_FIELDS.get(t) : null;
        if (allowed == null) {
            problems.add(new ManifestProblem(field + ".type", "must be one of dir, file, git_repo, r2_mount, s3_mount"));
            return null;
        }
        for (Object name : new TreeSet<>(raw.keySet().stream().map(String::valueOf).toList())) {
            if (!allowed.contains(name) && !CREDENTIAL_FIELD.matcher(String.valueOf(name)).matches()) {
                problems.add(new ManifestProblem(field + "." + name, "unknown field for a " + type + " entry (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")"));
            }
        }
        ManifestEntry entry = switch ((String) type) {
            case "file" -> {
                String content = string(raw, "content", field, true, problems);
                yield content == null ? null : new ManifestEntry.File(content);
            }
            case "dir" -> new ManifestEntry.Dir();
            case "git_repo" -> gitRepo(raw, field, problems);
            default -> bucketMount((String) type, raw, field, problems);
        };
        return problems.size() == before ? entry : null;
    }

    private static ManifestEntry gitRepo(Map<?, ?> raw, String field, List<ManifestProblem> problems) {
        String host = string(raw, "host", field, false, problems);
        host = host == null ? "github.com" : host.toLowerCase(Locale.ROOT);
        if (!HOST.matcher(host).matches()) {
            problems.add(new ManifestProblem(field + ".host", "must be a host name such as github.com"));
        }
        String repo = string(raw, "repo", field, true, problems);
        if (repo != null && !REPO.matcher(repo).matches()) {
            problems.add(new ManifestProblem(field + ".repo", "must be 'owner/name'"));
        }
        String ref = string(raw, "ref", field, false, problems);
        if (ref != null && (!GIT_REF.matcher(ref).matches() || ref.startsWith("-") || ref.contains(".."))) {
            problems.add(new ManifestProblem(field + ".ref", "must be a tag, branch or commit name"));
        }
        String subpath = string(raw, "subpath", field, false, problems);
        if (subpath != null) {
            subpath = relativePath(subpath, field + ".subpath", problems);
        }
        return new ManifestEntry.GitRepo(host, repo, ref, subpath);
    }

    private static ManifestEntry bucketMount(String type, Map<?, ?> raw, String field, List<ManifestProblem> problems) {
        String bucket = string(raw, "bucket", field, true, problems);
        if (bucket != null && !BUCKET.matcher(bucket).matches()) {
            problems.add(new ManifestProblem(field + ".bucket", "must be a bucket name (3-63 lower-case letters, digits, '.', '-')"));
        }
        String prefix = string(raw, "prefix", field, false, problems);
        prefix = prefix == null ? "" : prefix;
        Matcher placeholders = PLACEHOLDER.matcher(prefix);
        while (placeholders.find()) {
            if (!PREFIX_PLACEHOLDERS.contains(placeholders.group(1))) {
                problems.add(new ManifestProblem(field + ".prefix", "unknown placeholder '{" + placeholders.group(1)
                        + "}' (allowed: {run_id}, {session_id})"));
            }
        }
        if (prefix.startsWith("/") || List.of(prefix.split("/")).contains("..") || !printable(prefix)) {
            problems.add(new ManifestProblem(field + ".prefix", "must be a relative key prefix without '..'"));
        }
        Object readOnly = raw.get("read_only");
        if (readOnly != null && !(readOnly instanceof Boolean)) {
            problems.add(new ManifestProblem(field + ".read_only", "must be true or false"));
        }
        return new ManifestEntry.BucketMount(type, bucket, prefix, !Boolean.FALSE.equals(readOnly));
    }

    private static List<String> capabilities(Object value, List<ManifestProblem> problems) {
        if (value == null) {
            return Manifest.DEFAULT_CAPABILITIES;
        }
        if (!(value instanceof List<?> raw)) {
            problems.add(new ManifestProblem("capabilities", "must be a list such as [\"filesystem\", \"shell\"]"));
            return null;
        }
        List<String> capabilities = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            Object item = raw.get(i);
            if (!(item instanceof String name) || !KNOWN_CAPABILITIES.contains(name)) {
                problems.add(new ManifestProblem("capabilities[" + i + "]", "unknown capability (known: "
                        + String.join(", ", new TreeSet<>(KNOWN_CAPABILITIES)) + ")"));
            } else if (capabilities.contains(name)) {
                problems.add(new ManifestProblem("capabilities[" + i + "]", "'" + name + "' is listed twice"));
            } else {
                capabilities.add(name);
            }
        }
        return capabilities;
    }

    private static Network network(Object value, List<ManifestProblem> problems) {
        if (value == null) {
            return Network.NONE;
        }
        if (!(value instanceof Map<?, ?> raw)) {
            problems.add(new ManifestProblem("network", "must be an object such as {\"egress\": [\"pypi.org\"]}"));
            return null;
        }
        for (Object name : raw.keySet()) {
            if (!"egress".equals(name)) {
                problems.add(new ManifestProblem("network." + name, "unknown field (allowed: egress)"));
            }
        }
        Object egress = raw.get("egress");
        if (egress == null) {
            return Network.NONE;
        }
        if (!(egress instanceof List<?> hosts)) {
            problems.add(new ManifestProblem("network.egress", "must be a list of host names"));
            return null;
        }
        List<String> normalised = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i) instanceof String s ? s.toLowerCase(Locale.ROOT) : null;
            if (host == null || !HOST.matcher(host).matches()) {
                problems.add(new ManifestProblem("network.egress[" + i + "]", "must be a host name such as pypi.org"));
            } else if (!normalised.contains(host)) {
                normalised.add(host);
            }
        }
        return new Network(normalised);
    }

    /** A repository is cloned from inside the sandbox, so its host must be reachable from there. */
    private static void gitReposNeedEgress(Map<String, ManifestEntry> entries, Network network,
                                           List<ManifestProblem> problems) {
        entries.forEach((path, entry) -> {
            if (entry instanceof ManifestEntry.GitRepo repo && !network.allows(repo.host())) {
                problems.add(new ManifestProblem("entries['" + path + "']", "a git_repo is cloned inside the sandbox "
                        + "and needs network access to " + repo.host() + "; add it to network.egress"));
            }
        });
    }

    private static String string(Map<?, ?> raw, String name, String field, boolean required,
                                 List<ManifestProblem> problems) {
        Object value = raw.get(name);
        if (value == null) {
            if (required) {
                problems.add(new ManifestProblem(field + "." + name, "is required"));
            }
            return null;
        }
        if (!(value instanceof String s)) {
            problems.add(new ManifestProblem(field + "." + name, "must be a string"));
            return null;
        }
        return s;
    }

    private static boolean printable(String value) {
        return value.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }
}
