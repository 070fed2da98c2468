#!/usr/bin/env bash
# What full tracing and export cost the harness (issue 12, docs/benchmarks.md): `make bench` (1,000 concurrent
# runs, FAKE model) on the same build in three modes, alternated ROUNDS times so that drift hits every mode alike:
#   off      exporters off (the default: spans and metrics exist, nothing leaves);
#   otlp     every span over OTLP http/protobuf to a sink that keeps nothing (bench/OtlpSink.java);
#   all      OTLP plus the Phoenix pipeline with every run sampled (the worst case; its default is 10 % of successes).
# Compare the "CPU-s per run" columns.
# Usage: bench/observability.sh [runs] [latency-ms]   (after `make build`; `make bench-observability` does both)
#        ROUNDS=3 bench/observability.sh             (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export JAVA_HOME
RUNS=${1:-1000}
LATENCY=${2:-1000}
ROUNDS=${ROUNDS:-1}
PORT=${OTLP_SINK_PORT:-14318}

"$JAVA_HOME/bin/java" bench/OtlpSink.java "$PORT" &
SINK=$!
trap 'kill $SINK 2>/dev/null; wait $SINK 2>/dev/null || true' EXIT
sleep 2

for round in $(seq 1 "$ROUNDS"); do
  echo "## round $round: exporters off"
  env -u OTEL_EXPORTER_OTLP_ENDPOINT -u PHOENIX_COLLECTOR_ENDPOINT bench/run.sh "$RUNS" "$LATENCY"

  echo
  echo "## round $round: OTLP http/protobuf to a local sink"
  env -u PHOENIX_COLLECTOR_ENDPOINT OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$PORT" \
    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf bench/run.sh "$RUNS" "$LATENCY"

  echo
  echo "## round $round: OTLP http/protobuf + Phoenix (every run sampled) to a local sink"
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    PHOENIX_COLLECTOR_ENDPOINT="http://127.0.0.1:$PORT" PHOENIX_SAMPLE_SUCCEEDED=1.0 PHOENIX_SAMPLE_FAILED=1.0 \
    bench/run.sh "$RUNS" "$LATENCY"
  echo
done
