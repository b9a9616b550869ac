# The Tributary image from the public Eclipse Temurin images, for those who build with Docker:
#   docker build -t tributary:0.1.0 .
#   docker run --rm -p 8080:8080 -v tributary-data:/var/lib/tributary tributary:0.1.0 serve --bind 0.0.0.0 --tokens-file ...
# scripts/image builds an equivalent image without Docker and without a registry (docs/deploy.md).

FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
# The production jar only (tests run in CI, not in an image build).
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -pl tributary-server -am package -DskipTests

FROM eclipse-temurin:21-jre
# A fixed uid/gid so that volumes and Kubernetes' runAsUser/fsGroup (10001) agree.
RUN groupadd --system --gid 10001 tributary \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/tributary --no-create-home --shell /usr/sbin/nologin tributary \
 && mkdir -p /var/lib/tributary \
 && chown tributary:tributary /var/lib/tributary
COPY --from=build /src/tributary-server/target/tributary.jar /opt/tributary/tributary.jar
COPY LICENSE THIRD-PARTY.txt tributary-server/src/main/jvm/serve.options /opt/tributary/
USER 10001:10001
WORKDIR /var/lib/tributary
# The spool (serve's data dir): keep it on a volume, or a restart loses what Kafka does not have yet.
VOLUME ["/var/lib/tributary"]
# serve 8080, sink 8081, refine 8082 (health and metrics)
EXPOSE 8080 8081 8082
# Exec form: the JVM is PID 1 and gets SIGTERM itself, which starts serve's drain (exit 0, or 75
# with the spool kept). Only `dev` starts a child process (its Kafka broker); run it with --init.
# The heap follows the container's memory limit: one image runs every command, and a container is
# sized by its limit. serve needs far less than 75% of a large limit, and more than 25% of a 512 MiB
# one for the rest of the JVM: run it with JDK_JAVA_OPTIONS=@/opt/tributary/serve.options for the
# heap ./tributary gives it (320 MiB; docs/deploy.md), whose -Xmx wins over the percentage.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/tributary/tributary.jar"]
CMD ["--help"]
