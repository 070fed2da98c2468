#!/usr/bin/env bash
# Builds both images with Podman (no Docker daemon) from the Maven build's output (`./mvnw package` first; the context
# is the repository root, of which .dockerignore lets in only <module>/target/quarkus-app and the SBOM bom.json):
#   $IMAGE_REGISTRY/harness:$VERSION   from deploy/docker/harness.Dockerfile  (harness-runtime/target)
#   $IMAGE_REGISTRY/operator:$VERSION  from deploy/docker/operator.Dockerfile (operator/target)
# Reproducible: every timestamp (the image's created time, the history, each file in each layer) is SOURCE_DATE_EPOCH
# (default: the last commit's time), so the same Maven output and base give the same image ID.
# Environment: IMAGE_REGISTRY (default ghcr.io/agent-harness), VERSION (default the pom's), REVISION (default HEAD),
# SOURCE_DATE_EPOCH, BASE_IMAGE (default the Dockerfiles' pinned eclipse-temurin digest; the image tests pass the
# locally made deploy/docker/test-base.sh image), PODMAN_BUILD_OPTIONS (more options, e.g. --no-cache). Podman reads
# CONTAINERS_CONF as usual (docs/images.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE_REGISTRY=${IMAGE_REGISTRY:-ghcr.io/agent-harness}
VERSION=${VERSION:-$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)}
REVISION=${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

build() {
  local name=$1 module=$2
  for needed in "$module/target/quarkus-app/quarkus-run.jar" "$module/target/bom.json"; do
    [ -f "$needed" ] || { echo "$needed is missing: run ./mvnw package -pl $module -am first" >&2; exit 1; }
  done
  # --layers=false: one commit on the base. With layers, every step's intermediate image ID (in the history's
  # comments and the base.digest label) changes from one build to the next, and so would the image's ID.
  local args=(--layers=false --timestamp "$SOURCE_DATE_EPOCH" --build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION")
  [ -z "${BASE_IMAGE:-}" ] || args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  # shellcheck disable=SC2206 # options are words
  [ -z "${PODMAN_BUILD_OPTIONS:-}" ] || args+=(${PODMAN_BUILD_OPTIONS})
  podman build --quiet "${args[@]}" -f "deploy/docker/$name.Dockerfile" -t "$IMAGE_REGISTRY/$name:$VERSION" . >/dev/null
  echo "$IMAGE_REGISTRY/$name:$VERSION $(podman image inspect --format '{{.Id}}' "$IMAGE_REGISTRY/$name:$VERSION")"
}

build harness harness-runtime
build operator operator
