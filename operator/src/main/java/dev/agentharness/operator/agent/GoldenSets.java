package dev.agentharness.operator.agent;

import dev.agentharness.crds.v1alpha1.AgentEvaluationSpec;
import dev.agentharness.crds.v1alpha1.DatasetSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads an Agent's golden set and baseline ({@code spec.evaluation}): a key of a ConfigMap in the Agent's namespace, or
 * a file in git ({@link GitFiles}). What cannot be read is reported against the field that names it.
 */
public class GoldenSets {

    /**
     * The golden set as the harness takes it.
     *
     * @param digest sha256 of dataset, baseline and threshold: the evaluation the operator follows is the one asked for
     *               with exactly these
     */
    public record GoldenSet(String dataset, String baseline, double threshold, String digest) {
    }

    /** The golden set or baseline could not be read; {@code field} names where in the spec. */
    public static class Unreadable extends Exception {
        private final String field;
        private final boolean transientFailure;

        Unreadable(String field, String message, boolean transientFailure) {
            super(message);
            this.field = field;
            this.transientFailure = transientFailure;
        }

        public String field() {
            return field;
        }

        /** The source could not be reached (git): worth asking again later without any change. */
        public boolean transientFailure() {
            return transientFailure;
        }
    }

    /** A git file is being read in the background (first read): ask again shortly. */
    public static final class Reading extends Unreadable {
        Reading(String field, String message) {
            super(field, message, true);
        }
    }

    private final KubernetesClient client;
    private final GitFiles git;

    public GoldenSets(KubernetesClient client, GitFiles git) {
        this.client = client;
        this.git = git;
    }

    public GoldenSet read(String namespace, AgentEvaluationSpec evaluation, double threshold) throws Unreadable {
        String dataset = text(namespace, evaluation.getGoldenSet(), "evaluation.goldenSet");
        if (dataset.isBlank()) {
            throw new Unreadable("evaluation.goldenSet", "the golden set is empty", false);
        }
        String baseline = evaluation.getBaseline() == null ? null
                : text(namespace, evaluation.getBaseline(), "evaluation.baseline");
        return new GoldenSet(dataset, baseline, threshold, digest(dataset + "\0" + baseline + "\0" + threshold));
    }

    private String text(String namespace, DatasetSource source, String field) throws Unreadable {
        if (source.getConfigMapKeyRef() != null) {
            String name = source.getConfigMapKeyRef().getName();
            String key = source.getConfigMapKeyRef().getKey();
            ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(name).get();
            if (configMap == null) {
                throw new Unreadable(field + ".configMapKeyRef.name", "ConfigMap '" + name + "' not found in namespace "
                        + namespace + " (the Agent is checked again when it appears)", false);
            }
            String value = configMap.getData() == null ? null : configMap.getData().get(key);
            if (value == null) {
                throw new Unreadable(field + ".configMapKeyRef.key", "ConfigMap '" + name + "' has no key '" + key
                        + "' in data", false);
            }
            return value;
        }
        var ref = source.getGit();
        try {
            return git.current(ref.getUrl(), ref.getRef(), ref.getPath()).map(GitFiles.GitFile::text)
                    .orElseThrow(() -> new Reading(field + ".git", "reading " + ref.getPath() + " from "
                            + ref.getUrl() + (ref.getRef() == null ? "" : " at " + ref.getRef())));
        } catch (GitFiles.GitReadException e) {
            throw new Unreadable(field + ".git", e.getMessage(), e.transientFailure());
        }
    }

    static String digest(String text) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
