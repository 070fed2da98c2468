#!/usr/bin/env bash
# Deploys the harness to Azure Container Apps from deploy/aca/containerapp.yaml, blue/green.
#
#   deploy/aca/deploy.sh [deploy]          build the image in ACR, create or update the app, shift traffic
#   deploy/aca/deploy.sh rollback REV      send all traffic back to revision REV (printed by every deploy)
#   deploy/aca/deploy.sh render            print the YAML that deploy would send (secret values masked)
#   deploy/aca/deploy.sh nightly           create or update the nightly evaluation job (nightly-job.yaml) on the
#                                          image IMAGE_TAG (default: the current commit, as deploy built it)
#   deploy/aca/deploy.sh render-nightly    print the job's YAML that nightly would send (secret values masked)
#
# Settings (environment): ACR_NAME (required: a globally unique registry name), RESOURCE_GROUP (agent-harness),
# LOCATION (eastus2), ENVIRONMENT_NAME (agent-harness-env), APP_NAME (agent-harness),
# IMAGE_TAG (git commit, else a timestamp), REVISION_SUFFIX (derived from IMAGE_TAG and the time),
# TRAFFIC_STEPS ("10 50 100": percent of traffic on the new revision, checked after each step), STEP_PAUSE_SECONDS (30),
# HEALTH_TIMEOUT_SECONDS (300).
#
# Secrets (settings.yaml secrets: keyVault, the default) live in Azure Key Vault KEY_VAULT_NAME (required; created with
# RBAC authorization when missing) under the variables' names in lower case with dashes (DATABASE_URL → database-url),
# stored there by you, e.g. `az keyvault secret set --vault-name "$KEY_VAULT_NAME" -n database-url --file url.txt`.
# The app reads them through its user-assigned identity, which deploy grants "Key Vault Secrets User" on the vault; no
# value passes through this script. Secrets the vault does not hold are left out with the variables that use them;
# harness-api-keys and database-url are required.
#
# TRIAL ONLY (settings.yaml secrets: trialValues, then make generate): secrets are read from this shell's environment
# and stored as Container App secrets under their own names; the YAML references them by name only. Required:
# HARNESS_API_KEYS, DATABASE_URL.
# Optional: DATABASE_DIRECT_URL, OPENAI_API_KEY (or AZURE_OPENAI_API_KEY via the chart values), R2_ACCOUNT_ID,
# R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_BUCKET, E2B_API_KEY, CLOUDFLARE_SANDBOX_API_KEY,
# APPLICATIONINSIGHTS_CONNECTION_STRING (traces to Application Insights), HARNESS_STORAGE_SIGNING_KEY and
# HARNESS_STORAGE_SIGNING_KEY_PREVIOUS (local store links only; rotation in docs/runbook.md), HARNESS_ALERTS_WEBHOOK_URL
# (the alert webhook). On an update, a secret
# that is not in the environment keeps the value the app already has; one the app never had is left out with the
# variable that uses it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# Another generated pair (e.g. a trial one, settings.yaml secrets: trialValues) may be named instead.
YAML_TEMPLATE="${CONTAINERAPP_YAML:-$SCRIPT_DIR/containerapp.yaml}"
NIGHTLY_TEMPLATE="${NIGHTLY_JOB_YAML:-$SCRIPT_DIR/nightly-job.yaml}"
DOCKERFILE="deploy/docker/harness.Dockerfile"

RESOURCE_GROUP="${RESOURCE_GROUP:-agent-harness}"
LOCATION="${LOCATION:-eastus2}"
ENVIRONMENT_NAME="${ENVIRONMENT_NAME:-agent-harness-env}"
APP_NAME="${APP_NAME:-agent-harness}"
TRAFFIC_STEPS="${TRAFFIC_STEPS:-10 50 100}"
STEP_PAUSE_SECONDS="${STEP_PAUSE_SECONDS:-30}"
HEALTH_TIMEOUT_SECONDS="${HEALTH_TIMEOUT_SECONDS:-300}"
export LOCATION

