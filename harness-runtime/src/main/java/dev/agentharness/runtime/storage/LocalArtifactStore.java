package dev.agentharness.runtime.storage;

import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The embedded default: objects in a directory under the data dir, handed out through links the
 * harness itself serves ({@code /storage/{key}}) and signs with {@link LinkSigner}. Same
 * semantics as presigned S3 URLs: expired or altered links are refused with 403.
 */
public final class LocalArtifactStore implements ArtifactStore {

    public static final String PATH_PREFIX = "/storage/";
    public static final String EXPIRES_PARAM = "X-Harness-Expires";
    public static final String SIGNATURE_PARAM = "X-Harness-Signature";

    private final Path objects;
    private final Path metadata;
    private final LinkSigner signer;
    private final URI baseUrl;
    private final Tracer tracer;

    /**
     * @param baseUrl where clients reach this harness (e.g. {@code https://harness.example.com});
     *                null gives links relative to the harness root, which the API makes absolute per request
     */
    public LocalArtifactStore(Path root, LinkSigner signer, URI baseUrl) {
        this(root, signer, baseUrl, StorageSpans.NONE);
    }

    /** @param tracer traces the writes ({@link StorageSpans}) */
    public LocalArtifactStore(Path root, LinkSigner signer, URI baseUrl, Tracer tracer) {
        this.tracer = tracer;
        this.objects = root.resolve("objects").toAbsolutePath().normalize();
        this.metadata = root.resolve("metadata").toAbsolutePath().normalize();
        this.signer = signer;
        this.baseUrl = baseUrl;
        try {
            Files.createDirectories(objects);
            Files.createDirectories(metadata);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the artifact directory " + root, e);
        }
    }

    @Override
    public StoredObject put(String key, byte[] bytes, String contentType) {
        return StorageSpans.put(tracer, kind(), null, key, () -> write(key, bytes, contentType));
    }

