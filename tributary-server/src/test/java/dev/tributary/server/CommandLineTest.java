package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.kafka.TopicCreation;
import dev.tributary.lake.LakeFormat;
import dev.tributary.lake.LakeTarget;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as a user meets it: help, configuration layering and its errors, the spool tools. */
class CommandLineTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Tributary.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void helpListsTheCommands() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("serve", "send", "spool", "drain", "dead-letters").doesNotContain("bench");
  }

  @Test
  void flagsOverrideEnvironmentWhichOverridesTheFile() throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "port: 9000\nfsync: never\nbind: 127.0.0.2\n");
    ServeSettings s = ServeSettings.resolve(file, Map.of("TRIBUTARY_FSYNC", "interval=5", "TRIBUTARY_BIND", "127.0.0.3"),
        Map.of("bind", "127.0.0.4"));
    assertThat(s.port()).isEqualTo(9000);
    assertThat(s.fsync().toString()).isEqualTo("interval=5");
    assertThat(s.bind()).isEqualTo("127.0.0.4");
    assertThat(s.lake()).isEqualTo(Path.of("tributary-data/lake").toAbsolutePath().toString());
    assertThat(s.describe()).contains("fsync: interval=5   # environment variable TRIBUTARY_FSYNC", "port: 9000   # config file");
  }

  @Test
  void printConfigShowsTheEffectiveSettings() {
    assertThat(run("serve", "--print-config", "--port", "7000", "--data-dir", dir.toString())).isZero();
    assertThat(out.toString()).contains("port: 7000   # flag --port", "lake: " + dir.resolve("lake"));
  }

  @Test
  void kafkaSettingsComeFromTheFileWithProducerPropertiesPassedThroughAndSecretsHidden() throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "kafka: k1:9092,k2:9092\ntopic: events.{event}\nlinger: 2s\nkafka_producer:\n"
        + "  security.protocol: SASL_SSL\n  sasl.jaas.config: secret-stuff\n  batch.size: 65536\n");
    ServeSettings s = ServeSettings.resolve(file, Map.of(), Map.of(), Map.of("batch.size", "131072"));
    assertThat(s.kafka()).contains("k1:9092,k2:9092");
    assertThat(s.lakeEnabled()).as("the lake is off with Kafka unless asked for").isFalse();
    assertThat(s.drainTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
    assertThat(s.producerProperties()).containsExactly(Map.entry("security.protocol", "SASL_SSL"),
        Map.entry("sasl.jaas.config", "secret-stuff"), Map.entry("batch.size", "131072"));
    var forwarding = ServeCommand.forwarderConfig(s).orElseThrow();
    assertThat(forwarding.topic()).isEqualTo("events.{event}");
    assertThat(forwarding.linger()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(forwarding.deadLetterDirectory()).isEqualTo(Path.of("tributary-data/dead-letters").toAbsolutePath());
    assertThat(forwarding.topicCreation()).as("left to the broker unless set").isEqualTo(TopicCreation.BROKER_DEFAULTS);
    assertThat(ServeCommand.forwarderConfig(ServeSettings.resolve(file, Map.of("TRIBUTARY_PARTITIONS", "12"),
        Map.of("replication_factor", "3"))).orElseThrow().topicCreation()).isEqualTo(new TopicCreation(Optional.of(12), Optional.of((short) 3)));
    assertThat(s.describe()).contains("sasl.jaas.config: \"(hidden)\"", "batch.size: 131072   # flag --producer-property")
        .doesNotContain("secret-stuff");
  }

  @Test
  void withoutKafkaTheLakeRunsAndTheDrainTimeoutStays30Seconds() throws Exception {
    ServeSettings s = ServeSettings.resolve(null, Map.of(), Map.of());
    assertThat(s.kafka()).isEmpty();
    assertThat(s.lakeEnabled()).isTrue();
    assertThat(s.drainTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(ServeSettings.resolve(null, Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_EMBEDDED_LAKE", "true"), Map.of())
        .lakeEnabled()).as("--lake-too / embedded_lake: true").isTrue();
  }

  @Test
  void badKafkaSettingsAreRefusedBeforeAnythingStarts() throws Exception {
    assertThat(run("serve", "--kafka", "k:9092", "--topic", "events/{event}", "--data-dir", dir.resolve("d").toString()))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("invalid topic 'events/{event}'");
    assertThat(run("serve", "--kafka", "k:9092", "--partitions", "0", "--data-dir", dir.resolve("d").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'partitions'", "flag --partitions", "broker (the broker's num.partitions), or an integer 1 or more");
    assertThat(run("serve", "--producer-property", "acks=1", "--data-dir", dir.resolve("d").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("producer properties are set (acks) but kafka is not");
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "kafka: k:9092\nkafka_producer: [acks]\n");
    assertThat(run("serve", "--config", file.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'kafka_producer' must be a mapping");
    assertThat(run("dev", "--topic", "a b", "--data-dir", dir.resolve("d").toString())).as("dev, before starting Kafka")
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("tributary dev: invalid topic 'a b'");
    assertThat(run("dev", "--maven-repository", "repo.example.com/maven2", "--data-dir", dir.resolve("d").toString()))
        .as("dev, before fetching the broker's jars").isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--maven-repository must be an https, http or file URL, got repo.example.com/maven2");
    assertThat(dir.resolve("d")).as("nothing was created").doesNotExist();
  }

  @Test
  void aWrongValueNamesTheKeyTheSourceAndTheAcceptedValues() throws Exception {
    assertThat(run("serve", "--fsync", "sometimes")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'fsync'", "flag --fsync", "sometimes", "always, never, interval=<milliseconds>");
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "prot: 8080\n");
    assertThatThrownBy(() -> ServeSettings.resolve(file, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key 'prot'").hasMessageContaining("port");
    assertThatThrownBy(() -> ServeSettings.resolve(null, Map.of("TRIBUTARY_SPOOL_MAX_BYTES", "lots"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRIBUTARY_SPOOL_MAX_BYTES").hasMessageContaining("10GiB");
  }

  @Test
  void corsOriginsAndTrustedProxiesAreListsInEveryLayerAndAWrongEntryIsNamed() throws Exception {
    assertThat(ServeSettings.resolve(null, Map.of(), Map.of()).corsOrigins()).as("any origin by default").containsExactly("*");
    assertThat(ServeSettings.resolve(null, Map.of(), Map.of()).trustedProxies()).isEmpty();
    Path file = dir.resolve("lists.yaml");
    Files.writeString(file, "cors_origins: [\"https://*.example.com\", \"http://localhost:*\"]\ntrusted_proxies:\n  - 10.0.0.0/8\n  - fd00::/8\n");
    ServeSettings fromFile = ServeSettings.resolve(file, Map.of(), Map.of());
    assertThat(fromFile.corsOrigins()).containsExactly("https://*.example.com", "http://localhost:*");
    assertThat(fromFile.trustedProxies()).containsExactly("10.0.0.0/8", "fd00::/8");
    ServeSettings fromEnv = ServeSettings.resolve(file, Map.of("TRIBUTARY_CORS_ORIGINS", "https://a.test, https://b.test"),
        Map.of("trusted_proxies", "127.0.0.1"));
    assertThat(fromEnv.corsOrigins()).containsExactly("https://a.test", "https://b.test");
    assertThat(fromEnv.trustedProxies()).containsExactly("127.0.0.1");

    assertThat(run("serve", "--cors-origins", "https://example.com/app")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'cors_origins'", "flag --cors-origins", "https://example.com/app", "https://*.example.com");
    assertThat(run("serve", "--trusted-proxies", "10.0.0.0/33")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'trusted_proxies'", "flag --trusted-proxies", "10.0.0.0/33", "CIDR");
  }

  @Test
  void relativePathsFromEveryLayerAreAbsoluteAgainstTheWorkingDirectory() throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "data_dir: from-file\ntokens_file: ./conf/../tokens.yaml\n");
    ServeSettings s = ServeSettings.resolve(file, Map.of("TRIBUTARY_LAKE", "from-env"), Map.of());
    Path cwd = Path.of("").toAbsolutePath();
    assertThat(s.dataDir()).isEqualTo(cwd.resolve("from-file"));
    assertThat(s.spoolDir()).isEqualTo(cwd.resolve("from-file/spool"));
    assertThat(s.lake()).isEqualTo(cwd.resolve("from-env").toString());
    assertThat(s.tokensFile()).contains(cwd.resolve("tokens.yaml"));
    assertThat(s.describe()).contains("data_dir: " + cwd.resolve("from-file") + "   # config file");
    assertThat(ServeSettings.resolve(null, Map.of(), Map.of("data_dir", "d")).lake()).isEqualTo(cwd.resolve("d/lake").toString());
    assertThat(RefineSettings.resolve(null, Map.of(), Map.of("kafka", "k:9092", "state_dir", "st"), Map.of()).config().stateDirectory())
        .isEqualTo(cwd.resolve("st"));
    assertThat(SinkSettings.resolve(null, Map.of(), Map.of("kafka", "k:9092", "lake", "lk"), Map.of()).sinkConfig().lake())
        .isEqualTo(cwd.resolve("lk").toString());
  }

  @Test
  void serveTakesAnS3LakeAndRefusesAMalformedOneOrAnUnknownFormatWithExitTwo() throws Exception {
    ServeSettings s = ServeSettings.resolve(null, Map.of("TRIBUTARY_FORMAT", "parquet"),
        Map.of("lake", "s3://my-bucket/events/prod", "s3_endpoint", "http://127.0.0.1:9000"));
    assertThat(s.lakeTarget()).isEqualTo(new LakeTarget("s3://my-bucket/events/prod", LakeFormat.PARQUET,
        URI.create("http://127.0.0.1:9000"), true));
    for (String[] bad : List.of(new String[] {"--lake", "s3://"}, new String[] {"--lake", "s3://Bad_Bucket/x"},
        new String[] {"--lake", "s3://bucket:9000/x"}, new String[] {"--lake", "gs://bucket/x"},
        new String[] {"--format", "orc"}, new String[] {"--s3-endpoint", "127.0.0.1:9000", "--lake", "s3://bucket/x"},
        new String[] {"--s3-endpoint", "http://127.0.0.1:9000"})) {
      err.getBuffer().setLength(0);
      List<String> args = new ArrayList<>(List.of("serve", "--data-dir", dir.resolve("d").toString()));
      args.addAll(List.of(bad));
      assertThat(run(args.toArray(String[]::new))).as(String.join(" ", bad)).isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString()).as(String.join(" ", bad)).contains(bad[1]);
    }
    assertThat(err.toString()).contains("is set but the lake is the directory");
    assertThat(dir.resolve("d")).as("nothing was created").doesNotExist();
    assertThat(Path.of("s3:")).doesNotExist();
  }

  @Test
  void bindingBeyondLoopbackWithoutTokensIsAConfigurationErrorAndCreatesNothing() {
    assertThat(run("serve", "--bind", "0.0.0.0", "--port", "0", "--data-dir", dir.resolve("d").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("refusing to listen on 0.0.0.0 without auth", "--tokens-file");
    assertThat(run("serve", "--tokens-file", dir.resolve("missing.yaml").toString(), "--data-dir", dir.resolve("d").toString()))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("cannot read the tokens file " + dir.resolve("missing.yaml"));
    assertThat(dir.resolve("d")).as("nothing was created").doesNotExist();
  }

  @Test
  void aPortInUseIsOneLineNamingItAndCreatesNothing() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(taken.getLocalPort());
      assertThat(run("serve", "--port", port, "--data-dir", dir.resolve("d").toString())).isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString()).contains("tributary serve: cannot listen on 127.0.0.1:" + port, "--port").hasLineCount(1);
      assertThat(run("serve", "--port", "0", "--bus-port", port, "--data-dir", dir.resolve("d").toString()))
          .isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString()).contains("--bus-port");
      assertThat(run("bus", "--port", port, "--data-dir", dir.resolve("bus").toString())).isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString()).contains("tributary bus: cannot listen on 127.0.0.1:" + port);
      assertThat(run("dev", "--port", port, "--data-dir", dir.resolve("dev").toString())).isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString()).contains("tributary dev: cannot listen on 127.0.0.1:" + port);
    }
    assertThat(dir).as("nothing was created").isEmptyDirectory();
  }

  @Test
  void theSpoolToolsRefuseADirectoryThatIsNotASpoolAndNameTheSpoolInside() throws Exception {
    Path data = dir.resolve("tributary-data");
    try (Spool spool = Spool.open(SpoolConfig.defaults(data.resolve("spool")))) {
      spool.append("{\"event\":\"e\"}".getBytes(StandardCharsets.UTF_8)).get();
    }
    for (String tool : new String[] {"inspect", "verify"}) {
      assertThat(run("spool", tool, data.toString())).as(tool).isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString()).contains("tributary spool " + tool + ": " + data + " is not a spool directory",
          "the spool is in " + data.resolve("spool"));
    }
    assertThat(run("spool", "verify", Files.createDirectories(dir.resolve("empty")).toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(out.toString()).doesNotContain("OK");
  }

  @Test
  void spoolVerifyPassesAHealthySpoolAndFailsADamagedOne() throws Exception {
    Path spoolDir = dir.resolve("spool");
    try (Spool spool = Spool.open(SpoolConfig.defaults(spoolDir))) {
      for (int i = 0; i < 10; i++) spool.append(("{\"event\":\"e" + i + "\"}").getBytes(StandardCharsets.UTF_8)).get();
      spool.cursor("lake").acknowledge(3);
    }
    assertThat(run("spool", "verify", spoolDir.toString())).isZero();
    assertThat(out.toString()).contains("OK, 10 records in 1 segment, 1 cursor");
    assertThat(run("spool", "inspect", spoolDir.toString())).isZero();
    assertThat(out.toString()).contains("00000000000000000000.seg", "lake", "6");
    try (RandomAccessFile f = new RandomAccessFile(spoolDir.resolve("00000000000000000000.seg").toFile(), "rw")) {
      f.seek(40);
      int b = f.read();
      f.seek(40);
      f.write(b ^ 0x10);
    }
    assertThat(run("spool", "verify", spoolDir.toString())).isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString()).contains("corrupt record at position 40");
  }

  @Test
  void spoolVerifyOfALargeSpoolShowsItsProgressOnStderrAndOnlyTheResultOnStdout() throws Exception {
    Path spoolDir = dir.resolve("spool");
    byte[] event = ("{\"event\":\"e\",\"pad\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);
    try (Spool spool = Spool.open(SpoolConfig.defaults(spoolDir).withSegmentBytes(1 << 20))) {
      for (int batch = 0; batch < 40; batch++) spool.append(java.util.Collections.nCopies(500, event)).get();
    }
    long segments;
    long bytes = 0;
    try (var files = Files.list(spoolDir)) {
      List<Path> segs = files.filter(f -> f.toString().endsWith(".seg")).toList();
      segments = segs.size();
      for (Path f : segs) bytes += Files.size(f);
    }

    assertThat(run("spool", "verify", spoolDir.toString(), "--progress-interval-ms", "1")).isZero();
    assertThat(out.toString()).isEqualTo("spool " + spoolDir + ": OK, 20000 records in " + segments + " segments, 0 cursors\n");
    List<String> lines = err.toString().lines().toList();
    // At least the last line (the reading takes longer than the 1 ms interval); the lines before it depend on scheduling.
    assertThat(lines).as(err.toString()).isNotEmpty().allMatch(l -> l.startsWith("tributary spool verify: "));
    java.util.regex.Pattern reading = java.util.regex.Pattern.compile(
        "tributary spool verify: (\\d+\\.\\d) / (\\d+\\.\\d) MiB \\((\\d+)%\\), \\d+\\.\\d MiB/s.*; (\\d+) of (\\d+) segments");
    double lastDone = 0;
    for (String line : lines) {
      var m = reading.matcher(line);
      if (!m.lookingAt()) {
        assertThat(line).as("before the first segment is read").startsWith("tributary spool verify: 0.0 MiB, ");
        continue;
      }
      assertThat(Double.parseDouble(m.group(2))).isCloseTo(bytes / 1048576.0, org.assertj.core.data.Offset.offset(0.051));
      assertThat(Double.parseDouble(m.group(1))).isBetween(lastDone, Double.parseDouble(m.group(2)));
      assertThat(Long.parseLong(m.group(5))).isEqualTo(segments);
      lastDone = Double.parseDouble(m.group(1));
    }
    assertThat(lines.getLast()).contains("(100%)", segments + " of " + segments + " segments").containsPattern(", in \\d+\\.\\d s;");
  }

  @Test
  void aMistypedFlagSuggestsTheClosestOneFirst() {
    assertThat(run("serve", "--prot", "9000")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unknown options: '--prot'").contains("Did you mean: --port?\n");
    assertThat(run("sink", "--max-file-ag", "5m")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Did you mean: --max-file-age?");
    assertThat(run("serv")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Did you mean: serve?");
    assertThat(run("serve", "--zzzzzz")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("See 'tributary serve --help'.");
  }

  @Test
  void durationsAndSizesAreReadInTheirUsualForms() throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "kafka: k:9092\nmax_file_age: 1m30s\nmax_file_bytes: 10GB\n");
    var sink = SinkSettings.resolve(file, Map.of(), Map.of(), Map.of()).sinkConfig();
    assertThat(sink.maxFileAge()).isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(sink.maxFileBytes()).isEqualTo(10_000_000_000L);
    Files.writeString(file, "max_file_age: 1h\n");
    assertThat(SinkSettings.resolve(file, Map.of("TRIBUTARY_KAFKA", "k:9092"), Map.of(), Map.of()).sinkConfig().maxFileAge())
        .isEqualTo(java.time.Duration.ofHours(1));
    ServeSettings serve = ServeSettings.resolve(null, Map.of("TRIBUTARY_SPOOL_MAX_BYTES", "10GiB", "TRIBUTARY_DEDUP_WINDOW", "2h"),
        Map.of("lake_roll_age", "1m30s", "spool_segment_bytes", "64mb"));
    assertThat(serve.spoolMaxBytes()).isEqualTo(10L << 30);
    assertThat(serve.spoolSegmentBytes()).isEqualTo(64_000_000L);
    assertThat(serve.dedupWindow()).isEqualTo(java.time.Duration.ofHours(2));
    assertThat(serve.lakeRollAge()).isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(RefineSettings.resolve(null, Map.of("TRIBUTARY_KAFKA", "k:9092"), Map.of("dedup_window", "1d12h"), Map.of())
        .config().dedupWindow()).isEqualTo(java.time.Duration.ofHours(36));
  }

  @Test
  void aFileAgeTooLongOrNotADurationNamesTheKeyTheFileAndTheAcceptedForms() throws Exception {
    Path file = dir.resolve("sink.yaml");
    for (String value : new String[] {"2h", "soon", "0s"}) {
      Files.writeString(file, "max_file_age: " + value + "\n");
      assertThat(run("sink", "--kafka", "k:9092", "--config", file.toString())).as(value).isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString()).contains("setting 'max_file_age' from config file " + file + ": invalid value '" + value + "'",
          "accepted: a duration above 0 and at most 1h, like 5m, 1m30s or 1h");
    }
    assertThat(run("sink", "--kafka", "k:9092", "--max-file-records", "0")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'max_file_records' from flag --max-file-records");
  }

  @Test
  void aPathFormatReachesBothSinksAndABadOneSaysWhyWithExitTwo() throws Exception {
    String layout = "year={yyyy}/month={MM}/day={dd}/hour={HH}/event_type={event_type}";
    assertThat(SinkSettings.resolve(null, Map.of("TRIBUTARY_KAFKA", "k:9092"), Map.of("path_format", layout), Map.of())
        .sinkConfig().pathFormat()).hasToString(layout);
    assertThat(SinkSettings.resolve(null, Map.of("TRIBUTARY_KAFKA", "k:9092"), Map.of(), Map.of()).sinkConfig().pathFormat())
        .hasToString("event_type={event_type}/dt={yyyy}-{MM}-{dd}/hour={HH}");
    assertThat(ServeSettings.resolve(null, Map.of("TRIBUTARY_LAKE_PATH_FORMAT", layout), Map.of()).lakePathFormat()).hasToString(layout);

    assertThat(run("sink", "--kafka", "k:9092", "--path-format", "event_type={event_type}/dt={yyyy}-{MM}-{dd}")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'path_format' from flag --path-format: invalid value",
        "{HH} is missing; every directory must hold one event type and one UTC hour");
    Path file = dir.resolve("serve.yaml");
    Files.writeString(file, "lake_path_format: \"t={event_type}/{YYYY}{MM}{dd}{HH}\"\n");
    assertThat(run("serve", "--config", file.toString(), "--data-dir", dir.resolve("d").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'lake_path_format' from config file " + file,
        "'{YYYY}' is not a variable; use {event_type}, {yyyy}, {MM}, {dd} and {HH}");
    assertThat(dir.resolve("d")).as("nothing started").doesNotExist();
  }

  @Test
  void aMistypedKeyInTheFileSuggestsTheKnownOne() throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "max_file_aeg: 5m\n");
    assertThatThrownBy(() -> SinkSettings.resolve(file, Map.of("TRIBUTARY_KAFKA", "k:9092"), Map.of(), Map.of()))
        .hasMessageContaining("unknown key 'max_file_aeg' for tributary sink (did you mean max_file_age?)");
  }

  @Test
  void anUnknownTributaryVariableIsNamedWithTheClosestKnownOne() throws Exception {
    var schemas = java.util.List.of(ServeSettings.SCHEMA, SinkSettings.SCHEMA, RefineSettings.SCHEMA);
    assertThat(LayeredSettings.unknownVariables(Map.of("TRIBUTARY_PROT", "1", "TRIBUTARY_JAVA_OPTS", "-Xmx1g", "TRIBUTARY_LOG_LEVEL", "DEBUG",
        "TRIBUTARY_STATE_DIR", "/s", "TRIBUTARY_MAX_FILE_AGE", "5m", "PATH", "/bin"), schemas))
        .as("the launcher's and logback's variables and other commands' settings are known").containsExactly(
            "tributary: warning: ignoring environment variable TRIBUTARY_PROT, which no setting reads; did you mean TRIBUTARY_PORT?");
    Path log = dir.resolve("serve.log");
    assertThat(ServeProcess.run(log, Map.of("TRIBUTARY_PROT", "9000"), "serve", "--print-config")).isZero();
    assertThat(Files.readString(log)).contains("TRIBUTARY_PROT, which no setting reads; did you mean TRIBUTARY_PORT?")
        .contains("port: 8080   # default");
  }

  @Test
  void aBadBusSizeOrDurationNamesTheFlag() {
    assertThat(run("bus", "--port", "0", "--data-dir", dir.resolve("bus").toString(), "--max-chunk-size", "20XB"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'max_chunk_size' from flag --max-chunk-size: invalid value '20XB'; accepted: a size");
    assertThat(run("bus", "--port", "0", "--data-dir", dir.resolve("bus").toString(), "--rotate-interval", "often"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'rotate_interval' from flag --rotate-interval: invalid value 'often'; accepted: "
        + LayeredSettings.DURATION_FORMS);
    assertThat(dir.resolve("bus")).as("nothing was created").doesNotExist();
  }

  @Test
  void everyHelpReadsWellAt80Columns() {
    List<String> problems = new ArrayList<>();
    helpProblems(Tributary.commandLine(), problems);
    assertThat(problems).isEmpty();
  }

  /** Lines past 80 columns, a value split where picocli broke a line inside it ("host:" / "port"), a cut summary. */
  private static void helpProblems(CommandLine cmd, List<String> problems) {
    String name = cmd.getCommandSpec().qualifiedName();
    String[] lines = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].length() > 80) problems.add(name + ": longer than 80 columns: " + lines[i]);
      if (i > 0 && lines[i].matches("\\s+[/:,.)\\]].*")) problems.add(name + ": split value: " + lines[i - 1] + " | " + lines[i]);
      if (lines[i].matches(".*\\S[:/\\[(]$") && !lines[i].matches("\\S.*:$")) problems.add(name + ": split value: " + lines[i]);
    }
    for (CommandLine sub : cmd.getSubcommands().values()) {
      String[] description = sub.getCommandSpec().usageMessage().description();
      if (description.length > 0 && !description[0].matches(".*[.)]$")) {
        problems.add(name + ": the summary of " + sub.getCommandName() + " is not a sentence: " + description[0]);
      }
      if (sub.getCommandSpec() != cmd.getCommandSpec() && !sub.getCommandName().equals("help")) helpProblems(sub, problems);
    }
  }
}
