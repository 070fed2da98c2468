#!/usr/bin/env bash
# Side by side on one core (docs/benchmarks.md, "Against the Python reference"): the Python reference harness of the
# course's stack (bench/peer/harness.py) and this checkout's packaged harness, measured by the same kit in one
# invocation, each server pinned to its own core; prints one table with both rows and our/reference ratios.
#
# Usage: make bench-peer            (or bench/peer.sh after `make build`)
# Knobs: SCENARIOS ("A B"), WARM_SECS (20: both servers get the JVM's warm-up), JVM_OPTS (the harness's own
# launch flags, as in its image: bench/jvm-options), and bench/peer/bench.sh's (A_SECS, B_CONNS, PEER_CORE, ...).
# Needs root for the kit (it starts a private PostgreSQL 15 as the postgres user); installs the kit's Debian packages
# on demand — never part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KIT=$ROOT/bench/peer
JAR=$ROOT/harness-runtime/target/quarkus-app/quarkus-run.jar
export JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export SCENARIOS=${SCENARIOS:-"A B"}
export WARM_SECS=${WARM_SECS:-20}
JVM_OPTS=${JVM_OPTS:-$(grep -v '^#' bench/jvm-options | tr '\n' ' ')}

[ -f "$JAR" ] || { echo "no $JAR: run 'make build' first" >&2; exit 1; }
packages=(wrk postgresql-15 python3-fastapi python3-uvicorn python3-asyncpg python3-httpx python3-uvloop python3-httptools)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing the kit's Debian packages: ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# A pyenv shim would shadow Debian's python3 (the kit's packages are Debian's).
export PATH=/usr/bin:$PATH

OUT=$(mktemp -d -t peer-side-by-side.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
echo "== the Python reference (FastAPI + uvicorn/uvloop + asyncpg + httpx)" >&2
"$KIT/bench.sh" | tee "$OUT/reference.md" >&2
echo "== Agent Harness $(git rev-parse --short HEAD) (java $JVM_OPTS)" >&2
DATA=$(mktemp -d -t peer-harness-data.XXXXXX)
PEER_CMD="env HARNESS_DATA_DIR=$DATA $JAVA_HOME/bin/java $JVM_OPTS -jar $JAR" "$KIT/bench.sh" | tee "$OUT/ours.md" >&2
rm -rf "$DATA"

# One table: the kit's row per scenario for each server, then our/reference ratios of what the goals name.
python3 - "$OUT/reference.md" "$OUT/ours.md" <<'EOF'
import sys

def rows(path):
    table = {}
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) >= 17 and cells[0] in ("A", "B", "B100"):
            table[cells[0]] = cells
    return table

ref, ours = rows(sys.argv[1]), rows(sys.argv[2])
num = lambda s: float(s.split()[0])
print("| scenario | server | runs/s | p50 ms | p99 ms | non-2xx | runs ok / failed | CPU ms/run | peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|")
for name in ref:
    for label, t in (("Python reference", ref), ("Agent Harness", ours)):
        c = t.get(name)
        if c:
            print(f"| {name} | {label} | {c[4]} | {c[7]} | {c[8]} | {c[9]} | {c[11]} | {c[13]} | {c[14]} |")
    if name in ours:
        r, o = ref[name], ours[name]
        ratio = lambda i: num(o[i]) / num(r[i]) if num(r[i]) else float("nan")
        print(f"| {name} | **ours / reference** | **{ratio(4):.2f}×** | {ratio(7):.2f}× | {ratio(8):.2f}× | | "
              f"| **{ratio(13):.2f}×** | {ratio(14):.2f}× |")
EOF
