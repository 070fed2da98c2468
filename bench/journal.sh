#!/usr/bin/env bash
# What the run journal costs (docs/benchmarks.md): bench/Bench.java (N concurrent maya runs, FAKE model) against
# this checkout's packaged harness and against a build of BASELINE — the commit before the journal was written by
# the agent loop (there is no switch that turns the journal off) — alternately, ROUNDS times each, same machine.
# Usage: bench/journal.sh BASELINE [runs] [latency-ms] [rounds]      (after `make build`)
# The baseline is built once in a git worktree under /tmp (kept for reruns; `git worktree remove` it afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${1:?usage: bench/journal.sh BASELINE-COMMIT [runs] [latency-ms] [rounds]}
RUNS=${2:-1000}
LATENCY=${3:-1000}
ROUNDS=${4:-2}
export JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export TMPDIR=${TMPDIR:-/tmp}
SHA=$(git rev-parse --short "$BASELINE")
TREE=/tmp/agent-harness-bench-$SHA
if [ ! -f "$TREE/harness-runtime/target/quarkus-app/quarkus-run.jar" ]; then
  [ -d "$TREE" ] || git worktree add --detach "$TREE" "$SHA"
  (cd "$TREE" && ./mvnw -B -ntp -q -pl harness-runtime -am package -DskipTests)
fi
BASELINE_JAR=$TREE/harness-runtime/target/quarkus-app/quarkus-run.jar
CURRENT_JAR=$PWD/harness-runtime/target/quarkus-app/quarkus-run.jar
for round in $(seq 1 "$ROUNDS"); do
  for variant in baseline journal; do
    if [ "$variant" = baseline ]; then jar=$BASELINE_JAR; label="before the journal ($SHA)"; else
      jar=$CURRENT_JAR; label="with the journal ($(git rev-parse --short HEAD))"; fi
    echo "== round $round: $label"
    HARNESS_JAR=$jar "$JAVA_HOME/bin/java" -Xss512k -Dsun.net.httpserver.maxIdleConnections=4000 \
      -cp "harness-fakes/target/harness-fakes.jar:harness-fakes/target/lib/*" bench/Bench.java "$RUNS" "$LATENCY" \
      | grep -E '^\|' | tail -1
  done
done
