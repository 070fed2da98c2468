# The harness image (SPEC §10): JRE 25, non-root (uid 10001), port 8000, runs with a read-only root file system (the
# chart mounts /tmp and /data). Built from the Maven build's output, without a Docker daemon — after `./mvnw package`:
#   deploy/docker/build-images.sh                     (Podman; fixed timestamps, OCI labels; docs/images.md)
# which runs, for this image:
#   podman build --timestamp "$SOURCE_DATE_EPOCH" --build-arg VERSION=… --build-arg REVISION=… \
#     -f deploy/docker/harness.Dockerfile .
# The build context is the repository root; of harness-runtime/target .dockerignore lets in only the package output:
# the Quarkus fast-jar (quarkus-app/) and the CycloneDX SBOM (bom.json).
# The base is pinned by digest (a multi-arch index: amd64 + arm64); BASE_IMAGE overrides it, e.g. with the locally made
# base the image tests boot on when no registry is reachable (deploy/docker/test-base.sh).
ARG BASE_IMAGE=eclipse-temurin:25-jre-noble@sha256:b4c93a50fc67612798db73d68ca3b0ee4ebdd51736e59cca370e689b9797037e
FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
LABEL org.opencontainers.image.title="agent-harness harness" \
      org.opencontainers.image.description="Agent Harness: runs agents over HTTP (SPEC §10)" \
      org.opencontainers.image.source="https://github.com/agent-harness/agent-harness" \
      org.opencontainers.image.url="https://github.com/agent-harness/agent-harness" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}" \
      dev.agentharness.sbom="/app/sbom.cdx.json"
# A fixed numeric user (Kubernetes can check runAsNonRoot against it; the chart runs pods as 10001:10001). The
# embedded PostgreSQL's initdb needs the user in /etc/passwd. Appended rather than `useradd`ed: useradd also writes
# the day of the build into /etc/shadow and /var/log/lastlog, which would make every rebuild differ. /data is the only
# directory it writes to besides /tmp.
RUN echo 'harness:x:10001:10001:agent harness:/data:/usr/sbin/nologin' >> /etc/passwd \
    && echo 'harness:x:10001:' >> /etc/group \
    && mkdir -p /data \
    && chown 10001:10001 /data
WORKDIR /app
# Quarkus fast-jar layout, dependencies first: they change least, so their layer is reused most.
COPY harness-runtime/target/quarkus-app/lib/ /app/lib/
COPY harness-runtime/target/quarkus-app/quarkus/ /app/quarkus/
COPY harness-runtime/target/quarkus-app/*.jar /app/
COPY harness-runtime/target/quarkus-app/app/ /app/app/
# What the application is made of (CycloneDX 1.6 JSON, runtime scope; the base image's packages are not in it).
COPY harness-runtime/target/bom.json /app/sbom.cdx.json
# Forwarded headers are NOT trusted by the image itself: the harness honours X-Forwarded-* / Forwarded only from the
# peers in HARNESS_TRUSTED_PROXIES (the chart and the ACA app set it to the ingress's ranges; security/EdgeDefaults).
# JIT: C1 only. A replica gets about one core (the chart requests 500m): there C2's compilations took a third of the CPU
# for the first minute after every start and cost more than they saved (docs/benchmarks.md, issue 15: -25 % CPU per
# run, -30 % RSS). On replicas with two or more cores, set JDK_JAVA_OPTIONS to empty to get tiered C2 back.
ENV PORT=8000 \
    HARNESS_DATA_DIR=/data \
    JDK_JAVA_OPTIONS="-XX:TieredStopAtLevel=1"
EXPOSE 8000
USER 10001:10001
# `migrate` as the only argument applies the schema migrations and exits (the chart's migration Job does that).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/quarkus-run.jar"]
