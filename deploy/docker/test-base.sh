#!/usr/bin/env bash
# Builds the base image the image tests boot on when no registry is reachable: Debian 12 (bookworm, minbase, from the
# Debian mirror through mmdebstrap) plus a jlinked runtime of the build's own Temurin 25 JDK at /opt/java/openjdk
# (with its CDS archive), imported into Podman as $TEST_BASE_IMAGE. The released images use eclipse-temurin:25-jre-noble
# pinned by digest instead (deploy/docker/*.Dockerfile, ARG BASE_IMAGE); docs/images.md lists every difference.
#
#   deploy/docker/test-base.sh            # builds it unless Podman already has it
#   deploy/docker/test-base.sh --force    # rebuilds it
#
# Needs root, mmdebstrap, podman and the Debian mirror (apt's sources); JAVA_HOME is the JDK to jlink (default: the
# one scripts/java-home.sh finds). SOURCE_DATE_EPOCH (default: the last commit's time) fixes every timestamp.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${TEST_BASE_IMAGE:-localhost/agent-harness/test-base:25-jre-bookworm}
if [ "${1:-}" != "--force" ] && podman image exists "$IMAGE"; then
  echo "$IMAGE exists (--force rebuilds it)"
  exit 0
fi
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

WORK=$(mktemp -d /tmp/agent-harness-test-base.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The modules of a Temurin JRE: everything the JDK has but its development tools (compiler, jlink, jshell, jdeps,
# javadoc, debugger agents). JDK 25 links from its own run-time image (JEP 493), so no jmods are needed.
MODULES=$("$JAVA_HOME/bin/java" --list-modules | cut -d@ -f1 \
  | grep -vE '^jdk\.(compiler|editpad|hotspot\.agent|incubator\..*|internal\.(ed|jvmstat|le|opt)|jartool|javadoc|jcmd|jconsole|jdeps|jdi|jdwp\.agent|jlink|jpackage|jshell|jstatd|random)$' \
  | paste -sd, -)
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --output "$WORK/jre"

# minbase + what the Temurin images add that the programs use: CA certificates (TLS to model APIs, S3, Kubernetes) and
# time zone data. The JRE goes in by a customize hook, then its CDS archive is dumped inside the root file system.
# shellcheck disable=SC2016 # "$1" is the hook's argument (the root file system), expanded by mmdebstrap's shell
mmdebstrap --quiet --variant=minbase --include=ca-certificates,tzdata \
  --customize-hook="mkdir -p \"\$1/opt/java\" && cp -a '$WORK/jre' \"\$1/opt/java/openjdk\"" \
  --customize-hook='chroot "$1" /opt/java/openjdk/bin/java -Xshare:dump -version >/dev/null 2>&1' \
  bookworm "$WORK/rootfs.tar" "$MIRROR"

podman import --quiet \
  --change 'ENV JAVA_HOME=/opt/java/openjdk' \
  --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --message "Debian bookworm minbase + jlinked $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)" \
  "$WORK/rootfs.tar" "$IMAGE" >/dev/null
echo "built $IMAGE"
