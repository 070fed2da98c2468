package dev.agentharness.runtime.storage;

import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleExpiration;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lifecycle rules against s3mock, a server that implements them (s3proxy answers 501). s3mock
 * does not check signatures, which is why presigned links are tested on s3proxy instead.
 */
class LifecycleTest {

    private static S3ServerProcess s3mock;

    @BeforeAll
    static void startS3mock() {
        s3mock = S3ServerProcess.s3mock().start();
    }

    @AfterAll
    static void stopS3mock() {
        if (s3mock != null) {
            s3mock.close();
        }
    }

    @Test
    void outputsExpireAfterThirtyDaysKnowledgeNeverAndApplyingTwiceChangesNothing() {
        S3Buckets.create(s3mock.endpoint(), "lifecycle-fresh");
        try (S3ArtifactStore store = store("lifecycle-fresh"); S3Client admin = S3Buckets.admin(s3mock.endpoint())) {
            assertEquals(LifecycleOutcome.APPLIED, store.applyLifecycle(30));
            List<LifecycleRule> rules = rules(admin, "lifecycle-fresh");

            assertEquals(1, rules.size(), rules.toString());
            LifecycleRule rule = rules.getFirst();
            assertEquals(S3ArtifactStore.LIFECYCLE_RULE_ID, rule.id());
            assertEquals("outputs/", rule.filter().prefix());
            assertEquals(30, rule.expiration().days());
            assertEquals(ExpirationStatus.ENABLED, rule.status());
            assertTrue(rules.stream().noneMatch(r -> r.filter() != null && r.filter().prefix() != null
                    && "knowledge/".startsWith(r.filter().prefix())), "no rule reaches knowledge/: " + rules);

            assertEquals(LifecycleOutcome.UNCHANGED, store.applyLifecycle(30), "the second boot changes nothing");
            assertEquals(rules, rules(admin, "lifecycle-fresh"));
        }
    }

    @Test
    void aChangedRetentionReplacesOurRuleAndKeepsEveryoneElsesRules() {
        S3Buckets.create(s3mock.endpoint(), "lifecycle-shared");
        try (S3ArtifactStore store = store("lifecycle-shared"); S3Client admin = S3Buckets.admin(s3mock.endpoint())) {
            LifecycleRule theirs = LifecycleRule.builder().id("team-logs").status(ExpirationStatus.ENABLED)
                    .filter(LifecycleRuleFilter.builder().prefix("logs/").build())
                    .expiration(LifecycleExpiration.builder().days(7).build()).build();
            admin.putBucketLifecycleConfiguration(b -> b.bucket("lifecycle-shared")
                    .lifecycleConfiguration(BucketLifecycleConfiguration.builder().rules(theirs).build()));

            assertEquals(LifecycleOutcome.APPLIED, store.applyLifecycle(30));
            assertEquals(LifecycleOutcome.APPLIED, store.applyLifecycle(45));
            List<LifecycleRule> rules = rules(admin, "lifecycle-shared");

            assertEquals(2, rules.size(), rules.toString());
            assertTrue(rules.stream().anyMatch(r -> r.id().equals("team-logs") && r.expiration().days() == 7), rules.toString());
            assertTrue(rules.stream().anyMatch(r -> r.id().equals(S3ArtifactStore.LIFECYCLE_RULE_ID)
                    && r.expiration().days() == 45), rules.toString());
        }
    }

    private static List<LifecycleRule> rules(S3Client admin, String bucket) {
        return admin.getBucketLifecycleConfiguration(b -> b.bucket(bucket)).rules();
    }

    private static S3ArtifactStore store(String bucket) {
        return new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY,
                bucket, s3mock.endpoint().toString(), null).settings().orElseThrow(), Duration.ofSeconds(10));
    }
}
