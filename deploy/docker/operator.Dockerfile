# The operator image (SPEC §9): multi-stage, JRE 25, non-root. Build from the repository root:
#   docker build -f deploy/docker/operator.Dockerfile -t agent-harness/operator:dev .
# Base images are pinned by tag; pin them by digest in your own mirror for bit-for-bit rebuilds.

FROM eclipse-temurin:25-jdk-noble AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -pl operator -am package -Dmaven.test.skip=true -Dmdep.skip=true

FROM eclipse-temurin:25-jre-noble
RUN groupadd --system --gid 10001 operator \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin operator
WORKDIR /app
COPY --from=build /src/operator/target/quarkus-app/lib/ /app/lib/
COPY --from=build /src/operator/target/quarkus-app/quarkus/ /app/quarkus/
COPY --from=build /src/operator/target/quarkus-app/*.jar /app/
COPY --from=build /src/operator/target/quarkus-app/app/ /app/app/
# One HTTP port (OPERATOR_HTTP_PORT, default 8080): probes at /q/health/live and /q/health/ready, Prometheus metrics at
# /q/metrics. (Quarkus's separate management interface is a build-time choice the operator does not make.)
EXPOSE 8080
# JIT: C1 only, as the harness image. The chart requests 100m CPU: there C2 compiled for minutes; with C1 the
# operator spent 38 % less CPU on its first 1,000 AgentRuns and 11 % less on the next (docs/benchmarks.md, operator).
ENV JDK_JAVA_OPTIONS="-XX:TieredStopAtLevel=1"
USER 10001:10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/quarkus-run.jar"]
