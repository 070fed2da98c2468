{{/* Chart name, possibly overridden. */}}
{{- define "agent-harness.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name (63 characters at most, the DNS label limit). */}}
{{- define "agent-harness.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one component's objects: <fullname>-<component>, cut so the suffix always survives. */}}
{{- define "agent-harness.componentName" -}}
{{- $full := include "agent-harness.fullname" .ctx }}
{{- printf "%s-%s" ($full | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "agent-harness.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "agent-harness.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: agent-harness
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
metadata.annotations of one object: its own annotations (dict "ctx" $ "own" <map>) over commonAnnotations; nothing at
all when both are empty. Use: {{- with include "agent-harness.annotations" (dict "ctx" $) }}{{ . | nindent 2 }}{{- end }}
*/}}
{{- define "agent-harness.annotations" -}}
{{- $all := merge (dict) (default (dict) .own) .ctx.Values.commonAnnotations }}
{{- with $all -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Labels of one component (dict "ctx" $ "component" "harness"). */}}
{{- define "agent-harness.componentLabels" -}}
{{ include "agent-harness.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of one component: stable across upgrades (no version in them). */}}
{{- define "agent-harness.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agent-harness.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Image reference: (dict "image" .Values.harness.image "ctx" $). global.imageRegistry replaces the registry of the
repository (its first path element when that names a host: has a dot or a port, or is localhost) or, without one,
prefixes it: ghcr.io/agent-harness/harness → mirror.example.com/agent-harness/harness. image.digest pins the image
by content (repository@sha256:…) and then wins over the tag.
*/}}
{{- define "agent-harness.image" -}}
{{- $repository := .image.repository }}
{{- with (.ctx.Values.global).imageRegistry }}
{{- $parts := splitList "/" $repository }}
{{- $first := first $parts }}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq "localhost" $first)) }}
{{- $repository = join "/" (rest $parts) }}
{{- end }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repository .image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .ctx.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{- define "agent-harness.harnessServiceAccountName" -}}
{{- if .Values.harness.serviceAccount.create }}
{{- default (include "agent-harness.componentName" (dict "ctx" . "component" "harness")) .Values.harness.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.harness.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "agent-harness.operatorServiceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "agent-harness.componentName" (dict "ctx" . "component" "operator")) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Environment variables read from the user's Secrets, one secretKeyRef each: the chart never sees a value.
(dict "ctx" $ "groups" (list "database" ...)) — a group whose existingSecret is empty is skipped.
*/}}
{{- define "agent-harness.secretEnv" -}}
{{- range $group := .groups }}
{{- $secret := index $.ctx.Values.secrets $group }}
{{- if $secret.existingSecret }}
{{- range $secret.keys }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret.existingSecret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Pod scheduling of one component, (dict "ctx" $ "component" "harness" "values" .Values.harness): priorityClassName,
nodeSelector, tolerations, affinity and topologySpreadConstraints. A constraint without a labelSelector spreads the
component's own pods (its selector labels).
*/}}
{{- define "agent-harness.podScheduling" -}}
{{- $ctx := dict "ctx" .ctx "component" .component }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  {{- $constraint := deepCopy . }}
  {{- if not $constraint.labelSelector }}
  {{- $_ := set $constraint "labelSelector" (dict "matchLabels" (include "agent-harness.selectorLabels" $ctx | fromYaml)) }}
  {{- end }}
  - {{ toYaml $constraint | indent 4 | trim }}
  {{- end }}
{{- end }}
{{- end }}

{{/* One HTTP probe from harness.probes.<kind>. */}}
{{- define "agent-harness.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
initialDelaySeconds: {{ .initialDelaySeconds }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}

{{/* URL of the harness for the operator. */}}
{{- define "agent-harness.harnessUrl" -}}
{{- if .Values.operator.harnessUrl }}
{{- .Values.operator.harnessUrl }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" (include "agent-harness.componentName" (dict "ctx" . "component" "harness")) .Release.Namespace .Values.harness.service.port }}
{{- end }}
{{- end }}

{{/* Labels of one alert in rules/agent-harness.rules.yaml: (dict "alert" <metrics.prometheusRule.X> "ctx" $). */}}
{{- define "agent-harness.alertLabels" -}}
severity: {{ .alert.severity }}
namespace: {{ .ctx.Release.Namespace }}
{{- with .ctx.Values.metrics.prometheusRule.alertLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of the monitoring objects (ServiceMonitor, PodMonitor, PrometheusRule): the component's plus metrics.labels. */}}
{{- define "agent-harness.monitoringLabels" -}}
{{ include "agent-harness.componentLabels" . }}
{{- with .ctx.Values.metrics.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The scrape settings shared by every ServiceMonitor endpoint and PodMonitor podMetricsEndpoint: (dict "ctx" $ "path" "/metrics"). */}}
{{- define "agent-harness.scrapeEndpoint" -}}
port: http
path: {{ .path }}
scheme: http
{{- with .ctx.Values.metrics.interval }}
interval: {{ . }}
{{- end }}
{{- with .ctx.Values.metrics.scrapeTimeout }}
scrapeTimeout: {{ . }}
{{- end }}
{{- with .ctx.Values.metrics.relabelings }}
relabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .ctx.Values.metrics.metricRelabelings }}
metricRelabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* AKS managed Prometheus drops targets of monitors without these limits (its documented templates set them). */}}
{{- define "agent-harness.azureLabelLimits" -}}
{{- if eq .Values.metrics.apiGroup "azmonitoring.coreos.com" }}
labelLimit: 63
labelNameLengthLimit: 511
labelValueLengthLimit: 1023
{{- end }}
{{- end }}

{{/*
The harness's tenants file (docs/tenants.md, "Tenants, limits and budgets"): tenants.defaults / principals / namespaces, only
the non-empty ones; empty when none is set (then no ConfigMap and no HARNESS_TENANTS_FILE: everyone unlimited).
*/}}
{{- define "agent-harness.tenantsFile" -}}
{{- $file := dict }}
{{- range $section := list "defaults" "principals" "namespaces" }}
{{- with index $.Values.tenants $section }}
{{- $_ := set $file $section . }}
{{- end }}
{{- end }}
{{- if $file }}
{{- toYaml $file }}
{{- end }}
{{- end }}

{{/*
The harness's environment (its Deployment and the nightly evaluation CronJob run the same program with the same
configuration): plain settings, then every secret group. Every name is read by
harness-runtime/src/main/resources/application.properties (EnvironmentNamesTest).
*/}}
{{- define "agent-harness.harnessEnv" -}}
- name: PORT
  value: {{ .Values.harness.port | quote }}
- name: HARNESS_DATA_DIR
  value: /data
# After SIGTERM runs in flight may finish for this long, then go back to the queue for another replica;
# the last 15 s of the pod's grace period are for that hand-over and the rest of the shutdown.
- name: HARNESS_SHUTDOWN_GRACE_SECONDS
  value: {{ max 0 (sub (int .Values.harness.terminationGracePeriodSeconds) 15) | quote }}
{{- if include "agent-harness.tenantsFile" . }}
# Limits per principal and namespace (tenants.*), from the ConfigMap mounted below.
- name: HARNESS_TENANTS_FILE
  value: /etc/agent-harness/tenants/tenants.yaml
{{- end }}
{{- with .Values.tenants.adminPrincipals }}
- name: HARNESS_ADMIN_PRINCIPALS
  value: {{ join "," . | quote }}
{{- end }}
{{- if .Values.sandbox.provider }}
- name: SANDBOX_PROVIDER
  value: {{ .Values.sandbox.provider | quote }}
{{- end }}
{{- if eq .Values.sandbox.provider "kubernetes" }}
- name: SANDBOX_K8S_NAMESPACE
  value: {{ .Values.sandbox.namespace | quote }}
- name: SANDBOX_K8S_SERVICE_ACCOUNT
  value: {{ include "agent-harness.componentName" (dict "ctx" . "component" "sandbox") | quote }}
{{- with .Values.sandbox.kubernetes.image }}
- name: SANDBOX_K8S_IMAGE
  value: {{ . | quote }}
{{- end }}
{{- with .Values.sandbox.kubernetes.runtimeClassName }}
- name: SANDBOX_K8S_RUNTIME_CLASS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.sandbox.kubernetes.egressCidrs }}
- name: SANDBOX_K8S_EGRESS_CIDRS
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- if eq .Values.sandbox.provider "e2b" }}
# The reaper destroys only sandboxes carrying this owner: one value per installation sharing an E2B team.
- name: E2B_SANDBOX_OWNER
  value: {{ default (printf "%s.%s" .Release.Namespace .Release.Name) .Values.sandbox.e2b.owner | quote }}
{{- with .Values.sandbox.e2b.template }}
- name: E2B_TEMPLATE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if eq .Values.sandbox.provider "cloudflare" }}
- name: CLOUDFLARE_SANDBOX_WORKER_URL
  value: {{ .Values.sandbox.cloudflare.workerUrl | quote }}
{{- end }}
{{- if .Values.operator.enabled }}
# The operator acts for each AgentRun's namespace (Agent-Harness-Namespace): its runs, limits and spend are
# the namespace's own tenant, ns:<namespace>. Only this principal may do so.
- name: HARNESS_NAMESPACE_DELEGATES
  value: {{ .Values.operator.harnessPrincipal | quote }}
{{- end }}
{{- if .Values.pricing.models }}
- name: HARNESS_PRICES_FILE
  value: /etc/agent-harness/pricing/prices.yaml
{{- end }}
{{- range $name, $value := .Values.harness.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- with include "agent-harness.secretEnv" (dict "ctx" . "groups" (list "apiKeys" "model" "database" "r2" "e2b" "cloudflare" "storageSigning" "telemetry" "alerts")) | trim }}
{{- . | nindent 0 }}
{{- end }}
{{- with .Values.harness.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The harness's configuration files (price table, tenants file) as volume mounts; none when neither is set. */}}
{{- define "agent-harness.harnessConfigMounts" -}}
{{- if .Values.pricing.models }}
- name: pricing
  mountPath: /etc/agent-harness/pricing
  readOnly: true
{{- end }}
{{- if include "agent-harness.tenantsFile" . }}
- name: tenants
  mountPath: /etc/agent-harness/tenants
  readOnly: true
{{- end }}
{{- end }}

{{/* The volumes behind agent-harness.harnessConfigMounts. */}}
{{- define "agent-harness.harnessConfigVolumes" -}}
{{- if .Values.pricing.models }}
- name: pricing
  configMap:
    name: {{ include "agent-harness.componentName" (dict "ctx" . "component" "pricing") }}
{{- end }}
{{- if include "agent-harness.tenantsFile" . }}
- name: tenants
  configMap:
    name: {{ include "agent-harness.componentName" (dict "ctx" . "component" "tenants") }}
{{- end }}
{{- end }}
