package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.state.AlertEvents;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Alerts to a webhook ({@code HARNESS_ALERTS_WEBHOOK_URL}) as Slack-compatible JSON ({@code text} + one
 * {@code section} block): cost spikes and exhausted daily budgets (each once per principal per UTC day, across all
 * replicas: {@link AlertEvents}), and suspended / resumed principals (sent by the replica that served the request).
 *
 * <p>Fire and forget: an alert is put on a bounded queue ({@code offer}, never a wait — a full queue drops it with a
 * warning) and one virtual thread sends them in order, each retried with exponential backoff by resilience4j-retry on
 * I/O errors, 408, 429 and 5xx. No run and no request ever waits for the webhook. The URL is never logged (it is a
 * credential): log lines name its host only.
 */
@ApplicationScoped
@Startup
public class AlertNotifier {

    private static final Logger LOG = Logger.getLogger(AlertNotifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String COST_SPIKE = "cost_spike";
    public static final String BUDGET_EXHAUSTED = "budget_exhausted";
    public static final String SUSPENDED = "principal_suspended";
    public static final String RESUMED = "principal_resumed";

    /** One alert to send. */
    record Alert(String kind, String principal, String text) {
    }

    private final Optional<URI> webhook;
    private final AlertEvents events;
    private final BlockingQueue<Alert> queue;
    private final WebhookSender sender;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** (principal, kind, day) this replica already raised or saw raised: no second INSERT for the same event. */
    private final ConcurrentHashMap<String, Boolean> known = new ConcurrentHashMap<>();
    private final Thread senderThread;

    @Inject
    public AlertNotifier(AlertSettings settings, AlertEvents events) {
        this.events = events;
        this.webhook = settings.webhookUrl().filter(url -> !url.isBlank()).map(AlertNotifier::parse);
        this.queue = new ArrayBlockingQueue<>(Math.max(1, settings.queueCapacity()));
        this.sender = webhook.map(url -> new WebhookSender("alerts-webhook", url, settings.maxAttempts(),
                settings.retryInitialBackoffMillis(), settings.requestTimeoutSeconds())).orElse(null);
        if (webhook.isPresent()) {
            LOG.infof("alerts go to the webhook at host %s", webhook.get().getHost());
            this.senderThread = Thread.ofVirtual().name("alerts-webhook").start(this::sendLoop);
        } else {
            this.senderThread = null;
        }
    }

    /** The URL must be absolute http(s); the message names the variable, never the value (it is a secret). */
    static URI parse(String url) {
        return WebhookSender.parse(url, "HARNESS_ALERTS_WEBHOOK_URL");
    }

    public boolean configured() {
        return webhook.isPresent();
    }

    /** Today's spend passed the spike line: sent once per principal per UTC day across replicas. */
    public void costSpike(String principal, LocalDate day, BigDecimal todayUsd, BigDecimal averageUsd, double factor) {
        once(principal, COST_SPIKE, day, String.format(Locale.ROOT, "Cost spike: principal %s spent %s today (UTC %s), "
                        + "more than %s× its 7-day daily average of %s", principal, usd(todayUsd), day,
                trim(factor), usd(averageUsd)),
                JSON.createObjectNode().put("today_usd", todayUsd).put("average_7d_usd", averageUsd)
                        .put("factor", factor));
    }

    /** The principal's daily budget is spent: sent once per principal per UTC day across replicas. */
    public void budgetExhausted(String principal, LocalDate day, BigDecimal spentUsd, double budgetUsd,
                                Instant resetsAt) {
        once(principal, BUDGET_EXHAUSTED, day, String.format(Locale.ROOT, "Daily budget exhausted: principal %s spent "
                        + "%s of its daily_budget_usd %s today (UTC %s); new runs are refused and running ones stop "
                        + "until %s", principal, usd(spentUsd), usd(BigDecimal.valueOf(budgetUsd)), day, resetsAt),
                JSON.createObjectNode().put("spent_usd", spentUsd).put("daily_budget_usd", budgetUsd)
                        .put("resets_at", resetsAt.toString()));
    }

    /** An admin suspended a principal (sent by the replica that served the request: once by construction). */
    public void suspended(String principal, String by, String reason) {
        enqueue(new Alert(SUSPENDED, principal, "Principal suspended: " + principal + " by " + by
                + (reason == null || reason.isBlank() ? "" : " (" + reason + ")")
                + "; its runs are stopped and new ones refused"));
    }

    public void resumed(String principal, String by) {
        enqueue(new Alert(RESUMED, principal, "Principal resumed: " + principal + " by " + by
                + "; it may submit runs again"));
    }

    /** Alerts sent (2xx) and dropped (queue full, or every attempt failed) since start. */
    public long sentCount() {
        return sent.get();
    }

    public long droppedCount() {
        return dropped.get();
    }

    private void once(String principal, String kind, LocalDate day, String text, ObjectNode detail) {
        if (webhook.isEmpty()) {
            return;
        }
        String key = principal + "\n" + kind + "\n" + day;
        if (known.putIfAbsent(key, Boolean.TRUE) != null) {
            return; // this replica raised or saw it already today: no second INSERT
        }
        if (known.size() > 10_000) {
            known.clear(); // bounded: at worst one more INSERT that finds the row
        }
        try {
            if (events.raise(principal, kind, day.toString(), detail.toString())) {
                enqueue(new Alert(kind, principal, text));
            }
        } catch (RuntimeException e) {
            known.remove(key); // try again next time
            LOG.warnf("alert %s for %s not raised (database: %s)", kind, principal, e.getMessage());
        }
    }

    private void enqueue(Alert alert) {
        if (webhook.isEmpty()) {
            return;
        }
        if (!queue.offer(alert)) {
            dropped.incrementAndGet();
            LOG.warnf("alert queue full (%d): dropped %s for %s", queue.size(), alert.kind(), alert.principal());
        }
    }

    private void sendLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            Alert alert;
            try {
                alert = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            send(alert);
        }
    }

    void send(Alert alert) {
        String body = body(alert);
        String host = webhook.get().getHost();
        try {
            WebhookSender.Outcome outcome = sender.post(body);
            if (outcome.delivered()) {
                sent.incrementAndGet();
                LOG.infof("alert %s for %s sent to webhook host %s", alert.kind(), alert.principal(), host);
            } else if (outcome.failure() == null) {
                dropped.incrementAndGet();
                LOG.warnf("alert %s for %s refused by webhook host %s: HTTP %d", alert.kind(), alert.principal(),
                        host, outcome.status());
            } else {
                dropped.incrementAndGet();
                LOG.warnf("alert %s for %s not delivered to webhook host %s: %s", alert.kind(), alert.principal(),
                        host, outcome.failure());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Slack's incoming-webhook shape: {@code text} (the notification) and one section block with the same words. */
    static String body(Alert alert) {
        ObjectNode root = JSON.createObjectNode().put("text", alert.text());
        ArrayNode blocks = root.putArray("blocks");
        ObjectNode section = blocks.addObject().put("type", "section");
        section.putObject("text").put("type", "mrkdwn").put("text", alert.text());
        ObjectNode context = blocks.addObject().put("type", "context");
        context.putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "agent-harness · " + alert.kind() + " · " + alert.principal());
        return root.toString();
    }

    @PreDestroy
    void stop() {
        if (senderThread != null) {
            senderThread.interrupt();
        }
    }

    static String usd(BigDecimal amount) {
        return String.format(Locale.ROOT, "$%.4f", amount);
    }

    private static String trim(double factor) {
        return factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor);
    }
}
