# The operator image (SPEC §9): JRE 25, non-root (uid 10001), runs with a read-only root file system (the chart mounts
# /tmp). Built from the Maven build's output, without a Docker daemon — after `./mvnw package`:
#   deploy/docker/build-images.sh                     (Podman; fixed timestamps, OCI labels; docs/images.md)
# which runs, for this image:
#   podman build --timestamp "$SOURCE_DATE_EPOCH" --build-arg VERSION=… --build-arg REVISION=… \
#     -f deploy/docker/operator.Dockerfile .
# The build context is the repository root; of operator/target .dockerignore lets in only the package output:
# the Quarkus fast-jar (quarkus-app/) and the CycloneDX SBOM (bom.json).
# The base is pinned by digest (a multi-arch index: amd64 + arm64); BASE_IMAGE overrides it (deploy/docker/test-base.sh).
ARG BASE_IMAGE=eclipse-temurin:25-jre-noble@sha256:b4c93a50fc67612798db73d68ca3b0ee4ebdd51736e59cca370e689b9797037e
FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
LABEL org.opencontainers.image.title="agent-harness operator" \
      org.opencontainers.image.description="Agent Harness operator: AgentRun, Agent and SandboxManifest (SPEC §9)" \
      org.opencontainers.image.source="https://github.com/agent-harness/agent-harness" \
      org.opencontainers.image.url="https://github.com/agent-harness/agent-harness" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}" \
      dev.agentharness.sbom="/app/sbom.cdx.json"
# Appended rather than `useradd`ed, as in harness.Dockerfile: a rebuild must not differ by the day it ran.
RUN echo 'operator:x:10001:10001:agent harness operator:/nonexistent:/usr/sbin/nologin' >> /etc/passwd \
    && echo 'operator:x:10001:' >> /etc/group
WORKDIR /app
COPY operator/target/quarkus-app/lib/ /app/lib/
COPY operator/target/quarkus-app/quarkus/ /app/quarkus/
COPY operator/target/quarkus-app/*.jar /app/
COPY operator/target/quarkus-app/app/ /app/app/
COPY operator/target/bom.json /app/sbom.cdx.json
# One HTTP port (OPERATOR_HTTP_PORT, default 8080): probes at /q/health/live and /q/health/ready, Prometheus metrics at
# /q/metrics. (Quarkus's separate management interface is a build-time choice the operator does not make.)
EXPOSE 8080
# JIT: C1 only, as the harness image. The chart requests 100m CPU: there C2 compiled for minutes; with C1 the
# operator spent 38 % less CPU on its first 1,000 AgentRuns and 11 % less on the next (docs/benchmarks.md, operator).
ENV JDK_JAVA_OPTIONS="-XX:TieredStopAtLevel=1"
USER 10001:10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/quarkus-run.jar"]
