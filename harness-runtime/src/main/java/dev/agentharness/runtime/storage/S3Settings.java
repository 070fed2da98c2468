package dev.agentharness.runtime.storage;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to reach an S3-compatible store. Built from the R2 variables (endpoint
 * {@code https://<account>.r2.cloudflarestorage.com}, region {@code auto}) or from
 * {@code S3_ENDPOINT} for any other S3-compatible server (path-style addressing then, because
 * local servers rarely resolve bucket sub-domains). {@link #toString()} never shows the secret.
 */
public record S3Settings(String kind, URI endpoint, String region, String bucket, String accessKeyId,
                         String secretAccessKey, boolean pathStyle) {

    /** The outcome of reading the variables: settings, or why they are unusable (names only, no values). */
    public record Resolution(Optional<S3Settings> settings, List<String> problems) {
    }

    /**
     * @param accountId R2_ACCOUNT_ID; @param endpoint S3_ENDPOINT (wins over the account id when both are set)
     */
    public static Resolution resolve(String accountId, String accessKeyId, String secretAccessKey, String bucket,
                                     String endpoint, String region) {
        boolean anySet = present(accountId) || present(accessKeyId) || present(secretAccessKey) || present(bucket)
                || present(endpoint);
        if (!anySet) {
            return new Resolution(Optional.empty(), List.of());
        }
        List<String> missing = new ArrayList<>();
        if (!present(endpoint) && !present(accountId)) {
            missing.add("R2_ACCOUNT_ID (or S3_ENDPOINT)");
        }
        if (!present(accessKeyId)) {
            missing.add("R2_ACCESS_KEY_ID");
        }
        if (!present(secretAccessKey)) {
            missing.add("R2_SECRET_ACCESS_KEY");
        }
        if (!present(bucket)) {
            missing.add("R2_BUCKET");
        }
        if (!missing.isEmpty()) {
            return new Resolution(Optional.empty(), List.of("missing " + String.join(", ", missing)));
        }
        URI uri;
        String kind;
        boolean pathStyle;
        if (present(endpoint)) {
            try {
                uri = URI.create(endpoint.strip());
            } catch (IllegalArgumentException e) {
                return new Resolution(Optional.empty(), List.of("S3_ENDPOINT is not a URL"));
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null || uri.getUserInfo() != null) {
                return new Resolution(Optional.empty(),
                        List.of("S3_ENDPOINT must be an http(s) URL without credentials, e.g. http://127.0.0.1:9000"));
            }
            kind = "s3";
            pathStyle = true;
        } else {
            if (!accountId.strip().matches("[A-Za-z0-9-]{1,64}")) {
                return new Resolution(Optional.empty(), List.of("R2_ACCOUNT_ID must be the hexadecimal account id"));
            }
            uri = URI.create("https://" + accountId.strip() + ".r2.cloudflarestorage.com");
            kind = "r2";
            pathStyle = false;
        }
        String effectiveRegion = present(region) ? region.strip() : present(endpoint) ? "us-east-1" : "auto";
        return new Resolution(Optional.of(new S3Settings(kind, uri, effectiveRegion, bucket.strip(),
                accessKeyId.strip(), secretAccessKey.strip(), pathStyle)), List.of());
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    @Override
    public String toString() {
        return "S3Settings[kind=" + kind + ", endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", accessKeyId=***, secretAccessKey=***, pathStyle=" + pathStyle + "]";
    }
}
