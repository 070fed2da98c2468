#!/usr/bin/env bash
# The operator benchmark of docs/benchmarks.md (issue 15): N AgentRuns (agent maya, FAKE model) through the
# packaged operator and harness of `make demo` — create → Succeeded cold, warm and from a backlog, API writes
# per AgentRun, and the operator's heap with `cached` AgentRuns in its cache.
# Usage: bench/operator.sh [runs-per-round] [cached]   (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
exec "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "demo/target/demo.jar:demo/target/lib/*" bench/OperatorBench.java "${1:-1000}" "${2:-10000}"
