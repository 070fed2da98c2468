#!/usr/bin/env bash
# make eval: the golden sets (evals/*.jsonl) against the FAKE model, as CI runs them. Builds the jars if they are
# missing, starts the FAKE model server (harness-fakes) and one harness (`serve`, embedded defaults) on free ports,
# runs `eval run --target` for Maya's set and — when bubblewrap works here — the sandboxed analyst's set (local
# sandbox provider), stops both and says where the reports are. Exit code: the worst of the runs (0 ok, 1 a baseline case regressed, 2 bad input, 3 target
# unreachable); a set that cannot run here (no bubblewrap) is skipped with a message, not failed.
#   EVAL_REPORT_DIR (default target/evals)  EVAL_CONCURRENCY (default 4)  EVAL_ARGS (extra arguments for every run)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
RUNTIME_JAR=harness-runtime/target/quarkus-app/quarkus-run.jar
FAKES_JAR=harness-fakes/target/harness-fakes.jar
REPORTS=${EVAL_REPORT_DIR:-target/evals}
CONCURRENCY=${EVAL_CONCURRENCY:-4}
started=$(date +%s%N)

if [ ! -f "$RUNTIME_JAR" ] || [ ! -f "$FAKES_JAR" ] || [ ! -d harness-fakes/target/lib ]; then
  echo "building the harness and the FAKE model server (jars missing)"
  ./mvnw -B -ntp -q package -DskipTests -pl harness-runtime,harness-fakes -am
fi

WORK=$(mktemp -d /tmp/agent-harness-eval.XXXXXX)
fake_pid=
harness_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ -n "$harness_pid" ]; then kill "$harness_pid" 2>/dev/null || true; wait "$harness_pid" 2>/dev/null || true; fi
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Port 0: the fake picks a free port and prints its base URL ("fake-model listening on http://127.0.0.1:<port>/v1").
"$JAVA" -cp "$FAKES_JAR:harness-fakes/target/lib/*" dev.agentharness.fakes.FakeModelServer --port 0 \
  > "$WORK/fake-model.log" 2>&1 &
fake_pid=$!
fake_url=
for _ in $(seq 1 300); do
  fake_url=$(sed -n 's/^fake-model listening on \(http:[^ ]*\)$/\1/p' "$WORK/fake-model.log")
  [ -n "$fake_url" ] && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$fake_url" ]; then
  echo "the FAKE model server did not start; its log:"; cat "$WORK/fake-model.log"; exit 3
fi
echo "FAKE model server at $fake_url (deterministic: harness-fakes DemoResponder)"

# The harness reads its model from the environment; never a real key or database here.
export OPENAI_API_KEY=fake-eval-key OPENAI_BASE_URL="$fake_url"
# Prices, so the cases' max_cost_usd ceilings measure something (the FAKE's token counts are deterministic).
export MODEL_PRICE_INPUT_PER_MTOK=${MODEL_PRICE_INPUT_PER_MTOK:-0.75} MODEL_PRICE_OUTPUT_PER_MTOK=${MODEL_PRICE_OUTPUT_PER_MTOK:-4.5}
unset DATABASE_URL AZURE_OPENAI_ENDPOINT AZURE_OPENAI_API_KEY 2>/dev/null || true

# One harness serves both sets (a boot — JVM, Quarkus, embedded PostgreSQL — costs more than a whole set): `serve`
# on its embedded defaults in a fresh data directory, on a free loopback port, with a key of its own; the sets run
# against it with `eval run --target`, the path a user takes against any harness. (`--in-process` boots one per
# command: GoldenSetGateIT and EvalCommandsIT run that path.)
sandbox=no
if command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / --dev /dev --proc /proc true >/dev/null 2>&1; then
  sandbox=yes
fi
key="eval-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# The key through the environment, not a -D flag: a command line is readable by every user (ps).
harness_env=(HARNESS_API_KEYS="eval:$key")
if [ "$sandbox" = yes ]; then
  harness_env+=(SANDBOX_PROVIDER=local HARNESS_AGENTS_DIR="$PWD/examples/agents")
fi
env "${harness_env[@]}" "$JAVA" -Dharness.data-dir="$WORK/data" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=0 \
  -jar "$RUNTIME_JAR" > "$WORK/harness.log" 2>&1 &
harness_pid=$!
harness_url=
for _ in $(seq 1 1200); do
  harness_url=$(sed -n 's|.*Listening on: \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$WORK/harness.log" | head -n 1)
  [ -n "$harness_url" ] && break
  kill -0 "$harness_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$harness_url" ]; then
  echo "the harness did not start; its log:"; cat "$WORK/harness.log"; exit 3
fi
echo "harness at $harness_url (embedded defaults, data in $WORK/data, sandbox provider: $([ "$sandbox" = yes ] && echo local || echo none))"

worst=0
run_set() { # name
  local name=$1
  local code=0
  echo
  echo "== eval run: evals/$name.jsonl (baseline evals/$name.baseline.json)"
  # shellcheck disable=SC2086 # EVAL_ARGS is a list of arguments on purpose
  HARNESS_API_KEY="$key" "$JAVA" -jar "$RUNTIME_JAR" eval run --target "$harness_url" --dataset "evals/$name.jsonl" \
    --baseline "evals/$name.baseline.json" --concurrency "$CONCURRENCY" --report-dir "$REPORTS/$name" \
    ${EVAL_ARGS:-} || code=$?
  echo "evals/$name.jsonl: exit $code; reports in $REPORTS/$name/ (report.md, report.html, junit.xml, results.json)"
  [ "$code" -gt "$worst" ] && worst=$code
  return 0
}

run_set maya
if [ "$sandbox" = yes ]; then
  run_set analyst
else
  echo
  echo "== evals/analyst.jsonl SKIPPED: bubblewrap (bwrap) is missing or cannot create a sandbox here;"
  echo "   the analyst's set needs the local sandbox provider (apt-get install bubblewrap)"
fi

elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo
echo "golden sets done in $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000))) s (wall time, fake model included); exit $worst"
exit "$worst"