log() { printf '%s deploy: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }

# The image repository inside the registry, as generated from the chart values ("agent-harness/harness").
image_repository() {
  # shellcheck disable=SC2016 # the ${...} are the YAML's literal placeholders, not shell expansions
  sed -n 's|^ *image: "\${REGISTRY_SERVER}/\(.*\):\${IMAGE_TAG}"$|\1|p' "$YAML_TEMPLATE"
}

default_image_tag() {
  if git -C "$REPO_ROOT" rev-parse --short=12 HEAD >/dev/null 2>&1; then
    local tag
    tag="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD)"
    if [ -n "$(git -C "$REPO_ROOT" status --porcelain 2>/dev/null)" ]; then
      tag="$tag-dirty-$(date -u +%Y%m%d%H%M%S)"
    fi
    printf '%s' "$tag"
  else
    date -u +%Y%m%d%H%M%S
  fi
}

# Fills containerapp.yaml for one deployment (stdin → stdout):
#  - "${NAME}" placeholders from the environment (LOCATION, ENVIRONMENT_ID, IDENTITY_ID, IDENTITY_CLIENT_ID, REGISTRY_SERVER, IMAGE_TAG,
#    REVISION_SUFFIX, KEY_VAULT_URL);
#  - each Key Vault secret "- {name: database-url, keyVaultUrl: ..., identity: ...}" stays when the vault holds it
#    (KEY_VAULT_SECRETS, space-separated), else it and the env entry that references it are dropped;
#  - each secret "- {name: database-url}" gets the value of DATABASE_URL when that is set; when it is not, the entry
#    stays without a value if the app already has the secret (KEEP_SECRETS, space-separated), else the secret and
#    the env entry that references it are dropped;
#  - with TRAFFIC_PIN set (an update), all traffic stays on that revision while the new one starts at 0%.
# MASK_SECRETS=true prints '***' instead of values. Values are YAML single-quoted; awk reads them from ENVIRON, so no
# value ever passes through a command line.
render_yaml() {
  awk '
    function literal_replace(text, from, to,    out, at) {
      out = ""
      while ((at = index(text, from)) > 0) {
        out = out substr(text, 1, at - 1) to
        text = substr(text, at + length(from))
      }
      return out text
    }
    function single_quoted(value) {
      gsub(/\047/, "\047\047", value)
      return "\047" value "\047"
    }
    BEGIN {
      split("LOCATION ENVIRONMENT_ID IDENTITY_ID IDENTITY_CLIENT_ID REGISTRY_SERVER IMAGE_TAG REVISION_SUFFIX KEY_VAULT_URL", placeholders, " ")
      count = split(ENVIRON["KEEP_SECRETS"], kept, " ")
      for (i = 1; i <= count; i++) keep[kept[i]] = 1
      count = split(ENVIRON["KEY_VAULT_SECRETS"], held, " ")
      for (i = 1; i <= count; i++) in_vault[held[i]] = 1
    }
    /^ *- \{name: [a-z0-9-]+, keyVaultUrl: / {
      name = $0; sub(/^ *- \{name: /, "", name); sub(/,.*$/, "", name)
      if (!(name in in_vault)) {
        dropped[name] = 1
        next
      }
    }
    /^ *- \{name: [a-z0-9-]+\}$/ {
      indentation = $0; sub(/-.*$/, "", indentation)
      name = $0; sub(/^ *- \{name: /, "", name); sub(/\}$/, "", name)
      variable = toupper(name); gsub(/-/, "_", variable)
      if (ENVIRON[variable] != "") {
        value = (ENVIRON["MASK_SECRETS"] == "true") ? "***" : ENVIRON[variable]
        print indentation "- {name: " name ", value: " single_quoted(value) "}"
      } else if (name in keep) {
        print
      } else {
        dropped[name] = 1
      }
      next
    }
    /secretRef: [a-z0-9-]+\}$/ {
      name = $0; sub(/^.*secretRef: /, "", name); sub(/\}$/, "", name)
      if (name in dropped) next
    }
    /^ *- \{latestRevision: true, weight: 100\}$/ && ENVIRON["TRAFFIC_PIN"] != "" {
      indentation = $0; sub(/-.*$/, "", indentation)
      print indentation "- {revisionName: " single_quoted(ENVIRON["TRAFFIC_PIN"]) ", weight: 100}"
      next
    }
    {
      line = $0
      for (i in placeholders) {
        key = "${" placeholders[i] "}"
        if (index(line, key) > 0) {
          if (ENVIRON[placeholders[i]] == "" && !(placeholders[i] in reported)) {
            print "deploy: " placeholders[i] " is not set" > "/dev/stderr"
            reported[placeholders[i]] = 1
            failed = 1
          }
          line = literal_replace(line, key, ENVIRON[placeholders[i]])
        }
      }
      print line
    }
    END { if (failed) exit 2 }
  '
}

# Secret values end up in single-quoted YAML scalars: refuse what would not survive that (a line break).
check_secret_values() {
  local name
  for name in HARNESS_API_KEYS DATABASE_URL DATABASE_DIRECT_URL OPENAI_API_KEY AZURE_OPENAI_API_KEY \
    R2_ACCOUNT_ID R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY R2_BUCKET E2B_API_KEY CLOUDFLARE_SANDBOX_API_KEY \
    HARNESS_STORAGE_SIGNING_KEY HARNESS_STORAGE_SIGNING_KEY_PREVIOUS APPLICATIONINSIGHTS_CONNECTION_STRING \
    HARNESS_ALERTS_WEBHOOK_URL HARNESS_EVAL_WEBHOOK_URL; do
    case "${!name:-}" in
      *$'\n'* | *$'\r'*) die "$name contains a line break" ;;
    esac
  done
  if key_vault_secrets; then
    return 0 # the values are in Key Vault (ensure_key_vault checks the required ones)
  fi
  [ -n "${HARNESS_API_KEYS:-}" ] || die "set HARNESS_API_KEYS (principal:key,...): without keys the harness accepts only loopback callers"
  [ -n "${DATABASE_URL:-}" ] || die "set DATABASE_URL (Neon's pooled endpoint): a container app keeps no local state"
  if [ -z "${OPENAI_API_KEY:-}" ] && [ -z "${AZURE_OPENAI_API_KEY:-}" ]; then
    log "warning: no OPENAI_API_KEY in the environment; runs answer 503 until the app has a model key"
  fi
  if [ -z "${DATABASE_DIRECT_URL:-}" ]; then
    log "warning: no DATABASE_DIRECT_URL; migrations will run through the pooled DATABASE_URL"
  fi
}

