#!/usr/bin/env bash
# One Maya conversation, end to end, on embedded defaults: starts the harness (embedded
# PostgreSQL in data/demo) and — unless OPENAI_API_KEY is set — the FAKE model server, asks Maya
# for help, and prints the run: its status, the tools she called and her reply.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
JAVA="$JAVA_HOME/bin/java"
PORT=${DEMO_PORT:-8000}
FAKE_PORT=${DEMO_FAKE_MODEL_PORT:-8089}
WORK=$(mktemp -d /tmp/agent-harness-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${OPENAI_API_KEY:-}" ]; then
  echo "OPENAI_API_KEY is not set: using the FAKE model server (scripted, offline; not a real model)"
  "$JAVA" -cp "harness-fakes/target/harness-fakes.jar:harness-fakes/target/lib/*" \
    dev.agentharness.fakes.FakeModelServer --port "$FAKE_PORT" > "$WORK/fake-model.log" 2>&1 &
  pids+=($!)
  export OPENAI_API_KEY=fake-demo-key
  export OPENAI_BASE_URL="http://127.0.0.1:$FAKE_PORT/v1"
fi

HARNESS_DATA_DIR=${HARNESS_DATA_DIR:-data/demo} PORT=$PORT \
  "$JAVA" -jar harness-runtime/target/quarkus-app/quarkus-run.jar > "$WORK/harness.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/q/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/q/health/ready" >/dev/null || { echo "harness did not become ready; log:"; cat "$WORK/harness.log"; exit 1; }
echo "harness ready: $(curl -fsS "http://127.0.0.1:$PORT/health")"

MESSAGE=${1:-"Hi, this is Jonas from account ACME-1002. My card was declined on the monthly renewal - can you help?"}
"$JAVA" -cp "harness-fakes/target/lib/*" scripts/Demo.java "http://127.0.0.1:$PORT" "$MESSAGE"
