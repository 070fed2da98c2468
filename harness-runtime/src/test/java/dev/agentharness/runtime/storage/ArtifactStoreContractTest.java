package dev.agentharness.runtime.storage;

import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ServerProcess;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One behavioural suite, two backends: {@code s3proxy} (a real S3 server that verifies SigV4
 * signatures and expiry, as a separate process) and {@code local} (the harness's own directory
 * store, its links served by the running harness). Every link is fetched with a plain
 * {@code java.net.http} client, as a user's browser would.
 */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class ArtifactStoreContractTest {

    private static final String BUCKET = "contract";
    private static S3ServerProcess s3proxy;
    private static S3ArtifactStore s3Store;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Inject
    Storage storage;

    @TestHTTPResource("/")
    URI harness;

    @BeforeAll
    static void startS3proxy() {
        s3proxy = S3ServerProcess.s3proxy().start();
        S3Buckets.create(s3proxy.endpoint(), BUCKET);
        s3Store = new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY,
                BUCKET, s3proxy.endpoint().toString(), null).settings().orElseThrow(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopS3proxy() {
        if (s3Store != null) {
            s3Store.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    /** The backend under test and how its links name the signature. */
    private record Backend(ArtifactStore store, String signatureParam) {
    }

    private Backend backend(String name) {
        return switch (name) {
            case "s3proxy" -> new Backend(s3Store, "X-Amz-Signature");
            case "local" -> {
                assertTrue(storage.store() instanceof LocalArtifactStore, "the test harness runs on the local store");
                yield new Backend(storage.store(), LocalArtifactStore.SIGNATURE_PARAM);
            }
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void storedBytesComeBackThroughAPresignedLink(String name) throws Exception {
        Backend backend = backend(name);
        String key = uniqueOutput("reply.md");
        byte[] bytes = "# Answer\n\nÜnïcode survives the trip.\n".getBytes(StandardCharsets.UTF_8);

        StoredObject stored = backend.store().put(key, bytes, "text/markdown; charset=utf-8");

        assertEquals(key, stored.key());
        assertEquals(bytes.length, stored.size());
        assertEquals(Digests.sha256Hex(bytes), stored.sha256());
        StoredObject head = backend.store().head(key).orElseThrow();
        assertEquals(bytes.length, head.size());
        assertEquals("text/markdown; charset=utf-8", head.contentType());

        HttpResponse<byte[]> response = get(backend.store().presignGet(key, Duration.ofMinutes(5)));
        assertEquals(200, response.statusCode());
        assertArrayEquals(bytes, response.body());
        assertEquals("text/markdown; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
        assertEquals("attachment; filename=\"reply.md\"", response.headers().firstValue("Content-Disposition").orElse(""),
                "a browser saves the download instead of rendering it on the store's origin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aNonAsciiNameIsAnAttachmentWithAnAsciiFallbackAndTheUtf8Name(String name) throws Exception {
        Backend backend = backend(name);
        String key = uniqueOutput("résumé \"final\".html");
        backend.store().put(key, "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8), "text/html");

        HttpResponse<byte[]> response = get(backend.store().presignGet(key, Duration.ofMinutes(5)));

        assertEquals(200, response.statusCode());
        assertEquals("attachment; filename=\"r_sum_ _final_.html\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.html",
                response.headers().firstValue("Content-Disposition").orElse(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void listingAPrefixFindsItsObjectsSortedAndRefusesToCutALongList(String name) throws Exception {
        Backend backend = backend(name);
        String run = "run-list-" + UUID.randomUUID();
        for (String file : List.of("b.txt", "a/deep.txt", "c.txt")) {
            backend.store().put("outputs/" + run + "/" + file, file.getBytes(StandardCharsets.UTF_8), "text/plain");
        }
        backend.store().put("outputs/" + run + "-other/x.txt", "x".getBytes(StandardCharsets.UTF_8), "text/plain");

        List<StoredObject> listed = backend.store().list("outputs/" + run + "/", 10);

        assertEquals(List.of("outputs/" + run + "/a/deep.txt", "outputs/" + run + "/b.txt", "outputs/" + run + "/c.txt"),
                listed.stream().map(StoredObject::key).toList(), "a neighbour with the same leading characters is not listed");
        assertEquals(List.of(10L, 5L, 5L), listed.stream().map(StoredObject::size).toList());
        assertEquals(List.of(), backend.store().list("outputs/" + run + "-none/", 10));
        StorageException cut = assertThrows(StorageException.class, () -> backend.store().list("outputs/" + run + "/", 2));
        assertEquals("more than 2 objects under outputs/" + run + "/", cut.getMessage());
        assertThrows(ObjectKeys.InvalidNameException.class, () -> backend.store().list("outputs/../", 2));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> backend.store().list("secrets/", 2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aLinkIsRefusedAfterItExpires(String name) throws Exception {
        Backend backend = backend(name);
        String key = uniqueOutput("short-lived.txt");
        backend.store().put(key, "soon gone".getBytes(StandardCharsets.UTF_8), "text/plain");
        URI link = backend.store().presignGet(key, Duration.ofSeconds(1));

        Thread.sleep(2_500);

        assertEquals(403, get(link).statusCode(), "expired link " + link);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void changingAnySingleCharacterOfTheSignatureMakesTheLinkInvalid(String name) throws Exception {
        Backend backend = backend(name);
        String key = uniqueOutput("signed.txt");
        backend.store().put(key, "signed".getBytes(StandardCharsets.UTF_8), "text/plain");
        URI link = backend.store().presignGet(key, Duration.ofMinutes(5));
        assertEquals(200, get(link).statusCode(), "the untouched link works");

        Matcher signature = Pattern.compile(Pattern.quote(backend.signatureParam()) + "=([0-9a-f]+)")
                .matcher(link.toString());
        assertTrue(signature.find(), "the link carries " + backend.signatureParam() + ": " + link);
        int start = signature.start(1);
        int length = signature.group(1).length();
        for (int offset : new int[] {0, 1, length / 2, length - 2, length - 1}) {
            String tampered = replaceHexAt(link.toString(), start + offset);
            assertEquals(403, get(URI.create(tampered)).statusCode(), "signature changed at " + offset + ": " + tampered);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void changingAnySingleCharacterOfTheKeyMakesTheLinkInvalidEvenWhenTheOtherKeyExists(String name) throws Exception {
        Backend backend = backend(name);
        String run = "run_" + UUID.randomUUID().toString().replace("-", "");
        String key = ObjectKeys.output(run, "part1.txt");
        String neighbour = ObjectKeys.output(run, "part2.txt");
        backend.store().put(key, "one".getBytes(StandardCharsets.UTF_8), "text/plain");
        backend.store().put(neighbour, "two".getBytes(StandardCharsets.UTF_8), "text/plain");
        String link = backend.store().presignGet(key, Duration.ofMinutes(5)).toString();
        int keyAt = link.indexOf(key);
        assertTrue(keyAt > 0, "the key is in the link's path: " + link);

        // part1 → part2 points at an object that exists; the others at ones that do not. All are refused.
        int[] positions = {keyAt + key.indexOf("part1") + 4, keyAt, keyAt + "outputs/run_".length() + 3,
                keyAt + key.length() - 1};
        for (int position : positions) {
            char original = link.charAt(position);
            char replacement = original == '1' ? '2' : Character.isDigit(original) ? '0' : original == 'x' ? 'y' : 'x';
            if (replacement == original) {
                replacement = 'z';
            }
            String tampered = link.substring(0, position) + replacement + link.substring(position + 1);
            assertNotEquals(link, tampered);
            assertEquals(403, get(URI.create(tampered)).statusCode(), "key changed at " + position + ": " + tampered);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aPresignedPutStoresAnObjectWithoutCredentials(String name) throws Exception {
        Backend backend = backend(name);
        String key = uniqueOutput("uploaded.csv");
        byte[] bytes = "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> put = http.send(HttpRequest.newBuilder(absolute(backend.store().presignPut(key,
                        Duration.ofMinutes(5)))).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, put.statusCode(), new String(put.body(), StandardCharsets.UTF_8));
        assertEquals(bytes.length, backend.store().head(key).orElseThrow().size());
        assertArrayEquals(bytes, get(backend.store().presignGet(key, Duration.ofMinutes(1))).body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aMissingObjectHasNoHeadAndUnsafeKeysAreRefusedBeforeAnyCall(String name) {
        Backend backend = backend(name);
        assertFalse(backend.store().head(uniqueOutput("never-written.txt")).isPresent());
        for (String unsafe : new String[] {"outputs/../secrets.txt", "/etc/passwd", "outputs/a\u0000b",
                "outputs/a//b", "elsewhere/file.txt", "outputs/run/..", "outputs\\run\\x"}) {
            assertThrows(ObjectKeys.InvalidNameException.class,
                    () -> backend.store().put(unsafe, new byte[] {1}, "application/octet-stream"), unsafe);
            assertThrows(ObjectKeys.InvalidNameException.class,
                    () -> backend.store().presignGet(unsafe, Duration.ofMinutes(1)), unsafe);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void linksLiveAtMostSevenDays(String name) {
        Backend backend = backend(name);
        String key = uniqueOutput("x.txt");
        assertThrows(IllegalArgumentException.class, () -> backend.store().presignGet(key, Duration.ofDays(8)));
        assertThrows(IllegalArgumentException.class, () -> backend.store().presignGet(key, Duration.ZERO));
    }

    private HttpResponse<byte[]> get(URI link) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(absolute(link)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Local links are relative to the harness (the API makes them absolute per request). */
    private URI absolute(URI link) {
        return link.isAbsolute() ? link : harness.resolve(link);
    }

    private static String uniqueOutput(String name) {
        return ObjectKeys.output("run_" + UUID.randomUUID().toString().replace("-", ""), name);
    }

    private static String replaceHexAt(String s, int index) {
        char c = s.charAt(index);
        char replacement = c == '0' ? '1' : '0';
        return s.substring(0, index) + replacement + s.substring(index + 1);
    }
}
