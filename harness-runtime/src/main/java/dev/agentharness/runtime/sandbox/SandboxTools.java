package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.runtime.agent.Agent;
import dev.agentharness.runtime.agent.Description;
import dev.agentharness.runtime.agent.FunctionTool;
import dev.agentharness.runtime.agent.Nullable;
import dev.agentharness.runtime.agent.SideEffects;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The tools a model gets when its run has a sandbox: {@code exec_command} (capability
 * {@code shell}) and {@code read_file}, {@code write_file}, {@code list_files} (capability
 * {@code filesystem}). {@code exec_command} takes the Agents SDK's arguments and answers in its text
 * format; the file tools are the harness's own (the SDK's filesystem capability edits through
 * {@code apply_patch}, which needs a custom-tool grammar the harness does not offer yet).
 */
public final class SandboxTools {

    public static final String EXEC_COMMAND = "exec_command";
    public static final String READ_FILE = "read_file";
    public static final String WRITE_FILE = "write_file";
    public static final String LIST_FILES = "list_files";
    public static final Set<String> NAMES = Set.of(EXEC_COMMAND, READ_FILE, WRITE_FILE, LIST_FILES);

    /** Whether a call of {@code toolName} may change the workspace, so that its call id names a checkpoint. */
    public static boolean changesWorkspace(String toolName) {
        return EXEC_COMMAND.equals(toolName) || WRITE_FILE.equals(toolName);
    }

    static final int DEFAULT_YIELD_MS = 10_000;
    static final int DEFAULT_MAX_OUTPUT_TOKENS = 10_000;
    /** Both streams are captured up to this; max_output_tokens then trims what the model sees. */
    static final int CAPTURE_BYTES = 1024 * 1024;
    static final int MAX_READ_BYTES = 256 * 1024;
    /** The usual rough conversion: a token is about four characters of English or code. */
    static final int CHARS_PER_TOKEN = 4;
    private static final SecureRandom CHUNK_IDS = new SecureRandom();

    public record ExecCommandArgs(
            @Description("The shell command to run, e.g. 'python3 count.py'") String cmd,
            @Description("Directory to run in, relative to the workspace root (default: the root)") @Nullable String workdir,
            @Description("Milliseconds to wait for the command; it is killed after this (default 10000)") @Nullable Integer yieldTimeMs,
            @Description("At most this many tokens of output are returned (default 10000)") @Nullable Integer maxOutputTokens) {
    }

    public record ReadFileArgs(@Description("Path relative to the workspace root") String path) {
    }

    public record WriteFileArgs(
            @Description("Path relative to the workspace root; parent directories are created") String path,
            @Description("The complete new content of the file") String content) {
    }

    public record ListFilesArgs(
            @Description("Directory relative to the workspace root (default: the root)") @Nullable String path) {
    }

    private SandboxTools() {
    }

    /**
     * The tools as declarative agents may list them (so {@code tools: [exec_command]} is valid YAML)
     * when no sandbox exists yet: called in a run without one, they say so.
     */
    public static List<FunctionTool> declarable() {
        return tools(null, Manifest.DEFAULT_CAPABILITIES, Duration.ofMinutes(5));
    }

    /** The tools of one run, bound to its sandbox, for the manifest's capabilities. */
    public static List<FunctionTool> bound(RunSandbox sandbox, Duration maxExec) {
        return tools(sandbox, sandbox.spec().manifest().capabilities(), maxExec);
    }

    /**
     * {@code agent} with its sandbox tools bound to the run's sandbox: declared ones are replaced,
     * missing ones added (a run with a manifest always gets them), and ones the manifest's
     * capabilities exclude are removed.
     */
    public static Agent withSandbox(Agent agent, List<FunctionTool> bound) {
        List<FunctionTool> tools = new ArrayList<>();
        for (FunctionTool tool : agent.tools()) {
            if (!NAMES.contains(tool.name())) {
                tools.add(tool);
            }
        }
        tools.addAll(bound);
        return new Agent(agent.name(), agent.handoffDescription(), agent.instructions(), tools, agent.handoffs(),
                agent.inputGuardrails(), agent.outputGuardrails(), agent.model(), agent.modelSettings());
    }

    private static List<FunctionTool> tools(RunSandbox sandbox, List<String> capabilities, Duration maxExec) {
        List<FunctionTool> tools = new ArrayList<>();
        if (capabilities.contains("shell")) {
            tools.add(FunctionTool.of(EXEC_COMMAND,
                    "Run a shell command (/bin/sh -c) in the sandbox workspace and return its exit code and output.",
                    ExecCommandArgs.class, (context, args) -> exec(require(sandbox), args, maxExec, context.callId()))
                    .withEffects(SideEffects.SANDBOX));
        }
        if (capabilities.contains("filesystem")) {
            tools.add(FunctionTool.of(READ_FILE, "Read a UTF-8 text file from the sandbox workspace.",
                    ReadFileArgs.class, (context, args) -> read(require(sandbox), args)).withEffects(SideEffects.NONE));
            tools.add(FunctionTool.of(WRITE_FILE, "Create or overwrite a text file in the sandbox workspace.",
                    WriteFileArgs.class, (context, args) -> write(require(sandbox), args, context.callId()))
                    .withEffects(SideEffects.SANDBOX));
            tools.add(FunctionTool.of(LIST_FILES, "List a directory of the sandbox workspace.",
                    ListFilesArgs.class, (context, args) -> list(require(sandbox), args)).withEffects(SideEffects.NONE));
        }
        return tools;
    }

