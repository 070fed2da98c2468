package dev.agentharness.runtime.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Phoenix pipeline (Arize Phoenix, LLM-level inspection): a second export, independent of the OTLP one, on when
 * {@code PHOENIX_COLLECTOR_ENDPOINT} is set. A span processor (a CDI bean, added to the tracer provider by Quarkus)
 * keeps the spans of each run executing on this replica — spans carrying {@code run_id} — until the run's root span
 * (the local root RunExecutor opens: internal, with a remote or no parent) ends; then the whole run is kept or dropped
 * by {@link PhoenixSampling} on the root's status (ERROR = did not succeed), the same decision RunExecutor records as
 * {@code sampled_to_phoenix}. Kept runs go to a bounded queue that one thread sends as OTLP/HTTP protobuf to
 * {@code <endpoint>/v1/traces}, with {@code openinference.project.name} on the resource and the API key as a bearer
 * token. Fire and forget: a run never waits on Phoenix — a full queue drops spans, a failed or timed-out export drops
 * its batch (no retries), both counted in {@code agentharness_phoenix_spans_dropped_total{reason}}. Spans without a
 * run id (other requests' server spans) never go to Phoenix.
 */
@Singleton
@Startup
public final class PhoenixExport implements SpanProcessor {

    private static final Logger LOG = Logger.getLogger(PhoenixExport.class);
    static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("run_id");
    static final AttributeKey<String> PROJECT = AttributeKey.stringKey("openinference.project.name");
    static final String TRACES_PATH = "/v1/traces";
    /** Spans waiting to be sent, all runs together. */
    static final int QUEUE_CAPACITY = 8192;
    static final int BATCH_SIZE = 512;
    /** Spans one run may buffer until it ends; more are dropped (counted). */
    static final int MAX_SPANS_PER_RUN = 4096;
    /** Runs buffered at once (this replica runs at most harness.runs.max-in-flight, 2000 by default). */
    static final int MAX_OPEN_RUNS = 10_000;
    /** Recent decisions, so a run's spans that end after its root (the synchronous request's span) follow it. */
    static final int DECISIONS_KEPT = 4096;
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);

    private final boolean enabled;
    private final double succeededRatio;
    private final double failedRatio;
    private final String projectName;
    private final Counter queueFull;
    private final Counter exportFailed;
    private final Counter runsExported;
    private final Map<String, RunSpans> open = new ConcurrentHashMap<>();
    private final Map<String, Boolean> decided = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > DECISIONS_KEPT;
                }
            });
    private final Map<Resource, Resource> resources = new ConcurrentHashMap<>();
    private final BlockingQueue<SpanData> queue;
    private final SpanExporter exporter;
    private final Thread sender;
    private volatile boolean running = true;

    @Inject
    public PhoenixExport(PhoenixSettings settings, MeterRegistry registry) {
        this(settings, registry, settings.endpoint().map(endpoint -> exporter(endpoint, settings.apiKey()))
                .orElse(null));
    }

    /** With the exporter given (null = Phoenix off): for tests that send elsewhere. */
    PhoenixExport(PhoenixSettings settings, MeterRegistry registry, SpanExporter exporter) {
        this.succeededRatio = PhoenixSampling.ratio("PHOENIX_SAMPLE_SUCCEEDED", settings.sampleSucceeded());
        this.failedRatio = PhoenixSampling.ratio("PHOENIX_SAMPLE_FAILED", settings.sampleFailed());
        this.projectName = settings.projectName();
        this.exporter = exporter;
        this.enabled = exporter != null;
        this.queueFull = dropped(registry, "queue_full");
        this.exportFailed = dropped(registry, "export_failed");
        this.runsExported = Counter.builder("agentharness.phoenix.runs.exported")
                .description("Runs whose spans were handed to the Phoenix exporter").register(registry);
        if (enabled) {
            this.queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
            this.sender = Thread.ofPlatform().daemon().name("phoenix-export").start(this::send);
            LOG.infof("Phoenix export on: project %s, %.0f%% of succeeded and %.0f%% of other runs", projectName,
                    succeededRatio * 100, failedRatio * 100);
        } else {
            this.queue = null;
            this.sender = null;
        }
    }

    private static Counter dropped(MeterRegistry registry, String reason) {
        return Counter.builder("agentharness.phoenix.spans.dropped").tag("reason", reason)
                .description("Spans the Phoenix pipeline dropped").register(registry);
    }

    private static SpanExporter exporter(String endpoint, java.util.Optional<String> apiKey) {
        URI base;
        try {
            base = URI.create(endpoint.strip().replaceAll("/+$", ""));
            if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PHOENIX_COLLECTOR_ENDPOINT: not an http(s) URL with a host", e);
        }
        String url = base.toString();
        OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder()
                .setEndpoint(url.endsWith(TRACES_PATH) ? url : url + TRACES_PATH)
                .setTimeout(EXPORT_TIMEOUT)
                .setConnectTimeout(Duration.ofSeconds(5))
                // A batch that fails is dropped and counted: retrying would hold up every later run's spans.
                .setRetryPolicy(null);
        apiKey.filter(key -> !key.isBlank()).ifPresent(key -> builder.addHeader("authorization", "Bearer " + key));
        return builder.build();
    }

    /**
     * The decision to record on a run ending now: whether its spans go to Phoenix, or null when Phoenix is off. The
     * same function the pipeline applies when the run's root span ends.
     */
    public Boolean sampled(String runId, boolean succeeded) {
        return enabled ? PhoenixSampling.decide(runId, succeeded, succeededRatio, failedRatio) : null;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        String runId = span.getAttribute(RUN_ID);
        if (runId != null && isRunRoot(span) && open.size() < MAX_OPEN_RUNS) {
            open.put(runId, new RunSpans(span.getSpanContext().getSpanId()));
        }
    }

    /** The span RunExecutor opens: internal, its parent remote (the stored trace id) or absent. */
    private static boolean isRunRoot(ReadableSpan span) {
        SpanContext parent = span.getParentSpanContext();
        return span.getKind() == SpanKind.INTERNAL && (!parent.isValid() || parent.isRemote());
    }

    @Override
    public boolean isStartRequired() {
        return enabled;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        String runId = span.getAttribute(RUN_ID);
        if (runId == null) {
            return;
        }
        RunSpans run = open.get(runId);
        if (run == null) {
            // Not a run executing here, or a span ending after its run's root: it follows the run's decision.
            if (Boolean.TRUE.equals(decided.get(runId))) {
                enqueue(List.of(span.toSpanData()));
            }
            return;
        }
        SpanData data = span.toSpanData();
        if (!run.rootSpanId.equals(data.getSpanId())) {
            if (!run.add(data)) {
                queueFull.increment();
            }
            return;
        }
        open.remove(runId);
        boolean sampled = PhoenixSampling.decide(runId, data.getStatus().getStatusCode() != StatusCode.ERROR,
                succeededRatio, failedRatio);
        decided.put(runId, sampled);
        if (sampled) {
            List<SpanData> spans = run.drain();
            spans.add(data);
            enqueue(spans);
            runsExported.increment();
        }
    }

    private void enqueue(List<SpanData> spans) {
        for (SpanData span : spans) {
            if (!queue.offer(new WithProject(span, resource(span.getResource())))) {
                queueFull.increment();
            }
        }
    }

    private Resource resource(Resource original) {
        return resources.computeIfAbsent(original,
                r -> r.merge(Resource.create(io.opentelemetry.api.common.Attributes.of(PROJECT, projectName))));
    }

    @Override
    public boolean isEndRequired() {
        return enabled;
    }

    /** The sender: batches of up to {@value #BATCH_SIZE} spans, one export at a time, each bounded in time. */
    private void send() {
        List<SpanData> batch = new ArrayList<>(BATCH_SIZE);
        while (running) {
            try {
                SpanData first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH_SIZE - 1);
                CompletableResultCode result = exporter.export(List.copyOf(batch))
                        .join(EXPORT_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
                if (!result.isSuccess()) {
                    exportFailed.increment(batch.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                exportFailed.increment(batch.size());
                LOG.debugf("Phoenix export failed: %s", e.getClass().getSimpleName());
            } finally {
                batch.clear();
            }
        }
    }

    @Override
    public CompletableResultCode shutdown() {
        close();
        return CompletableResultCode.ofSuccess();
    }

    @PreDestroy
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        if (sender != null) {
            sender.interrupt();
            exporter.shutdown();
        }
    }

    /** A run's spans until its root ends; bounded. */
    private static final class RunSpans {
        private final String rootSpanId;
        private final List<SpanData> spans = new ArrayList<>();

        RunSpans(String rootSpanId) {
            this.rootSpanId = rootSpanId;
        }

        synchronized boolean add(SpanData span) {
            if (spans.size() >= MAX_SPANS_PER_RUN) {
                return false;
            }
            spans.add(span);
            return true;
        }

        synchronized List<SpanData> drain() {
            return new ArrayList<>(spans);
        }
    }

    /** A span with the Phoenix project on its resource. */
    private static final class WithProject extends DelegatingSpanData {
        private final Resource resource;

        WithProject(SpanData delegate, Resource resource) {
            super(delegate);
            this.resource = resource;
        }

        @Override
        public Resource getResource() {
            return resource;
        }
    }
}
