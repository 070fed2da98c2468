package dev.agentharness.deploy.helm;

import java.util.List;

/** Named values files that, together, switch every toggle of the chart at least once. */
final class ValuesProfiles {

    record Profile(String name, String values) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String ALL_SECRETS = """
            secrets:
              model: {existingSecret: openai}
              database: {existingSecret: neon}
              r2: {existingSecret: r2}
              e2b: {existingSecret: e2b}
              cloudflare: {existingSecret: cloudflare}
              storageSigning: {existingSecret: link-signing}
              alerts: {existingSecret: alerts-webhook}
              telemetry: {existingSecret: telemetry, keys: [{env: APPLICATIONINSIGHTS_CONNECTION_STRING, key: ai}, {env: PHOENIX_API_KEY, key: phoenix}, {env: OTEL_EXPORTER_OTLP_HEADERS, key: otlp}]}
            """;

    /** The nightly evaluation CronJob with every setting changed. */
    static final String NIGHTLY_ON = """
            evals:
              nightly:
                enabled: true
                schedule: "30 2 * * *"
                timeZone: Etc/UTC
                window: 36h
                sample: 500
                perAgent: true
                concurrency: 4
                successfulJobsHistoryLimit: 5
                resources: {requests: {cpu: "1", memory: 2Gi}, limits: {memory: 2Gi}}
            """;

    /** Every metrics object on (one ServiceMonitor set, not also PodMonitors: they would scrape twice). */
    static final String METRICS_ON = """
            metrics:
              labels: {release: kube-prometheus-stack}
              interval: 15s
              scrapeTimeout: 10s
              relabelings: [{sourceLabels: [__meta_kubernetes_pod_node_name], targetLabel: node}]
              metricRelabelings: [{sourceLabels: [__name__], regex: "jvm_.*", action: drop}]
              serviceMonitor: {enabled: true}
              prometheusRule: {enabled: true, alertLabels: {team: agents}}
              grafanaDashboard: {enabled: true, annotations: {grafana_folder: Agents}}
            """;

    /** Every convention value of the chart set at once (ChartConventionsTest checks each one's effect). */
    static final String CONVENTIONS = """
            global: {imageRegistry: mirror.example.com:5000/agents}
            commonLabels: {cost-center: agents, example.com/team: platform}
            commonAnnotations: {example.com/owner: platform-team}
            harness:
              image: {digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"}
              priorityClassName: agents-high
              topologySpreadConstraints:
                - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
              podSecurityContext: {runAsUser: 20001, runAsGroup: 20001, fsGroup: null}
              securityContext: {runAsUser: 20001}
              extraEnv:
                - {name: HARNESS_EXTRA_SETTING, value: "on"}
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: OTEL_RESOURCE_ATTRIBUTES, valueFrom: {configMapKeyRef: {name: telemetry-settings, key: attributes}}}
                - {name: SERPER_API_KEY, valueFrom: {secretKeyRef: {name: tool-keys, key: serper}}}
              extraEnvFrom: [{configMapRef: {name: harness-settings}}, {secretRef: {name: harness-more, optional: true}}]
              extraVolumes: [{name: agents, configMap: {name: my-agents}}]
              extraVolumeMounts: [{name: agents, mountPath: /etc/agents, readOnly: true}]
              azureWorkloadIdentity: {enabled: true, clientId: 11111111-2222-3333-4444-555555555555, tenantId: 66666666-7777-8888-9999-000000000000}
            operator:
              image: {digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
              replicaCount: 2
              priorityClassName: agents-critical
              topologySpreadConstraints:
                - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
                   labelSelector: {matchLabels: {app.kubernetes.io/component: operator}}}
              securityContext: {runAsUser: 20002}
              extraEnv: [{name: OPERATOR_EXTRA, valueFrom: {configMapKeyRef: {name: operator-settings, key: extra}}}]
              extraEnvFrom: [{secretRef: {name: operator-more}}]
              extraVolumes: [{name: ca, secret: {secretName: corporate-ca}}]
              extraVolumeMounts: [{name: ca, mountPath: /etc/ssl/corporate, readOnly: true}]
              podDisruptionBudget: {maxUnavailable: 1}
            """;