    private StoredObject write(String key, byte[] bytes, String contentType) {
        Path target = file(key);
        StoredObject stored = new StoredObject(key, bytes.length, Digests.sha256Hex(bytes), contentType);
        try {
            Properties meta = new Properties();
            meta.setProperty("content-type", contentType);
            meta.setProperty("sha256", stored.sha256());
            writeAtomically(metaFile(key), out -> meta.store(out, null));
            writeAtomically(target, out -> out.write(bytes));
            return stored;
        } catch (IOException e) {
            throw new StorageException("the local store could not write " + key + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public StoredObject put(String key, Path file, String contentType) {
        return StorageSpans.put(tracer, kind(), null, key, () -> write(key, file, contentType));
    }

    private StoredObject write(String key, Path file, String contentType) {
        Path target = file(key);
        try {
            Properties meta = new Properties();
            meta.setProperty("content-type", contentType);
            writeAtomically(metaFile(key), out -> meta.store(out, null));
            writeAtomically(target, out -> Files.copy(file, out));
            return new StoredObject(key, Files.size(target), null, contentType);
        } catch (IOException e) {
            throw new StorageException("the local store could not write " + key + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public Optional<ObjectContent> get(String key) {
        Path file = file(key);
        try {
            var stream = Files.newInputStream(file);
            try {
                return Optional.of(new ObjectContent(stream, Files.size(file)));
            } catch (IOException e) {
                stream.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("the local store could not read " + key + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(file(key));
            Files.deleteIfExists(metaFile(key));
        } catch (IOException e) {
            throw new StorageException("the local store could not delete " + key + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public int deleteAll(String prefix) {
        ObjectKeys.checkPrefix(prefix);
        int deleted = 0;
        for (Path root : List.of(objects, metadata)) {
            Path dir = root.resolve(prefix).normalize();
            if (!dir.startsWith(root) || !Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (root == objects && Files.isRegularFile(path) && !path.getFileName().toString().startsWith(".upload-")) {
                        deleted++;
                    }
                    Files.deleteIfExists(path);
                }
            } catch (IOException | UncheckedIOException e) {
                throw new StorageException("the local store could not delete " + prefix + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        return deleted;
    }

    /** Whether links are absolute ({@code HARNESS_PUBLIC_URL} set). */
    boolean hasBaseUrl() {
        return baseUrl != null;
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        return link("GET", key, ttl);
    }

    @Override
    public URI presignPut(String key, Duration ttl) {
        return link("PUT", key, ttl);
    }

    @Override
    public Optional<StoredObject> head(String key) {
        Path file = file(key);
        try {
            long size = Files.size(file);
            Properties meta = readMeta(key);
            return Optional.of(new StoredObject(key, size, meta.getProperty("sha256"),
                    meta.getProperty("content-type", "application/octet-stream")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("the local store could not read " + key + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public List<StoredObject> list(String prefix, int max) {
        ObjectKeys.checkPrefix(prefix);
        Path dir = objects.resolve(prefix).normalize();
        if (!dir.startsWith(objects) || !Files.isDirectory(dir)) {
            return List.of();
        }
        List<StoredObject> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String key = objects.relativize(file).toString().replace('\\', '/');
                if (file.getFileName().toString().startsWith(".upload-")) {
                    continue;
                }
                if (found.size() == max) {
                    throw new StorageException("more than " + max + " objects under " + prefix);
                }
                Properties meta = readMeta(key);
                found.add(new StoredObject(key, Files.size(file), meta.getProperty("sha256"),
                        meta.getProperty("content-type", "application/octet-stream")));
            }
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException("the local store could not list " + prefix + " (" + e.getClass().getSimpleName() + ")");
        }
        return found;
    }

    /**
     * The key behind a link this store signed, when the link is valid for {@code method}: how the
     * harness follows its own relative links in-process, with exactly the checks the
     * {@code /storage/} endpoint applies.
     *
     * @throws StorageException naming why the link is refused (expired, bad signature, not a link of this store)
     */
    public String keyOf(String method, URI link) {
        String path = link.getRawPath();
        if (link.isAbsolute() && (baseUrl == null || !link.toString().startsWith(stripTrailingSlash(baseUrl.toString()))) 
                || path == null || !path.contains(PATH_PREFIX)) {
            throw new StorageException("not a link of this harness's local store");
        }
        String key = java.net.URLDecoder.decode(path.substring(path.indexOf(PATH_PREFIX) + PATH_PREFIX.length())
                .replace("+", "%2B"), StandardCharsets.UTF_8);
        String expires = null;
        String signature = null;
        for (String pair : link.getRawQuery() == null ? new String[0] : link.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (name.equals(EXPIRES_PARAM)) {
                expires = value;
            } else if (name.equals(SIGNATURE_PARAM)) {
                signature = value;
            }
        }
        try {
            if ("PUT".equals(method)) {
                ObjectKeys.checkUploadable(key);
            } else {
                ObjectKeys.checkLinkable(key);
            }
        } catch (ObjectKeys.InvalidNameException e) {
            throw new StorageException("this link is not valid");
        }
        return switch (verify(method, key, expires, signature)) {
            case VALID -> key;
            case EXPIRED -> throw new StorageException("the link has expired");
            case BAD_SIGNATURE -> throw new StorageException("the link's signature does not match");
        };
    }

    /** The bytes behind a verified link; empty when the object does not exist. */
    public Optional<Path> open(String key) {
        Path file = file(key);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    public LinkSigner.Verdict verify(String method, String key, String expires, String signature) {
        return signer.verify(method, key, expires, signature);
    }

    @Override
    public boolean healthy() {
        return Files.isDirectory(objects) && Files.isWritable(objects);
    }

    /** The local equivalent of a lifecycle rule: outputs older than the limit are deleted now. */
    @Override
    public LifecycleOutcome applyLifecycle(int outputsExpireDays) {
        Path outputs = objects.resolve(ObjectKeys.OUTPUTS);
        if (!Files.isDirectory(outputs)) {
            return LifecycleOutcome.UNCHANGED;
        }
        FileTime cutoff = FileTime.from(signer.clock().instant().minus(Duration.ofDays(outputsExpireDays)));
        int[] deleted = {0};
        try (Stream<Path> files = Files.walk(outputs)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    if (Files.getLastModifiedTime(f).compareTo(cutoff) < 0) {
                        Files.deleteIfExists(f);
                        Files.deleteIfExists(metaFile(objects.relativize(f).toString().replace('\\', '/')));
                        deleted[0]++;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException("the local store could not expire old outputs (" + e.getClass().getSimpleName() + ")");
        }
        return deleted[0] > 0 ? LifecycleOutcome.APPLIED : LifecycleOutcome.UNCHANGED;
    }

    @Override
    public String kind() {
        return "local";
    }

    private URI link(String method, String key, Duration ttl) {
        if ("PUT".equals(method)) {
            ObjectKeys.checkUploadable(key);
        } else {
            ObjectKeys.checkLinkable(key);
        }
        ArtifactStore.checkTtl(ttl);
        // Rounded up: a link lives at least its ttl, never a fraction of a second less.
        Instant until = signer.clock().instant().plus(ttl);
        long expires = until.getNano() == 0 ? until.getEpochSecond() : until.getEpochSecond() + 1;
        String path = PATH_PREFIX + encodePath(key) + "?" + EXPIRES_PARAM + "=" + expires + "&" + SIGNATURE_PARAM + "="
                + signer.sign(method, key, expires);
        return baseUrl == null ? URI.create(path) : URI.create(stripTrailingSlash(baseUrl.toString()) + path);
    }

    private Path file(String key) {
        ObjectKeys.checkKey(key);
        Path file = objects.resolve(key).normalize();
        if (!file.startsWith(objects)) {
            // ObjectKeys already refuses '..'; this is the belt to its braces.
            throw new ObjectKeys.InvalidNameException("an object key must stay inside the store");
        }
        return file;
    }

    private Path metaFile(String key) {
        Path file = metadata.resolve(key + ".properties").normalize();
        if (!file.startsWith(metadata)) {
            throw new ObjectKeys.InvalidNameException("an object key must stay inside the store");
        }
        return file;
    }

    private Properties readMeta(String key) throws IOException {
        Properties meta = new Properties();
        try (var in = Files.newInputStream(metaFile(key))) {
            meta.load(in);
        } catch (NoSuchFileException e) {
            // an object written by hand: no metadata, defaults apply
        }
        return meta;
    }

    private interface Writer {
        void write(java.io.OutputStream out) throws IOException;
    }

    /** Readers never see half a file: write beside the target, then rename over it. */
    private static void writeAtomically(Path target, Writer writer) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".upload-", ".tmp");
        try {
            try (var out = Files.newOutputStream(temp)) {
                writer.write(out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static String encodePath(String key) {
        StringBuilder out = new StringBuilder();
        for (String segment : key.split("/", -1)) {
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return out.toString();
    }

    private static String stripTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    Instant now() {
        return signer.clock().instant();
    }
}