    private static RunSandbox require(RunSandbox sandbox) throws SandboxException {
        if (sandbox == null) {
            throw new SandboxException("this run has no sandbox: submit the run with a 'manifest' "
                    + "(and a sandbox provider configured on the harness) to use sandbox tools");
        }
        return sandbox;
    }

    /** @param callId the tool call's id: the name of the workspace checkpoint taken after it (null: none) */
    static String exec(RunSandbox sandbox, ExecCommandArgs args, Duration maxExec, String callId)
            throws SandboxException {
        if (args.cmd().isBlank()) {
            throw new SandboxException("cmd must not be empty");
        }
        long yieldMs = args.yieldTimeMs() == null ? DEFAULT_YIELD_MS : args.yieldTimeMs();
        if (yieldMs < 1) {
            throw new SandboxException("yield_time_ms must be positive");
        }
        Duration timeout = Duration.ofMillis(Math.min(yieldMs, maxExec.toMillis()));
        int maxTokens = args.maxOutputTokens() == null ? DEFAULT_MAX_OUTPUT_TOKENS : Math.max(1, args.maxOutputTokens());
        ExecResult result = sandbox.change(callId, s -> s.exec(args.cmd(), args.workdir(), timeout, CAPTURE_BYTES));
        return withSnapshotNotice(sandbox, formatExec(result, timeout, maxTokens, chunkId()));
    }

    /**
     * The SDK's exec output: {@code Chunk ID}, {@code Wall time}, {@code Process exited with code N},
     * {@code Original token count} when the output was cut, then {@code Output:} and the text
     * (stdout, then stderr). Cut output keeps its head and tail, as the SDK's truncation does.
     */
    static String formatExec(ExecResult result, Duration timeout, int maxTokens, String chunkId) {
        String output = result.stdout() + result.stderr();
        if (result.stdoutTruncated() || result.stderrTruncated()) {
            output += "\n[output beyond " + CAPTURE_BYTES + " bytes per stream was dropped]";
        }
        if (result.timedOut()) {
            output += "\n[command timed out after " + timeout.toMillis() + " ms and was killed]";
        }
        int originalTokens = (output.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
        StringBuilder text = new StringBuilder()
                .append("Chunk ID: ").append(chunkId).append('\n')
                .append("Wall time: ").append(String.format(Locale.ROOT, "%.4f", result.wallTime().toNanos() / 1e9))
                .append(" seconds\n")
                .append("Process exited with code ").append(result.exitCode()).append('\n');
        int maxChars = maxTokens * CHARS_PER_TOKEN;
        if (output.length() > maxChars) {
            text.append("Original token count: ").append(originalTokens).append('\n');
            int head = maxChars / 2;
            int tail = maxChars - head;
            int cutTokens = originalTokens - maxTokens;
            output = output.substring(0, head) + "…" + cutTokens + " tokens truncated…"
                    + output.substring(output.length() - tail);
        }
        return text.append("Output:\n").append(output).toString();
    }

    static String read(RunSandbox sandbox, ReadFileArgs args) throws SandboxException {
        byte[] bytes = sandbox.read(s -> s.readFile(args.path(), MAX_READ_BYTES));
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SandboxException("'" + args.path() + "' is not UTF-8 text; inspect it with exec_command (e.g. od -c)");
        }
    }

    static String write(RunSandbox sandbox, WriteFileArgs args, String callId) throws SandboxException {
        byte[] bytes = args.content().getBytes(StandardCharsets.UTF_8);
        sandbox.change(callId, s -> {
            s.writeFile(args.path(), bytes);
            return null;
        });
        return withSnapshotNotice(sandbox, "Wrote " + bytes.length + " bytes to " + args.path());
    }

    /** A skipped snapshot is the model's business: a lost sandbox would come back without these changes. */
    private static String withSnapshotNotice(RunSandbox sandbox, String output) {
        return sandbox.takeSnapshotNotice().map(notice -> output + "\n[note: " + notice + "]").orElse(output);
    }

    static String list(RunSandbox sandbox, ListFilesArgs args) throws SandboxException {
        List<WorkspaceFile> files = sandbox.read(s -> s.listFiles(args.path()));
        if (files.isEmpty()) {
            return "(empty directory)";
        }
        StringBuilder text = new StringBuilder();
        for (WorkspaceFile file : files) {
            text.append(file.directory() ? file.name() + "/" : file.name() + " (" + file.size() + " bytes)").append('\n');
        }
        return text.toString();
    }

    private static String chunkId() {
        byte[] bytes = new byte[3];
        CHUNK_IDS.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
