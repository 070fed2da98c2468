#!/usr/bin/env bash
# The operator's progress-tracking benchmark of docs/benchmarks.md: bulk GET /runs?updated_since= vs
# per-run GET /runs/{id}, following 1,000 runs of the packaged harness (embedded PostgreSQL, FAKE model).
# Usage: bench/progress.sh [runs] [poll-period-ms] [steady-window-s]   (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
exec "$JAVA_HOME/bin/java" -Xss512k -Dsun.net.httpserver.maxIdleConnections=4000 \
  -cp "harness-fakes/target/harness-fakes.jar:harness-fakes/target/lib/*" \
  bench/ProgressBench.java "${1:-1000}" "${2:-2000}" "${3:-20}"
