# Agent Harness — the commands of the README. Needs only a JDK >= 21 (found automatically).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/java-home.sh)
export JAVA_HOME
MVNW := ./mvnw -B -ntp
RUNTIME_JAR := harness-runtime/target/quarkus-app/quarkus-run.jar

.PHONY: build run test eval demo demo-api bench bench-peer bench-progress bench-operator bench-observability backup-rehearsal generate clean

## Build everything without running tests.
build:
	$(MVNW) -q package -DskipTests

## Run the harness on embedded defaults (embedded PostgreSQL, no keys) at http://localhost:8000.
run: build
	$(JAVA_HOME)/bin/java -jar $(RUNTIME_JAR)

## Run every test of every module; then list the suites that skipped themselves (a tool missing) and how to enable
## them (scripts/test-tools.sh). The exit status is the build's.
test:
	@since=$$(mktemp); $(MVNW) verify; status=$$?; \
	  $(JAVA_HOME)/bin/java scripts/SkippedTests.java "$$since"; rm -f "$$since"; exit $$status

## The golden sets (evals/*.jsonl) against the FAKE model with their baselines, as CI runs them (scripts/eval.sh,
## docs/evals.md): exits non-zero when a baseline case regressed; reports in target/evals/<set>/.
eval:
	scripts/eval.sh

## The main job on embedded defaults: an embedded Kubernetes API server, the harness and the operator; applies
## examples/ and prints every AgentRun's status. FAKE model unless OPENAI_API_KEY is set. DEMO_ARGS=--keep keeps it up.
demo: build
	$(JAVA_HOME)/bin/java -cp 'demo/target/demo.jar:demo/target/lib/*' dev.agentharness.demo.Demo $(DEMO_ARGS)

## The harness alone over HTTP: one Maya conversation, printing the tools she called (FAKE model unless OPENAI_API_KEY).
demo-api: build
	scripts/demo.sh

## The backup rehearsal of docs/runbook.md alone (also part of make test): pg_dump a live harness database, pg_restore
## it into a fresh PostgreSQL, a harness on the copy serves every old run, trace and artifact (BackupRehearsalIT).
## Needs the Debian postgresql package (apt-get install -y postgresql).
backup-rehearsal:
	$(MVNW) verify -pl harness-runtime -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test=BackupRehearsalIT -Dfailsafe.failIfNoSpecifiedTests=false

## Rewrite the derived deploy files: chart CRD templates (from crds/), deploy/aca/containerapp.yaml (from the
## chart values), examples/argocd/argocd-cm-patch.yaml (from the Lua files). Tests fail while any is stale.
generate:
	$(MVNW) -q -pl crds,deploy compile exec:java

## The 1,000 concurrent runs benchmark (see docs/benchmarks.md).
bench: build
	bench/run.sh

## Side by side with the Python reference harness, each pinned to one core (bench/peer.sh, docs/benchmarks.md).
## Runs as root: it installs the kit's Debian packages on demand and starts a private PostgreSQL 15.
bench-peer: build
	bench/peer.sh

## The operator's progress-tracking benchmark: bulk feed vs per-run polling at 1,000 runs.
bench-progress: build
	bench/progress.sh

## The operator at scale: 1,000 AgentRuns create → Succeeded (cold, warm, from a backlog), API writes per AgentRun,
## operator heap with 10,000 cached. BENCH_ARGS="runs-per-round cached" changes the sizes.
bench-operator: build
	bench/operator.sh $(BENCH_ARGS)

## What tracing and export cost: make bench with exporters off, then OTLP + Phoenix to a local sink (issue 12).
bench-observability: build
	bench/observability.sh

clean:
	$(MVNW) -q clean
	rm -rf data/demo data/bench data/bench-operator
