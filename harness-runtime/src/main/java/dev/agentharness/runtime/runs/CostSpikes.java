package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.state.UsageStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cost-spike signal per principal: today's spend (since UTC midnight) against the average day of the 7 UTC days
 * before, from {@code public.usage}. Exported as two gauges for the top {@code HARNESS_METRICS_TOP_PRINCIPALS}
 * principals by spend (the rest summed as {@code principal="other"}: label cardinality stays bounded), and a webhook
 * alert when today passes {@code HARNESS_ALERTS_SPIKE_FACTOR} × the average and {@code HARNESS_ALERTS_SPIKE_MINIMUM_USD}
 * (once per principal per day across replicas). The 7 previous days change only at midnight, so they are read once per
 * UTC day per replica; each refresh reads today's rows only.
 */
@ApplicationScoped
public class CostSpikes {

    static final String OTHER = "other";

    /** One principal's signal. */
    public record Signal(String principal, BigDecimal todayUsd, BigDecimal averageUsd) {
    }

    private final UsageStore usage;
    private final HarnessMetrics metrics;
    private final AlertNotifier alerts;
    private final AlertSettings settings;
    private final Clock clock;
    private volatile LocalDate averagesDay;
    private volatile Map<String, BigDecimal> previousWeek = Map.of();

    @Inject
    public CostSpikes(UsageStore usage, HarnessMetrics metrics, AlertNotifier alerts, AlertSettings settings,
                      Clock clock) {
        this.usage = usage;
        this.metrics = metrics;
        this.alerts = alerts;
        this.settings = settings;
        this.clock = clock;
    }

    /** Reads the spend, updates the gauges and raises spikes; returns every principal's signal (for tests). */
    public List<Signal> refresh() {
        Instant now = clock.instant();
        Instant midnight = DailyBudgets.startOfDay(now);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        if (!today.equals(averagesDay)) {
            previousWeek = usage.spentByPrincipal(midnight.minus(7, ChronoUnit.DAYS), midnight);
            averagesDay = today;
        }
        Map<String, BigDecimal> todays = usage.spentByPrincipal(midnight, midnight.plus(1, ChronoUnit.DAYS));
        Set<String> principals = new HashSet<>(todays.keySet());
        principals.addAll(previousWeek.keySet());
        List<Signal> signals = new ArrayList<>();
        for (String principal : principals) {
            signals.add(new Signal(principal, todays.getOrDefault(principal, BigDecimal.ZERO),
                    previousWeek.getOrDefault(principal, BigDecimal.ZERO).divide(BigDecimal.valueOf(7), 6,
                            RoundingMode.HALF_UP)));
        }
        signals.sort(Comparator.comparing(Signal::todayUsd).thenComparing(Signal::averageUsd).reversed()
                .thenComparing(Signal::principal));
        metrics.principalSpend(gauges(signals, Math.max(0, settings.topPrincipals())));
        BigDecimal factor = BigDecimal.valueOf(settings.spikeFactor());
        BigDecimal minimum = BigDecimal.valueOf(settings.spikeMinimumUsd());
        for (Signal signal : signals) {
            if (spike(signal, factor, minimum)) {
                alerts.costSpike(signal.principal(), today, signal.todayUsd(), signal.averageUsd(),
                        settings.spikeFactor());
            }
        }
        return signals;
    }

    static boolean spike(Signal signal, BigDecimal factor, BigDecimal minimum) {
        return signal.todayUsd().compareTo(minimum) > 0
                && signal.todayUsd().compareTo(factor.multiply(signal.averageUsd())) > 0;
    }

    /** The top {@code top} principals by their own name, the rest summed under {@code other}. */
    static Map<String, double[]> gauges(List<Signal> sorted, int top) {
        Map<String, double[]> gauges = new LinkedHashMap<>();
        double otherToday = 0;
        double otherAverage = 0;
        for (int i = 0; i < sorted.size(); i++) {
            Signal signal = sorted.get(i);
            if (i < top && !OTHER.equals(signal.principal())) {
                gauges.put(signal.principal(), new double[] {signal.todayUsd().doubleValue(),
                        signal.averageUsd().doubleValue()});
            } else {
                otherToday += signal.todayUsd().doubleValue();
                otherAverage += signal.averageUsd().doubleValue();
            }
        }
        // Always present (0 when every principal has its own series): the series never vanish between refreshes.
        gauges.put(OTHER, new double[] {otherToday, otherAverage});
        return gauges;
    }
}
