package dev.agentharness.fakes.e2b;

import dev.agentharness.fakes.QueryStrings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The FAKE envd: the in-sandbox daemon's HTTP API ({@code /files}, {@code /health}) and the two
 * Connect RPCs the harness uses ({@code /process.Process/Start}, server-streaming with the
 * {@code connect+json} envelope; {@code /filesystem.Filesystem/ListDir}, unary JSON), answering
 * byte for byte in envd's shapes (protojson: lowerCamelCase, base64 bytes, int64 as strings,
 * defaults omitted). Protocol mistakes of the client are recorded as violations.
 */
final class FakeEnvd {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> START_FIELDS = Set.of("process", "pty", "tag", "stdin");
    private static final Set<String> PROCESS_FIELDS = Set.of("cmd", "args", "envs", "cwd");
    private static final Set<String> LIST_DIR_FIELDS = Set.of("path", "depth");
    private static final int CHUNK = 8192;

    private final FakeE2bServer server;

    FakeEnvd(FakeE2bServer server) {
        this.server = server;
    }

    void handle(HttpExchange exchange, FakeVm vm, byte[] body) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/health") && exchange.getRequestMethod().equals("GET")) {
            exchange.sendResponseHeaders(204, -1);
            return;
        }
        if (vm.secure && !vm.accessToken.equals(exchange.getRequestHeaders().getFirst("X-Access-Token"))) {
            plainError(exchange, 401, "unauthorized access, please provide a valid access token or method signing if supported");
            return;
        }
        switch (path) {
            case "/process.Process/Start" -> start(exchange, vm, body);
            case "/filesystem.Filesystem/ListDir" -> listDir(exchange, vm, body);
            case "/files" -> files(exchange, vm, body);
            default -> connectError(exchange, 404, "unimplemented", path + " is not implemented by this fake envd");
        }
    }

    // --- Process/Start -------------------------------------------------------------------------

    private void start(HttpExchange exchange, FakeVm vm, byte[] body) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            connectError(exchange, 405, "unimplemented", "use POST");
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (!"application/connect+json".equals(contentType)) {
            server.violation("envd", "Process/Start needs Content-Type application/connect+json, got " + contentType);
            exchange.getResponseHeaders().set("Accept-Post", "application/connect+json, application/connect+proto");
            exchange.sendResponseHeaders(415, -1);
            return;
        }
        if (!"1".equals(exchange.getRequestHeaders().getFirst("Connect-Protocol-Version"))) {
            server.violation("envd", "Process/Start without Connect-Protocol-Version: 1");
        }
        Optional<String> user = user(exchange);
        exchange.getResponseHeaders().set("Content-Type", "application/connect+json");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        if (user.isEmpty()) {
            endStream(out, "unauthenticated", "invalid username: '" + requestedUser(exchange) + "'");
            return;
        }
        JsonNode request;
        try {
            List<ConnectFrames.Frame> frames = ConnectFrames.parse(body);
            if (frames.size() != 1 || frames.getFirst().flags() != ConnectFrames.MESSAGE) {
                throw new IllegalArgumentException("a server-streaming request is exactly one uncompressed message "
                        + "envelope, got " + frames.size() + " frame(s)");
            }
            request = JSON.readTree(frames.getFirst().payload());
            checkStart(request);
        } catch (IllegalArgumentException | IOException e) {
            server.violation("envd", "Process/Start: " + e.getMessage());
            endStream(out, "invalid_argument", e.getMessage());
            return;
        }
        JsonNode process = request.get("process");
        String cwd = process.has("cwd") ? FakeVm.absolute(process.get("cwd").asText(), user.get()) : FakeVm.home(user.get());
        Optional<Path> cwdHost = vm.host(cwd);
        if (cwdHost.isEmpty() || !Files.isDirectory(cwdHost.get())) {
            endStream(out, "invalid_argument", "cwd '" + cwd + "' does not exist");
            return;
        }
        if (server.bubblewrap().isEmpty()) {
            endStream(out, "unavailable", "FakeE2bServer runs commands with bubblewrap (/usr/bin/bwrap), which is not installed");
            return;
        }
        // envd's environment: its PATH, the user's HOME, the sandbox's envVars, then the request's envs.
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        environment.put("HOME", FakeVm.home(user.get()));
        environment.put("USER", user.get());
        environment.putAll(vm.envVars);
        process.path("envs").properties().forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
        List<String> argv = new ArrayList<>();
        argv.add(process.get("cmd").asText());
        process.path("args").forEach(arg -> argv.add(arg.asText()));
        long timeoutMs = timeoutMs(exchange);
        // stdin defaults to true in envd (backward compatibility): the pipe then stays open and a command reading it blocks.
        boolean stdinOpen = !request.has("stdin") || request.get("stdin").asBoolean();
        run(out, vm, vm.command(server.bubblewrap().get(), cwd, environment, argv), timeoutMs, stdinOpen);
    }

    private static void checkStart(JsonNode request) {
        if (!request.isObject()) {
            throw new IllegalArgumentException("StartRequest must be a JSON object");
        }
        unknownFields(request, START_FIELDS, "StartRequest");
        JsonNode process = request.get("process");
        if (process == null || !process.isObject()) {
            throw new IllegalArgumentException("StartRequest.process is required");
        }
        unknownFields(process, PROCESS_FIELDS, "ProcessConfig");
        if (!process.path("cmd").isTextual() || process.get("cmd").asText().isEmpty()) {
            throw new IllegalArgumentException("ProcessConfig.cmd must be a non-empty string");
        }
        if (process.has("args") && (!process.get("args").isArray()
                || !allMatch(process.get("args"), JsonNode::isTextual))) {
            throw new IllegalArgumentException("ProcessConfig.args must be an array of strings");
        }
        if (process.has("envs") && (!process.get("envs").isObject() || !allMatch(process.get("envs"), JsonNode::isTextual))) {
            throw new IllegalArgumentException("ProcessConfig.envs must map strings to strings");
        }
        if (process.has("cwd") && !process.get("cwd").isTextual()) {
            throw new IllegalArgumentException("ProcessConfig.cwd must be a string");
        }
        if (request.has("stdin") && !request.get("stdin").isBoolean()) {
            throw new IllegalArgumentException("StartRequest.stdin must be a boolean");
        }
        if (request.has("pty")) {
            throw new IllegalArgumentException("this fake envd does not emulate a PTY");
        }
    }

    private void run(OutputStream out, FakeVm vm, List<String> command, long timeoutMs, boolean stdinOpen)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        // bwrap is PID 1 in the sandbox's PID namespace: its own environment must hold nothing of the test JVM.
        builder.environment().clear();
        Process process = builder.start();
        if (!stdinOpen) {
            process.getOutputStream().close();
        }
        Object lock = new Object();
        BiConsumer<String, byte[]> emit = (stream, bytes) -> {
            ObjectNode event = JSON.createObjectNode();
            event.putObject("event").putObject("data").put(stream, Base64.getEncoder().encodeToString(bytes));
            synchronized (lock) {
                message(out, event);
            }
        };
        synchronized (lock) {
            ObjectNode start = JSON.createObjectNode();
            start.putObject("event").putObject("start").put("pid", vm.nextPid());
            message(out, start);
            for (int i = 0; i < server.keepalives(); i++) {
                message(out, keepalive());
            }
        }
        Thread stdout = Thread.ofVirtual().start(() -> pump(process.getInputStream(), "stdout", emit));
        Thread stderr = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), "stderr", emit));
        boolean finished;
        try {
            finished = timeoutMs > 0 ? process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) : waitForever(process);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            stdout.join(10_000);
            stderr.join(10_000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (lock) {
            if (!finished) {
                // Connect-Timeout-Ms is the process's lifetime in envd: the deadline kills it and ends the stream.
                endStream(out, "deadline_exceeded", "context deadline exceeded");
                return;
            }
            int exit = process.exitValue();
            ObjectNode end = JSON.createObjectNode();
            ObjectNode endEvent = end.putObject("event").putObject("end");
            if (exit != 0) {
                endEvent.put("exitCode", exit > 128 ? -1 : exit);
            }
            if (exit <= 128) {
                endEvent.put("exited", true);
            }
            endEvent.put("status", exit > 128 ? "signal: killed" : "exit status " + exit);
            message(out, end);
            ConnectFrames.write(out, ConnectFrames.END_STREAM, "{}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static boolean waitForever(Process process) throws InterruptedException {
        process.waitFor();
        return true;
    }

    /** Streams a pipe as data events; in split mode a multi-byte UTF-8 character is cut across two events. */
    private void pump(InputStream in, String stream, BiConsumer<String, byte[]> emit) {
        byte[] buffer = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                int cut = server.splitUtf8() ? splitPoint(buffer, n) : -1;
                if (cut > 0) {
                    emit.accept(stream, java.util.Arrays.copyOfRange(buffer, 0, cut));
                    emit.accept(stream, java.util.Arrays.copyOfRange(buffer, cut, n));
                } else {
                    emit.accept(stream, java.util.Arrays.copyOf(buffer, n));
                }
            }
        } catch (IOException e) {
            // The process was killed: what was read has been sent.
        }
    }

    /** Just after the lead byte of the first multi-byte sequence that is complete in this read, or -1. */
    static int splitPoint(byte[] buffer, int length) {
        for (int i = 0; i < length - 1; i++) {
            int b = buffer[i] & 0xff;
            if (b >= 0xc0 && (buffer[i + 1] & 0xc0) == 0x80) {
                return i + 1;
            }
        }
        return -1;
    }

    private static ObjectNode keepalive() {
        ObjectNode keepalive = JSON.createObjectNode();
        keepalive.putObject("event").putObject("keepalive");
        return keepalive;
    }

    private static void message(OutputStream out, JsonNode message) {
        try {
            ConnectFrames.write(out, ConnectFrames.MESSAGE, JSON.writeValueAsBytes(message));
        } catch (IOException e) {
            // The client went away; envd keeps the process running, and so does this fake until it ends.
        }
    }

    private static void endStream(OutputStream out, String code, String message) throws IOException {
        ObjectNode end = JSON.createObjectNode();
        end.putObject("error").put("code", code).put("message", message);
        ConnectFrames.write(out, ConnectFrames.END_STREAM, JSON.writeValueAsBytes(end));
    }

    private long timeoutMs(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Connect-Timeout-Ms");
        if (header == null) {
            return 0;
        }
        if (!header.matches("[0-9]{1,10}")) {
            server.violation("envd", "Connect-Timeout-Ms must be 1-10 ASCII digits, got '" + header + "'");
            return 0;
        }
        return Long.parseLong(header);
    }

    // --- Filesystem/ListDir ---------------------------------------------------------------------

    private void listDir(HttpExchange exchange, FakeVm vm, byte[] body) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (!"POST".equals(exchange.getRequestMethod()) || contentType == null || !contentType.startsWith("application/json")) {
            server.violation("envd", "ListDir is a unary Connect call: POST with Content-Type application/json");
            exchange.sendResponseHeaders(415, -1);
            return;
        }
        Optional<String> user = user(exchange);
        if (user.isEmpty()) {
            connectError(exchange, 401, "unauthenticated", "invalid username: '" + requestedUser(exchange) + "'");
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
            if (request == null || !request.isObject()) {
                throw new IllegalArgumentException("ListDirRequest must be a JSON object");
            }
            unknownFields(request, LIST_DIR_FIELDS, "ListDirRequest");
            if (!request.path("path").isTextual() || (request.has("depth") && !request.get("depth").canConvertToInt())) {
                throw new IllegalArgumentException("ListDirRequest needs a string path and an integer depth");
            }
        } catch (IOException | IllegalArgumentException e) {
            server.violation("envd", "ListDir: " + e.getMessage());
            connectError(exchange, 400, "invalid_argument", e.getMessage());
            return;
        }
        String path = FakeVm.absolute(request.get("path").asText(), user.get());
        int depth = request.path("depth").asInt(0);
        if (depth < 1) {
            connectError(exchange, 400, "invalid_argument", "depth should be at least one");
            return;
        }
        Optional<Path> dir = vm.host(path);
        if (dir.isEmpty() || !Files.exists(dir.get(), LinkOption.NOFOLLOW_LINKS)) {
            connectError(exchange, 404, "not_found", "path '" + path + "' does not exist");
            return;
        }
        if (!Files.isDirectory(dir.get())) {
            connectError(exchange, 400, "invalid_argument", "path '" + path + "' is not a directory");
            return;
        }
        ArrayNode entries = JSON.createArrayNode();
        list(dir.get(), path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path, depth, entries);
        ObjectNode response = JSON.createObjectNode();
        if (!entries.isEmpty()) {
            // protojson omits an empty repeated field: an empty directory answers {}.
            response.set("entries", entries);
        }
        json(exchange, 200, response);
    }

    private static void list(Path dir, String vmPath, int depth, ArrayNode entries) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String childPath = (vmPath.equals("/") ? "" : vmPath) + "/" + child.getFileName();
                PosixFileAttributes attributes = Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                ObjectNode entry = entries.addObject();
                entry.put("name", child.getFileName().toString());
                entry.put("type", attributes.isSymbolicLink() ? "FILE_TYPE_SYMLINK"
                        : attributes.isDirectory() ? "FILE_TYPE_DIRECTORY" : "FILE_TYPE_FILE");
                entry.put("path", childPath);
                if (attributes.size() != 0) {
                    entry.put("size", Long.toString(attributes.size()));
                }
                int mode = permissionBits(attributes);
                entry.put("mode", mode);
                entry.put("permissions", (attributes.isDirectory() ? "d" : attributes.isSymbolicLink() ? "L" : "-")
                        + PosixFilePermissions.toString(attributes.permissions()));
                entry.put("owner", "root");
                entry.put("group", "root");
                entry.put("modifiedTime", attributes.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.SECONDS).toString());
                if (attributes.isSymbolicLink()) {
                    entry.put("symlinkTarget", Files.readSymbolicLink(child).toString());
                }
                if (attributes.isDirectory() && depth > 1) {
                    list(child, childPath, depth - 1, entries);
                }
            }
        }
    }

    private static int permissionBits(PosixFileAttributes attributes) {
        int mode = 0;
        for (var permission : attributes.permissions()) {
            mode |= 1 << (8 - permission.ordinal());
        }
        return mode;
    }

    // --- /files -----------------------------------------------------------------------------------

    private void files(HttpExchange exchange, FakeVm vm, byte[] body) throws IOException {
        Map<String, String> query = QueryStrings.parse(exchange.getRequestURI().getRawQuery());
        String user = query.getOrDefault("username", "user");
        if (!FakeVm.USERS.contains(user)) {
            plainError(exchange, 401, "error looking up user '" + user + "': user: unknown user " + user);
            return;
        }
        String requested = query.get("path");
        switch (exchange.getRequestMethod()) {
            case "GET" -> {
                if (requested == null) {
                    plainError(exchange, 400, "path is required");
                    return;
                }
                String path = FakeVm.absolute(requested, user);
                Optional<Path> file = vm.host(path);
                if (file.isEmpty() || !Files.exists(file.get())) {
                    plainError(exchange, 404, "path '" + path + "' does not exist");
                    return;
                }
                if (Files.isDirectory(file.get())) {
                    plainError(exchange, 400, "path '" + path + "' is a directory");
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                long size = Files.size(file.get());
                exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
                if (size > 0) {
                    try (InputStream in = Files.newInputStream(file.get())) {
                        in.transferTo(exchange.getResponseBody());
                    }
                }
            }
            case "POST" -> {
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                if (contentType == null || !contentType.startsWith("application/octet-stream")) {
                    server.violation("envd", "POST /files: this fake takes application/octet-stream uploads only, got " + contentType);
                    plainError(exchange, 400, "unsupported content type " + contentType);
                    return;
                }
                if (requested == null) {
                    server.violation("envd", "POST /files with application/octet-stream needs the path parameter");
                    plainError(exchange, 400, "path is required for application/octet-stream uploads");
                    return;
                }
                String path = FakeVm.absolute(requested, user);
                Optional<Path> file = vm.host(path);
                if (file.isEmpty() || Files.isDirectory(file.get())) {
                    plainError(exchange, 400, "path '" + path + "' is a directory or invalid");
                    return;
                }
                Files.createDirectories(file.get().getParent());
                Files.write(file.get(), body, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                ArrayNode written = JSON.createArrayNode();
                written.addObject().put("path", path).put("name", file.get().getFileName().toString()).put("type", "file");
                json(exchange, 200, written);
            }
            default -> plainError(exchange, 405, "method not allowed");
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    /** The RPC user from {@code Authorization: Basic base64(user:)}; absent = the template's default user. */
    private static Optional<String> user(HttpExchange exchange) {
        String user = requestedUser(exchange);
        return FakeVm.USERS.contains(user) ? Optional.of(user) : Optional.empty();
    }

    private static String requestedUser(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            return "user";
        }
        if (!authorization.startsWith("Basic ")) {
            return "";
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? decoded : decoded.substring(0, colon);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static void unknownFields(JsonNode node, Set<String> allowed, String message) {
        for (String field : (Iterable<String>) node::fieldNames) {
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(message + " has no field '" + field + "'");
            }
        }
    }

    private static boolean allMatch(JsonNode container, java.util.function.Predicate<JsonNode> test) {
        for (JsonNode child : container) {
            if (!test.test(child)) {
                return false;
            }
        }
        return true;
    }

    /** A Connect unary error: non-200 status, JSON with a string code. */
    private static void connectError(HttpExchange exchange, int status, String code, String message) throws IOException {
        ObjectNode error = JSON.createObjectNode().put("code", code).put("message", message);
        json(exchange, status, error);
    }

    /** envd's plain HTTP error body ({@code /files}, auth middleware): {@code {"message","code"}}. */
    private static void plainError(HttpExchange exchange, int status, String message) throws IOException {
        json(exchange, status, JSON.createObjectNode().put("message", message).put("code", status));
    }

    private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
