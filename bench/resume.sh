#!/usr/bin/env bash
# Time from a replica's death (SIGKILL) to the resumption of its runs on another replica (docs/benchmarks.md):
# a private Debian PostgreSQL (both replicas' database), two packaged harnesses, N maya runs on the one that is killed.
# Usage: bench/resume.sh [runs] [latency-ms] [lease-seconds]      (after `make build`; needs the postgresql package)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-100}
LATENCY=${2:-5000}
LEASE=${3:-10}
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d /tmp/bench-resume-pg-XXXXXX)
PORT=$(( 20000 + RANDOM % 20000 ))
PASSWORD=bench-resume
AS_POSTGRES=()
if [ "$(id -u)" = 0 ]; then AS_POSTGRES=(runuser -u postgres --); chown postgres "$DIR"; fi
echo "$PASSWORD" > "$DIR/pwfile"
"${AS_POSTGRES[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pwfile" --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 --no-sync > "$DIR/initdb.log"
"${AS_POSTGRES[@]}" "$PGBIN/pg_ctl" start -w -D "$DIR/data" -l "$DIR/postgres.log" \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300" > /dev/null
trap '"${AS_POSTGRES[@]}" "$PGBIN/pg_ctl" stop -m fast -D "$DIR/data" > /dev/null; rm -rf "$DIR"' EXIT
"${AS_POSTGRES[@]}" "$PGBIN/psql" -X -q -h "$DIR" -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE bench"
export BENCH_DATABASE_URL="postgresql://postgres:$PASSWORD@127.0.0.1:$PORT/bench?sslmode=disable"
export BENCH_PSQL="${AS_POSTGRES[*]} $PGBIN/psql -X -q -At -h $DIR -p $PORT -U postgres -d bench -c"
"$JAVA_HOME/bin/java" -Xss512k -cp "harness-fakes/target/harness-fakes.jar:harness-fakes/target/lib/*" \
  bench/ResumeBench.java "$RUNS" "$LATENCY" "$LEASE"
