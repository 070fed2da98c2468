package dev.agentharness.deploy.helm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** values.schema.json, enforced by the real Helm engine: each bad value is refused, naming the field. */
class ValuesSchemaTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a secret inlined as plain env                   | harness: {env: {OPENAI_API_KEY: sk-abc}}                                   | invalid propertyName 'OPENAI_API_KEY'
            a DSN inlined as plain env                      | harness: {env: {DATABASE_URL: 'postgresql://u:p@h/db'}}                    | invalid propertyName 'DATABASE_URL'
            any *_KEY variable as plain env                 | harness: {env: {HARNESS_STORAGE_SIGNING_KEY: abc}}                          | invalid propertyName 'HARNESS_STORAGE_SIGNING_KEY'
            a chart-managed variable                        | harness: {env: {PORT: '9000'}}                                             | invalid propertyName 'PORT'
            a connection string inlined as plain env        | harness: {env: {APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x'}} | invalid propertyName 'APPLICATIONINSIGHTS_CONNECTION_STRING'
            a collector's headers inlined as plain env      | harness: {env: {OTEL_EXPORTER_OTLP_HEADERS: 'api-key=x'}}                  | invalid propertyName 'OTEL_EXPORTER_OTLP_HEADERS'
            a signing key mapped to a foreign variable      | secrets: {storageSigning: {existingSecret: s, keys: [{env: OPENAI_API_KEY, key: k}]}} | env
            the previous signing key as plain env           | harness: {env: {HARNESS_STORAGE_SIGNING_KEY_PREVIOUS: abc}}                 | invalid propertyName 'HARNESS_STORAGE_SIGNING_KEY_PREVIOUS'
            a telemetry key mapped to a foreign variable    | secrets: {telemetry: {existingSecret: t, keys: [{env: E2B_API_KEY, key: k}]}} | env
            a non-string env value                          | harness: {env: {MODEL_MAX_RETRIES: 3}}                                     | MODEL_MAX_RETRIES
            an unknown top-level key                        | harnes: {replicaCount: 2}                                                  | harnes
            an unknown nested key                           | harness: {replicas: 2}                                                     | replicas
            a Secret name that is not a DNS name            | secrets: {model: {existingSecret: My_Secret}}                              | existingSecret
            a secret key mapped to a foreign variable       | secrets: {database: {existingSecret: neon, keys: [{env: OPENAI_API_KEY, key: k}]}} | env
            two replicas on the embedded database           | harness: {replicaCount: 2}                                                 | replicaCount
            autoscaling on the embedded database            | harness: {autoscaling: {enabled: true}}                                    | enabled
            two replicas on one ReadWriteOnce volume        | secrets: {database: {existingSecret: neon}}, harness: {replicaCount: 2, persistence: {enabled: true}} | replicaCount
            e2b without its key                             | sandbox: {provider: e2b}                                                   | existingSecret
            the local sandbox provider in a cluster         | sandbox: {provider: local}                                                 | provider
            an operator without its token                   | operator: {harnessToken: {existingSecret: ''}}                             | existingSecret
            a probe beyond Azure Container Apps' limits     | harness: {probes: {startup: {failureThreshold: 30}}}                       | failureThreshold
            a probe path that is not a path                 | harness: {probes: {liveness: {path: health}}}                              | path
            a negative replica count                        | harness: {replicaCount: -1}                                                | replicaCount
            a port out of range                             | harness: {port: 70000}                                                     | port
            an image tag with a space                       | harness: {image: {tag: 'v 1'}}                                             | tag
            an unknown pull policy                          | operator: {image: {pullPolicy: Sometimes}}                                 | pullPolicy
            a CPU request that is no quantity               | harness: {resources: {requests: {cpu: lots}}}                              | cpu
            crds.install as a string                        | crds: {install: 'yes'}                                                     | install
            cloudflare without its key                      | sandbox: {provider: cloudflare, cloudflare: {workerUrl: 'https://w.example.dev'}} | existingSecret
            cloudflare without its Worker URL               | secrets: {cloudflare: {existingSecret: cf}}, sandbox: {provider: cloudflare} | workerUrl
            a Worker URL that is no URL                     | sandbox: {cloudflare: {workerUrl: 'w.example.dev'}}                        | workerUrl
            an unknown sandbox provider                     | sandbox: {provider: modal}                                                 | provider
            a sandbox egress CIDR that is no CIDR           | sandbox: {kubernetes: {egressCidrs: [proxy.internal]}}                     | egressCidrs
            a chart-managed sandbox variable                | harness: {env: {SANDBOX_K8S_NAMESPACE: other}}                             | invalid propertyName 'SANDBOX_K8S_NAMESPACE'
            a chart-managed operator variable               | operator: {env: {OPERATOR_HTTP_PORT: '9000'}}                              | invalid propertyName 'OPERATOR_HTTP_PORT'
            two operators without leader election           | operator: {replicaCount: 2, leaderElection: {enabled: false}}              | replicaCount
            a poll interval that is no duration             | operator: {pollInterval: 'every 2 seconds'}                                | pollInterval
            the operator's old management port              | operator: {managementPort: 9000}                                           | managementPort
            an unknown monitoring API group                 | metrics: {apiGroup: monitoring.example.com}                                | apiGroup
            a PrometheusRule for AKS managed Prometheus     | metrics: {apiGroup: azmonitoring.coreos.com, prometheusRule: {enabled: true}} | enabled
            a scrape interval that is no duration           | metrics: {interval: 30}                                                    | interval
            an alert window that is no duration             | metrics: {prometheusRule: {runErrorRate: {window: 'a while'}}}             | window
            an error-rate threshold above 1                 | metrics: {prometheusRule: {runErrorRate: {threshold: 5}}}                  | threshold
            a cost-spike factor that is no spike            | metrics: {prometheusRule: {costSpike: {factor: 1}}}                        | factor
            a runbook URL that is no URL                    | metrics: {prometheusRule: {runbookBaseUrl: docs/observability.md}}         | runbookBaseUrl
            a dashboard label value with a space            | metrics: {grafanaDashboard: {labelValue: 'one two'}}                       | labelValue
            an unknown nightly setting                      | evals: {nightly: {enabled: true, hour: 3}}                                 | hour
            a nightly window that is no duration            | evals: {nightly: {window: 'one day'}}                                      | window
            a nightly sample of nothing                     | evals: {nightly: {sample: 0}}                                              | sample
            nightly runs allowed to overlap                 | evals: {nightly: {concurrencyPolicy: Allow}}                               | concurrencyPolicy
            a nightly schedule that is no cron line         | evals: {nightly: {schedule: 'at three'}}                                   | schedule
            a foreign variable in the alerts Secret         | secrets: {alerts: {existingSecret: a, keys: [{env: OPENAI_API_KEY, key: k}]}} | env
            an unknown autoscaling metric                   | harness: {autoscaling: {metric: memory}}                                   | metric
            zero runs in flight per pod                     | harness: {autoscaling: {runs: {inFlightPerPod: 0}}}                        | inFlightPerPod
            a tenant limit of the wrong type                | tenants: {defaults: {max_queued: 'ten'}}                                   | max_queued
            a fractional in-flight limit                    | tenants: {defaults: {max_in_flight: 1.5}}                                  | max_in_flight
            zero requests per minute                        | tenants: {principals: {ci-bot: {requests_per_minute: 0}}}                  | requests_per_minute
            a daily budget that is no amount               | tenants: {namespaces: {team-a: {daily_budget_usd: -1}}}                    | daily_budget_usd
            an unknown tenant limit                         | tenants: {defaults: {max_running: 3}}                                      | max_running
            a namespace that is no namespace name           | tenants: {namespaces: {Team_A: {max_in_flight: 1}}}                        | invalid propertyName 'Team_A'
            an admin principal with a colon                 | tenants: {adminPrincipals: ['ns:team-a']}                                  | adminPrincipals
            a chart-managed tenants file                    | harness: {env: {HARNESS_TENANTS_FILE: /etc/tenants.yaml}}                  | invalid propertyName 'HARNESS_TENANTS_FILE'
            a watched namespace that is no namespace name   | operator: {watchNamespaces: [Team_A]}                                      | watchNamespaces
            a watched namespace listed twice                | operator: {watchNamespaces: [team-a, team-a]}                              | watchNamespaces
            watched namespaces as one string                | operator: {watchNamespaces: 'team-a,team-b'}                               | watchNamespaces
            a delegate principal with a colon               | operator: {harnessPrincipal: 'ns:team-a'}                                  | harnessPrincipal
            the chart-managed delegates as harness env      | harness: {env: {HARNESS_NAMESPACE_DELEGATES: ci-bot}}                      | invalid propertyName 'HARNESS_NAMESPACE_DELEGATES'
            the chart-managed watched namespaces as env     | operator: {env: {WATCH_NAMESPACES: team-a}}                                | invalid propertyName 'WATCH_NAMESPACES'
            rbac.aggregate as a string                      | rbac: {aggregate: 'yes'}                                                   | aggregate
            a negative model price                          | pricing: {models: {gpt-4.1-mini: {input_usd_per_mtok: 0.4, output_usd_per_mtok: -1}}} | output_usd_per_mtok
            a model price that is no number                 | pricing: {models: {gpt-4.1-mini: {input_usd_per_mtok: cheap, output_usd_per_mtok: 1}}} | input_usd_per_mtok
            a model price without its output price          | pricing: {models: {gpt-4.1-mini: {input_usd_per_mtok: 0.4}}}               | output_usd_per_mtok
            an unknown model price key                      | pricing: {models: {gpt-4.1-mini: {input_usd_per_mtok: 1, output_usd_per_mtok: 1, reasoning_usd_per_mtok: 1}}} | reasoning_usd_per_mtok
            a model name the harness refuses                | pricing: {models: {'bad model': {input_usd_per_mtok: 1, output_usd_per_mtok: 1}}} | invalid propertyName 'bad model'
            the price file as plain env                     | harness: {env: {HARNESS_PRICES_FILE: /tmp/p.yaml}}                          | invalid propertyName 'HARNESS_PRICES_FILE'
            rbac.create as a string                         | rbac: {create: 'no'}                                                       | create
            an image digest that is no sha256 digest        | harness: {image: {digest: 'latest'}}                                       | digest
            a registry given as a URL                       | global: {imageRegistry: 'https://mirror.example.com'}                      | imageRegistry
            a common label overriding the chart's own       | commonLabels: {app.kubernetes.io/name: other}                              | invalid propertyName 'app.kubernetes.io/name'
            a common label value with a space               | commonLabels: {team: 'a b'}                                                | commonLabels
            a common annotation that is no string           | commonAnnotations: {example.com/replicas: 2}                               | commonAnnotations
            a priority class that is no name                | harness: {priorityClassName: High_Priority}                                | priorityClassName
            a spread constraint without its topology key    | operator: {topologySpreadConstraints: [{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]} | topologyKey
            a spread constraint that may be unsatisfied     | harness: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Sometimes}]} | whenUnsatisfiable
            a pod securityContext field Kubernetes lacks    | harness: {podSecurityContext: {runAsRoot: false}}                          | runAsRoot
            a container securityContext of the wrong type   | operator: {securityContext: {readOnlyRootFilesystem: 'yes'}}               | readOnlyRootFilesystem
            a secret variable inlined through extraEnv      | harness: {extraEnv: [{name: OPENAI_API_KEY, value: sk-abc}]}               | extraEnv
            any *_TOKEN variable from a ConfigMap           | harness: {extraEnv: [{name: GITHUB_TOKEN, valueFrom: {configMapKeyRef: {name: c, key: k}}}]} | extraEnv
            a chart-managed variable through extraEnv       | harness: {extraEnv: [{name: PORT, value: '9000'}]}                         | extraEnv
            a chart-managed operator variable as extraEnv   | operator: {extraEnv: [{name: HARNESS_URL, value: 'http://x'}]}             | extraEnv
            an extra variable with a value and a valueFrom  | harness: {extraEnv: [{name: X, value: a, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]} | extraEnv
            an extra variable without a name                | harness: {extraEnv: [{value: a}]}                                          | name
            an envFrom naming a ConfigMap and a Secret      | harness: {extraEnvFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]} | extraEnvFrom
            an extra volume without a source                | harness: {extraVolumes: [{name: agents}]}                                  | extraVolumes
            an extra mount at a relative path               | operator: {extraVolumeMounts: [{name: ca, mountPath: etc/ssl}]}            | mountPath
            an operator PDB that allows no disruption       | operator: {podDisruptionBudget: {maxUnavailable: 0}}                       | maxUnavailable
            workload identity without the identity          | harness: {azureWorkloadIdentity: {enabled: true}}                          | clientId
            a workload identity client ID that is no UUID   | harness: {azureWorkloadIdentity: {enabled: true, clientId: my-identity}}   | clientId
            """)
    void badValuesAreRefusedNamingTheField(String description, String flowValues, String field) {
        String values = "{" + flowValues + "}\n";
        Exception error = assertThrows(Exception.class, () -> ChartRenderingTest.CHART.template(values), description);
        assertTrue(error.getMessage().contains("values don't meet the specifications of the schema"), error.getMessage());
        assertTrue(error.getMessage().contains(field), description + " → " + error.getMessage());
    }
}