    static List<Profile> all() {
        return List.of(
                new Profile("defaults", ""),
                new Profile("production: every secret, 3 replicas, ingress with TLS, e2b, pull secret, nightly evaluation",
                        ALL_SECRETS + NIGHTLY_ON + """
                        imagePullSecrets: [{name: registry}]
                        harness:
                          replicaCount: 3
                          env: {MODEL: gpt-5.4, HARNESS_PUBLIC_URL: "https://agents.example.com", OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4318"}
                          ingress: {enabled: true, className: nginx, host: agents.example.com, tlsSecretName: agents-tls,
                                    annotations: {cert-manager.io/cluster-issuer: letsencrypt}}
                          podAnnotations: {team: agents}
                          nodeSelector: {kubernetes.io/os: linux}
                          tolerations: [{key: dedicated, operator: Equal, value: agents, effect: NoSchedule}]
                        networkPolicy:
                          harnessIngressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
                        sandbox: {provider: e2b}
                        pricing:
                          models:
                            gpt-5.4: {input_usd_per_mtok: 1.25, cached_input_usd_per_mtok: 0.125, output_usd_per_mtok: 10}
                            gpt-4.1-mini: {input_usd_per_mtok: 0.40, output_usd_per_mtok: 1.60}
                        tenants:
                          defaults: {requests_per_minute: 600, max_queued: 100}
                          principals: {ci-bot: {requests_per_minute: 60}}
                          namespaces: {team-a: {max_in_flight: 2, daily_budget_usd: 5.5}}
                          adminPrincipals: [ops]
                        """),
                new Profile("autoscaling with the kubernetes sandbox provider", ALL_SECRETS + """
                        harness:
                          autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 20, targetCPUUtilizationPercentage: 60}
                          serviceAccount: {annotations: {azure.workload.identity/client-id: 00000000-0000-0000-0000-000000000000}}
                        sandbox: {provider: kubernetes, namespace: agent-sandboxes}
                        """),
                new Profile("sandbox namespace managed elsewhere, gVisor, an egress proxy", ALL_SECRETS + """
                        sandbox:
                          provider: kubernetes
                          createNamespace: false
                          kubernetes: {image: "registry.example.com/sandbox:1.2", runtimeClassName: gvisor, egressCidrs: [10.0.0.7/32]}
                        harness:
                          env: {SANDBOX_K8S_CPU_LIMIT: "2", SANDBOX_K8S_START_TIMEOUT_SECONDS: "300"}
                        """),
                new Profile("cloudflare sandboxes", """
                        secrets:
                          cloudflare: {existingSecret: cf-worker}
                        sandbox:
                          provider: cloudflare
                          cloudflare: {workerUrl: "https://sandbox-bridge.example.workers.dev"}
                        """),
                new Profile("e2b with its own owner and template", """
                        secrets:
                          e2b: {existingSecret: e2b}
                        sandbox:
                          provider: e2b
                          e2b: {owner: team-a-prod, template: python-data}
                        harness:
                          env: {E2B_DOMAIN: e2b.example.com}
                        """),
                new Profile("embedded database on a volume claim", """
                        harness:
                          persistence: {enabled: true, size: 20Gi, storageClass: managed-csi}
                        """),
                new Profile("existing claim, no PDB, no network policies, no CRDs", """
                        crds: {install: false}
                        harness:
                          persistence: {enabled: true, existingClaim: harness-data}
                          podDisruptionBudget: {enabled: false}
                        networkPolicy: {enabled: false}
                        """),
                new Profile("harness alone (no operator), no migration job, own service accounts", """
                        secrets:
                          apiKeys: {existingSecret: keys}
                          database: {existingSecret: neon}
                        operator: {enabled: false}
                        migrations: {enabled: false}
                        harness:
                          serviceAccount: {create: false, name: harness-sa}
                        """),
                new Profile("operator with its own settings and Azure OpenAI", """
                        secrets:
                          model: {existingSecret: azure-openai, keys: [{env: AZURE_OPENAI_API_KEY, key: key}]}
                        harness:
                          env: {AZURE_OPENAI_ENDPOINT: "https://x.openai.azure.com", AZURE_OPENAI_DEPLOYMENT: gpt-5-mini}
                        operator:
                          harnessUrl: "https://harness.example.com"
                          harnessToken: {existingSecret: operator-token, key: token}
                          replicaCount: 2
                          pollInterval: 500ms
                          env: {QUARKUS_LOG_LEVEL: DEBUG}
                          serviceAccount: {create: false, name: operator-sa}
                        fullnameOverride: agents
                        """),
                new Profile("one operator replica without leader election", """
                        operator: {leaderElection: {enabled: false}, httpPort: 8081}
                        """),
                new Profile("metrics: ServiceMonitors, alerts, dashboard, autoscaling on runs", ALL_SECRETS + METRICS_ON + """
                        harness:
                          autoscaling: {enabled: true, metric: runs, runs: {inFlightPerPod: 3, queuedPerPod: 5}}
                        networkPolicy:
                          harnessIngressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
                          metricsScrapersFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
                        """),
                new Profile("chart conventions: common labels, mirror registry, digests, spread, extra env and volumes, workload identity",
                        ALL_SECRETS + NIGHTLY_ON + CONVENTIONS),
                new Profile("metrics: PodMonitors without the operator", """
                        operator: {enabled: false}
                        metrics:
                          podMonitor: {enabled: true}
                          interval: 15s
                        """));
    }

    private ValuesProfiles() {
    }
}