# Whether the YAML references Key Vault (settings.yaml secrets: keyVault) rather than carrying trial values.
key_vault_secrets() {
  grep -q 'keyVaultUrl: ' "$YAML_TEMPLATE"
}

# Key Vault mode: the vault (RBAC authorization), the identity's "Key Vault Secrets User" role on it, and which secrets
# it holds (KEY_VAULT_SECRETS) — only names are read, never values.
ensure_key_vault() {
  key_vault_secrets || return 0
  [ -n "${KEY_VAULT_NAME:-}" ] || die "set KEY_VAULT_NAME: the Key Vault holding the app's secrets (or use the trial path: settings.yaml secrets: trialValues)"
  if ! az keyvault show -n "$KEY_VAULT_NAME" -o none 2>/dev/null; then
    log "key vault $KEY_VAULT_NAME (RBAC authorization)"
    az keyvault create -n "$KEY_VAULT_NAME" -g "$RESOURCE_GROUP" -l "$LOCATION" --enable-rbac-authorization true -o none
  fi
  local vault_id principal
  vault_id="$(az keyvault show -n "$KEY_VAULT_NAME" --query id -o tsv)"
  KEY_VAULT_URL="$(az keyvault show -n "$KEY_VAULT_NAME" --query properties.vaultUri -o tsv)"
  KEY_VAULT_URL="${KEY_VAULT_URL%/}"
  principal="$(az identity show --ids "$IDENTITY_ID" --query principalId -o tsv)"
  if [ -z "$(az role assignment list --assignee "$principal" --scope "$vault_id" --role "Key Vault Secrets User" --query '[0].id' -o tsv)" ]; then
    log "granting Key Vault Secrets User on $KEY_VAULT_NAME to the app's identity"
    az role assignment create --assignee-object-id "$principal" --assignee-principal-type ServicePrincipal \
      --role "Key Vault Secrets User" --scope "$vault_id" -o none
  fi
  KEY_VAULT_SECRETS="$(az keyvault secret list --vault-name "$KEY_VAULT_NAME" --query '[].name' -o tsv | tr '\n' ' ')"
  case " $KEY_VAULT_SECRETS " in *" harness-api-keys "*) ;; *) die "Key Vault $KEY_VAULT_NAME has no secret harness-api-keys (HARNESS_API_KEYS)" ;; esac
  case " $KEY_VAULT_SECRETS " in *" database-url "*) ;; *) die "Key Vault $KEY_VAULT_NAME has no secret database-url (DATABASE_URL)" ;; esac
  export KEY_VAULT_URL KEY_VAULT_SECRETS
}

