package dev.agentharness.runtime.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;

/** Test-side administration of a local S3 server (the harness itself never creates buckets). */
public final class S3Buckets {

    private S3Buckets() {
    }

    public static S3Client admin(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY)))
                .build();
    }

    public static void create(URI endpoint, String bucket) {
        try (S3Client s3 = admin(endpoint)) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }
}
