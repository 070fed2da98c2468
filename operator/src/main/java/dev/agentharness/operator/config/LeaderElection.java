package dev.agentharness.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

/**
 * Leader election on a Lease, so two operator replicas never reconcile at once (the standby takes
 * over when the leader's lease expires). QOSDK asks for this bean only in the profiles of
 * {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod); there,
 * {@code LEADER_ELECTION_ENABLED=false} turns it off — a single replica, or an API server without
 * SelfSubjectRulesReview such as the mock used by the demo.
 */
public class LeaderElection {

    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    /** Null (no leader election) when disabled: QOSDK treats a missing configuration as "off". */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(OperatorConfig config) {
        return of(config.leaderElection());
    }

    static LeaderElectionConfiguration of(OperatorConfig.LeaderElection settings) {
        if (!settings.enabled()) {
            LOG.info("leader election disabled (LEADER_ELECTION_ENABLED=false): run a single replica");
            return null;
        }
        LeaderElectionConfigurationBuilder builder = LeaderElectionConfigurationBuilder
                .aLeaderElectionConfiguration(settings.leaseName());
        settings.leaseNamespace().ifPresent(builder::withLeaseNamespace);
        LOG.infof("leader election on Lease %s%s", settings.leaseName(),
                settings.leaseNamespace().map(ns -> " in namespace " + ns).orElse(" in the client's namespace"));
        // A replica that loses the lease must exit (and come back as a standby) rather than go on reconciling
        // beside the new leader. JOSDK 5.3.2's build() passes exitOnStopLeading=false and withExitOnStopLeading()
        // throws; buildForTest(true) is the one builder path that sets it.
        return builder.buildForTest(true);
    }
}