# Waits until the revision answers GET /health with "status":"ok" and GET /q/health/ready with 200, at its own FQDN
# (with activeRevisionsMode Multiple every revision has one), waking it from zero replicas if need be.
wait_healthy() {
  local fqdn="$1" deadline body
  deadline=$(( $(date +%s) + HEALTH_TIMEOUT_SECONDS ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    body="$(curl -fsS --max-time 10 "https://$fqdn/health" 2>/dev/null || true)"
    if printf '%s' "$body" | grep -q '"status":"ok"' \
      && curl -fsS --max-time 10 -o /dev/null "https://$fqdn/q/health/ready" 2>/dev/null; then
      log "https://$fqdn is healthy: $body"
      return 0
    fi
    sleep 5
  done
  return 1
}

revision_state() {
  az containerapp revision show -g "$RESOURCE_GROUP" -n "$APP_NAME" --revision "$1" \
    --query properties.provisioningState -o tsv 2>/dev/null || true
}

ensure_infrastructure() {
  az extension add --name containerapp --upgrade --only-show-errors >/dev/null
  az provider register --namespace Microsoft.App --wait >/dev/null
  az provider register --namespace Microsoft.OperationalInsights --wait >/dev/null

  log "resource group $RESOURCE_GROUP ($LOCATION)"
  az group create -n "$RESOURCE_GROUP" -l "$LOCATION" -o none

  if ! az acr show -n "$ACR_NAME" -g "$RESOURCE_GROUP" -o none 2>/dev/null; then
    log "registry $ACR_NAME"
    az acr create -n "$ACR_NAME" -g "$RESOURCE_GROUP" -l "$LOCATION" --sku Basic -o none
  fi
  REGISTRY_SERVER="$(az acr show -n "$ACR_NAME" -g "$RESOURCE_GROUP" --query loginServer -o tsv)"
  export REGISTRY_SERVER

  # The app pulls with a user-assigned identity that exists (and holds AcrPull) before the app does.
  local identity_name="$APP_NAME-identity" principal acr_id
  if ! az identity show -n "$identity_name" -g "$RESOURCE_GROUP" -o none 2>/dev/null; then
    log "managed identity $identity_name"
    az identity create -n "$identity_name" -g "$RESOURCE_GROUP" -l "$LOCATION" -o none
  fi
  IDENTITY_ID="$(az identity show -n "$identity_name" -g "$RESOURCE_GROUP" --query id -o tsv)"
  # AZURE_CLIENT_ID in the app: azure-identity's managed-identity credential uses this (user-assigned) identity, e.g.
  # for Azure OpenAI through Entra ID (AZURE_OPENAI_AUTH=entra; grant it "Cognitive Services OpenAI User" there).
  IDENTITY_CLIENT_ID="$(az identity show -n "$identity_name" -g "$RESOURCE_GROUP" --query clientId -o tsv)"
  export IDENTITY_ID IDENTITY_CLIENT_ID
  principal="$(az identity show -n "$identity_name" -g "$RESOURCE_GROUP" --query principalId -o tsv)"
  acr_id="$(az acr show -n "$ACR_NAME" -g "$RESOURCE_GROUP" --query id -o tsv)"
  if [ -z "$(az role assignment list --assignee "$principal" --scope "$acr_id" --role AcrPull --query '[0].id' -o tsv)" ]; then
    log "granting AcrPull on $ACR_NAME to $identity_name"
    az role assignment create --assignee-object-id "$principal" --assignee-principal-type ServicePrincipal \
      --role AcrPull --scope "$acr_id" -o none
  fi

  if ! az containerapp env show -n "$ENVIRONMENT_NAME" -g "$RESOURCE_GROUP" -o none 2>/dev/null; then
    log "Container Apps environment $ENVIRONMENT_NAME"
    az containerapp env create -n "$ENVIRONMENT_NAME" -g "$RESOURCE_GROUP" -l "$LOCATION" -o none
  fi
  ENVIRONMENT_ID="$(az containerapp env show -n "$ENVIRONMENT_NAME" -g "$RESOURCE_GROUP" --query id -o tsv)"
  export ENVIRONMENT_ID
}

build_image() {
  local repository
  repository="$(image_repository)"
  [ -n "$repository" ] || die "no image line in $YAML_TEMPLATE (run make generate)"
  # The image copies the Maven build's output (deploy/docker/harness.Dockerfile): package it, then build in ACR.
  log "packaging harness-runtime"
  (cd "$REPO_ROOT" && ./mvnw -B -ntp -q -pl harness-runtime -am package -DskipTests -Dmdep.skip=true)
  log "building $REGISTRY_SERVER/$repository:$IMAGE_TAG in ACR"
  az acr build -r "$ACR_NAME" -t "$repository:$IMAGE_TAG" -f "$DOCKERFILE" "$REPO_ROOT" -o none
}

deploy() {
  command -v az >/dev/null || die "the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
  command -v curl >/dev/null || die "curl is required"
  [ -n "${ACR_NAME:-}" ] || die "set ACR_NAME: a globally unique name for the container registry (letters and digits)"
  check_secret_values
  IMAGE_TAG="${IMAGE_TAG:-$(default_image_tag)}"
  REVISION_SUFFIX="${REVISION_SUFFIX:-$(printf '%s' "${IMAGE_TAG:0:12}" | tr -c 'a-z0-9' '-')-$(date -u +%H%M%S)}"
  export IMAGE_TAG REVISION_SUFFIX

  ensure_infrastructure
  ensure_key_vault
  build_image

  local workdir rendered old="" new="$APP_NAME--$REVISION_SUFFIX" fqdn state step
  workdir="$(umask 077 && mktemp -d)"
  trap 'rm -rf "$workdir"' EXIT
  rendered="$workdir/containerapp.yaml"

  if az containerapp show -n "$APP_NAME" -g "$RESOURCE_GROUP" -o none 2>/dev/null; then
    # Blue/green: the live revision keeps 100% while the new one starts at 0%.
    old="$(az containerapp revision list -n "$APP_NAME" -g "$RESOURCE_GROUP" \
      --query "max_by([?properties.active], &properties.trafficWeight).name" -o tsv)"
    KEEP_SECRETS="$(az containerapp secret list -n "$APP_NAME" -g "$RESOURCE_GROUP" --query '[].name' -o tsv | tr '\n' ' ')"
    export KEEP_SECRETS
    if [ -n "$old" ]; then
      log "pinning all traffic on the live revision $old"
      az containerapp ingress traffic set -n "$APP_NAME" -g "$RESOURCE_GROUP" --revision-weight "$old=100" -o none
      export TRAFFIC_PIN="$old"
    fi
    MASK_SECRETS=false render_yaml <"$YAML_TEMPLATE" >"$rendered"
    log "updating $APP_NAME: new revision $new at 0%"
    az containerapp update -n "$APP_NAME" -g "$RESOURCE_GROUP" --yaml "$rendered" -o none
  else
    export KEEP_SECRETS=""
    MASK_SECRETS=false render_yaml <"$YAML_TEMPLATE" >"$rendered"
    log "creating $APP_NAME: first revision $new"
    az containerapp create -n "$APP_NAME" -g "$RESOURCE_GROUP" --yaml "$rendered" -o none
  fi
  rm -f "$rendered"

  for _ in $(seq 1 60); do
    state="$(revision_state "$new")"
    [ "$state" = "Provisioned" ] && break
    [ "$state" = "Failed" ] && die "revision $new failed to provision; traffic stays on ${old:-nothing}"
    sleep 5
  done
  fqdn="$(az containerapp revision show -n "$APP_NAME" -g "$RESOURCE_GROUP" --revision "$new" --query properties.fqdn -o tsv)"
  if ! wait_healthy "$fqdn"; then
    log "revision $new is not healthy after ${HEALTH_TIMEOUT_SECONDS}s; deactivating it, traffic stays on ${old:-nothing}"
    az containerapp revision deactivate -n "$APP_NAME" -g "$RESOURCE_GROUP" --revision "$new" -o none || true
    exit 1
  fi

  if [ -n "$old" ] && [ "$old" != "$new" ]; then
    for step in $TRAFFIC_STEPS; do
      log "traffic: $new $step% / $old $((100 - step))%"
      az containerapp ingress traffic set -n "$APP_NAME" -g "$RESOURCE_GROUP" \
        --revision-weight "$new=$step" "$old=$((100 - step))" -o none
      if ! wait_healthy "$(az containerapp show -n "$APP_NAME" -g "$RESOURCE_GROUP" --query properties.configuration.ingress.fqdn -o tsv)"; then
        log "unhealthy at $step%: rolling back to $old"
        rollback "$old"
        exit 1
      fi
      [ "$step" -ge 100 ] || sleep "$STEP_PAUSE_SECONDS"
    done
    log "done: $new serves 100%; $old stays active at 0% for rollback:"
    log "  deploy/aca/deploy.sh rollback $old"
  else
    log "done: $new serves 100%"
  fi
  printf 'https://%s\n' "$(az containerapp show -n "$APP_NAME" -g "$RESOURCE_GROUP" --query properties.configuration.ingress.fqdn -o tsv)"
}

rollback() {
  local target="$1" active
  command -v az >/dev/null || die "the Azure CLI (az) is required"
  az containerapp revision activate -n "$APP_NAME" -g "$RESOURCE_GROUP" --revision "$target" -o none 2>/dev/null || true
  active="$(az containerapp revision list -n "$APP_NAME" -g "$RESOURCE_GROUP" --query "[?properties.active && name!='$target'].name" -o tsv)"
  local weights=("$target=100") name
  for name in $active; do
    weights+=("$name=0")
  done
  az containerapp ingress traffic set -n "$APP_NAME" -g "$RESOURCE_GROUP" --revision-weight "${weights[@]}" -o none
  log "all traffic on $target"
}

# The nightly evaluation as a scheduled Container Apps job: the app's image, settings and secrets (the same variables
# from this shell; on an update, secrets not in the environment keep the job's current values).
deploy_nightly() {
  command -v az >/dev/null || die "the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
  [ -n "${ACR_NAME:-}" ] || die "set ACR_NAME: the registry deploy built the image in"
  check_secret_values
  IMAGE_TAG="${IMAGE_TAG:-$(default_image_tag)}"
  export IMAGE_TAG
  ensure_infrastructure
  ensure_key_vault
  local job="${NIGHTLY_JOB_NAME:-$APP_NAME-eval-nightly}" workdir rendered
  workdir="$(umask 077 && mktemp -d)"
  trap 'rm -rf "$workdir"' EXIT
  rendered="$workdir/nightly-job.yaml"
  if az containerapp job show -n "$job" -g "$RESOURCE_GROUP" -o none 2>/dev/null; then
    KEEP_SECRETS="$(az containerapp job secret list -n "$job" -g "$RESOURCE_GROUP" --query '[].name' -o tsv | tr '\n' ' ')"
    export KEEP_SECRETS
    MASK_SECRETS=false render_yaml <"$NIGHTLY_TEMPLATE" >"$rendered"
    log "updating job $job (image tag $IMAGE_TAG)"
    az containerapp job update -n "$job" -g "$RESOURCE_GROUP" --yaml "$rendered" -o none
  else
    MASK_SECRETS=false render_yaml <"$NIGHTLY_TEMPLATE" >"$rendered"
    log "creating job $job (image tag $IMAGE_TAG)"
    az containerapp job create -n "$job" -g "$RESOURCE_GROUP" --yaml "$rendered" -o none
  fi
  rm -f "$rendered"
  log "job $job scheduled; run it now with: az containerapp job start -n $job -g $RESOURCE_GROUP"
}

case "${1:-deploy}" in
  deploy) deploy ;;
  nightly) deploy_nightly ;;
  render-nightly)
    MASK_SECRETS="${MASK_SECRETS:-true}" render_yaml <"$NIGHTLY_TEMPLATE"
    ;;
  rollback)
    [ -n "${2:-}" ] || die "usage: deploy/aca/deploy.sh rollback <revision name>"
    rollback "$2"
    ;;
  render)
    MASK_SECRETS="${MASK_SECRETS:-true}" render_yaml <"$YAML_TEMPLATE"
    ;;
  *) die "usage: deploy/aca/deploy.sh [deploy | rollback <revision> | render | nightly | render-nightly]" ;;
esac
