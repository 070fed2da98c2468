# The harness image (SPEC §10): multi-stage, JRE 25, non-root, port 8000, forwarded headers on.
# Build from the repository root (the context must be the root; .dockerignore keeps build output, .env files and
# data/ out of it):
#   docker build -f deploy/docker/harness.Dockerfile -t agent-harness/harness:dev .
#   az acr build -r <registry> -f deploy/docker/harness.Dockerfile -t agent-harness/harness:<tag> .
# Base images are pinned by tag; pin them by digest in your own mirror for bit-for-bit rebuilds.

FROM eclipse-temurin:25-jdk-noble AS build
WORKDIR /src
COPY . .
# The runtime and what it depends on in the reactor; tests run in CI, not in the image build. mdep.skip: the S3
# test servers the runtime's tests download are not needed here.
RUN ./mvnw -B -ntp -pl harness-runtime -am package -Dmaven.test.skip=true -Dmdep.skip=true

FROM eclipse-temurin:25-jre-noble
# A fixed numeric user (Kubernetes can check runAsNonRoot against it; the chart runs pods as 10001:10001). The
# embedded PostgreSQL's initdb needs the user in /etc/passwd. /data is the only directory it writes to.
RUN groupadd --system --gid 10001 harness \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin harness \
    && mkdir -p /data \
    && chown 10001:10001 /data
WORKDIR /app
# Quarkus fast-jar layout, dependencies first: they change least, so their layer is reused most.
COPY --from=build /src/harness-runtime/target/quarkus-app/lib/ /app/lib/
COPY --from=build /src/harness-runtime/target/quarkus-app/quarkus/ /app/quarkus/
COPY --from=build /src/harness-runtime/target/quarkus-app/*.jar /app/
COPY --from=build /src/harness-runtime/target/quarkus-app/app/ /app/app/
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
