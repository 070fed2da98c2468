package dev.agentharness.operator.agent;

import dev.agentharness.operator.harness.Redaction;
import org.eclipse.jgit.api.CloneCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads one file of a git repository the operator can read without credentials (a golden set or its baseline): the ref
 * is resolved to a commit ({@code git ls-remote}), and a file is fetched once per commit — a shallow, bare clone into a
 * temporary directory that is deleted at once — and then served from memory. A full 40-hex commit needs no ls-remote
 * but a full clone (servers do not hand out unadvertised commits shallowly). Reconcilers call {@link #current}, which
 * reads in the background and answers what it has.
 */
public class GitFiles {

    /** How long a branch or tag stays resolved to the commit it pointed at: a push shows after at most this. */
    public static final Duration REF_TTL = Duration.ofSeconds(60);
    /** The largest file read: the harness's bound on an evaluation's dataset. */
    public static final int MAX_BYTES = 1024 * 1024;
    private static final int TIMEOUT_SECONDS = 60;
    private static final int CACHED_FILES = 32;
    private static final int KNOWN_REFERENCES = 256;
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** A file at a commit. */
    public record GitFile(String commit, String text) {
    }

    /**
     * The file could not be read. {@code transientFailure}: the repository could not be reached (worth asking again);
     * otherwise the reference itself is wrong (no such ref, no such file, too large).
     */
    public static final class GitReadException extends Exception {
        private final boolean transientFailure;

        GitReadException(String message, boolean transientFailure) {
            super(message);
            this.transientFailure = transientFailure;
        }

        public boolean transientFailure() {
            return transientFailure;
        }
    }

    /** {@code pinned}: the user named the commit itself (a full clone); else {@code fullRef} (null: HEAD) is cloned shallowly. */
    /** The last read of (url, ref, path): the file, or why it could not be read, and when. */
    private record Known(GitFile file, GitReadException error, Instant at) {
    }

    private record Resolved(String commit, String fullRef, boolean pinned, Instant at) {
    }

    private final Clock clock;
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> reading = new ConcurrentHashMap<>();
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, GitFile> files = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, GitFile> eldest) {
            return size() > CACHED_FILES;
        }
    };

    public GitFiles(Clock clock) {
        this.clock = clock;
    }

    /**
     * The file as last read, without waiting on the network: the first call for (url, ref, path) starts reading it on
     * a virtual thread and answers empty (ask again shortly); a read older than {@link #REF_TTL} is refreshed in the
     * background while the previous answer is still given. A reconciler thread never waits on git.
     *
     * @throws GitReadException the last read failed (kept for {@link #REF_TTL}; a changed reference is read anew)
     */
    public Optional<GitFile> current(String url, String ref, String path) throws GitReadException {
        String key = url + "\n" + ref + "\n" + path;
        Known last = known.get(key);
        if (last == null || !last.at().plus(REF_TTL).isAfter(clock.instant())) {
            reading.compute(key, (k, running) -> running != null && !running.isDone() ? running
                    : CompletableFuture.runAsync(() -> {
                        Known result;
                        try {
                            result = new Known(read(url, ref, path), null, clock.instant());
                        } catch (GitReadException e) {
                            result = new Known(null, e, clock.instant());
                        }
                        known.put(k, result);
                        forgetOld();
                    }, readers));
        }
        if (last == null) {
            return Optional.empty();
        }
        if (last.error() != null) {
            throw last.error();
        }
        return Optional.of(last.file());
    }

    /** References no Agent asked about for a while (edited away) are dropped, so the map stays small. */
    private void forgetOld() {
        if (known.size() > KNOWN_REFERENCES) {
            Instant stale = clock.instant().minus(REF_TTL.multipliedBy(10));
            known.entrySet().removeIf(entry -> entry.getValue().at().isBefore(stale));
        }
    }

    /**
     * Reads the file now (network: ls-remote, and a clone unless the commit's file is cached).
     *
     * @param ref a branch, tag or commit; null: the repository's default branch
     */
    public GitFile read(String url, String ref, String path) throws GitReadException {
        Resolved resolved = resolve(url, ref);
        String key = url + "\n" + resolved.commit() + "\n" + path;
        synchronized (files) {
            GitFile cached = files.get(key);
            if (cached != null) {
                return cached;
            }
        }
        GitFile file = fetch(url, resolved, path);
        synchronized (files) {
            files.put(url + "\n" + file.commit() + "\n" + path, file);
        }
        return file;
    }

    private Resolved resolve(String url, String ref) throws GitReadException {
        if (ref != null && COMMIT.matcher(ref).matches()) {
            return new Resolved(ref, null, true, clock.instant());
        }
        Instant now = clock.instant();
        Map<String, Ref> advertised;
        try {
            advertised = Git.lsRemoteRepository().setRemote(url).setTimeout(TIMEOUT_SECONDS).callAsMap();
        } catch (GitAPIException | RuntimeException e) {
            throw new GitReadException("cannot reach the repository " + safe(url) + ": " + reason(e), true);
        }
        List<String> candidates = ref == null ? List.of("HEAD")
                : List.of("refs/heads/" + ref, "refs/tags/" + ref, ref);
        for (String candidate : candidates) {
            Ref found = advertised.get(candidate);
            if (found != null && (found.getPeeledObjectId() != null || found.getObjectId() != null)) {
                ObjectId id = found.getPeeledObjectId() != null ? found.getPeeledObjectId() : found.getObjectId();
                String fullRef = candidate.equals("HEAD") ? null : candidate;
                return new Resolved(id.name(), fullRef, false, now);
            }
        }
        throw new GitReadException("the repository " + safe(url) + " has no branch or tag '"
                + (ref == null ? "HEAD" : ref) + "'", false);
    }

    private GitFile fetch(String url, Resolved resolved, String path) throws GitReadException {
        Path directory;
        try {
            directory = Files.createTempDirectory("agent-golden-set");
        } catch (IOException e) {
            throw new GitReadException("cannot create a temporary directory: " + reason(e), true);
        }
        boolean fullClone = resolved.pinned();
        CloneCommand clone = Git.cloneRepository().setURI(url).setDirectory(directory.toFile()).setBare(true)
                .setTimeout(TIMEOUT_SECONDS);
        if (!fullClone) {
            clone.setDepth(1);
            if (resolved.fullRef() != null) {
                clone.setBranch(resolved.fullRef()).setBranchesToClone(List.of(resolved.fullRef()));
            }
        }
        try (Git git = clone.call()) {
            Repository repository = git.getRepository();
            ObjectId commitId = fullClone ? ObjectId.fromString(resolved.commit())
                    : repository.resolve((resolved.fullRef() == null ? "HEAD" : resolved.fullRef()) + "^{commit}");
            if (commitId == null) {
                throw new GitReadException("the repository " + safe(url) + " has no commit for '"
                        + (resolved.fullRef() == null ? "HEAD" : resolved.fullRef()) + "'", false);
            }
            try (RevWalk walk = new RevWalk(repository)) {
                RevCommit commit = walk.parseCommit(commitId);
                try (TreeWalk tree = TreeWalk.forPath(repository, path, commit.getTree())) {
                    if (tree == null) {
                        throw new GitReadException("no file '" + path + "' in " + safe(url) + " at commit "
                                + commit.name(), false);
                    }
                    ObjectLoader loader = repository.open(tree.getObjectId(0));
                    if (loader.getSize() > MAX_BYTES) {
                        throw new GitReadException("'" + path + "' is " + loader.getSize() + " bytes; at most "
                                + MAX_BYTES, false);
                    }
                    return new GitFile(commit.name(), new String(loader.getBytes(), StandardCharsets.UTF_8));
                }
            }
        } catch (org.eclipse.jgit.errors.MissingObjectException e) {
            throw new GitReadException("the repository " + safe(url) + " has no commit " + resolved.commit(), false);
        } catch (GitAPIException | IOException | RuntimeException e) {
            throw new GitReadException("cannot fetch from the repository " + safe(url) + ": " + reason(e), true);
        } finally {
            delete(directory);
        }
    }

    private static String safe(String url) {
        return Redaction.withoutUserInfo(url);
    }

    private static String reason(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return Redaction.clean(message, null);
    }

    private static void delete(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
