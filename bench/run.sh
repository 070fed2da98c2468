#!/usr/bin/env bash
# The concurrency benchmark of docs/benchmarks.md: 1,000 concurrent asynchronous runs against the
# packaged harness (embedded PostgreSQL) and the FAKE model server with 1 s latency per call.
# Usage: bench/run.sh [runs] [latency-ms]     (after `make build`; `make bench` does both)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
exec "$JAVA_HOME/bin/java" -Xss512k -Dsun.net.httpserver.maxIdleConnections=4000 -cp "harness-fakes/target/harness-fakes.jar:harness-fakes/target/lib/*" \
  bench/Bench.java "${1:-1000}" "${2:-1000}"
