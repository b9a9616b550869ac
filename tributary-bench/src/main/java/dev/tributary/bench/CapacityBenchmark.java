package dev.tributary.bench;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.event.CaptureTime;
import dev.tributary.event.Envelope;
import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The inputs of the capacity model (docs/capacity.md): each stage alone in a child JVM
 * ({@link CapacityStage}) on a real single-node broker (another child JVM), its events per
 * CPU-second of its own process (user + system, read from the kernel before and after a fixed
 * number of events, so a busy machine slows it down without changing the figure) and the wall
 * throughput seen; the spool's bytes per event; refine's RocksDB and changelog bytes per event_id
 * in the dedup window.
 *
 * <ol>
 *   <li>capture: single-event and 100-event requests of 1 KiB over HTTP on loopback into a spool
 *       with fsync {@code always}, from the open-loop generator in this JVM;
 *   <li>a spool filled here with {@code --events} enriched events of 1 KiB (random UUID ids, 40-odd
 *       fields of words and numbers, 1% sent twice) that the forwarder sends to the raw topic,
 *       refine deduplicates into the refined topic, and the sink lands in a directory as
 *       NDJSON.gz and as Parquet: each measured from 60% of its events (JIT warm; 20-60% is printed
 *       beside it) to the last (the sink: until stopped, its last files published);
 *   <li>{@code --ids} distinct ids, small events, through refine: its state directory and its
 *       dedup changelog on the broker, per million ids.
 * </ol>
 */
public final class CapacityBenchmark {
  private static final String RAW = "events";
  private static final String REFINED = "events.refined";
  private static final String IDS = "ids";
  private static final Duration TIMEOUT = Duration.ofMinutes(5);
  private static final int EVENT_BYTES = 1024;

  /** {@code jitWarmup}: unmeasured single-event load before capture's measured loads, then half as long in 100-event requests. */
  /**
   * The shortest span measured as a warm rate: ten of the stages' 100 ms reports, and CPU read from
   * {@code /proc} in 10 ms ticks, so a shorter one can show no CPU at all.
   */
  private static final Duration MIN_WARM_SPAN = Duration.ofSeconds(1);

  record Settings(double rate, Duration duration, double batchRate, int events, int partitions, int ids, Duration jitWarmup) {
    static Settings defaults() {
      return new Settings(2_000, Duration.ofSeconds(20), 150, 200_000, 4, 500_000, Duration.ofSeconds(10));
    }
  }

  /** One measured stage. */
  record Row(String stage, StageProcess.Span span, String note, String loadAverage) {}

  private final Settings settings;
  private final List<Row> rows = new ArrayList<>();
  private final List<String> disk = new ArrayList<>();
  private Path scratch;

  CapacityBenchmark(Settings settings) {
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    Settings s = Settings.defaults();
    if (args.length % 2 != 0) throw new IllegalArgumentException("every option takes a value");
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      s = switch (args[i]) {
        case "--rate" -> new Settings(Double.parseDouble(v), s.duration(), s.batchRate(), s.events(), s.partitions(), s.ids(), s.jitWarmup());
        case "--seconds" -> new Settings(s.rate(), Duration.ofSeconds(Long.parseLong(v)), s.batchRate(), s.events(), s.partitions(), s.ids(), s.jitWarmup());
        case "--batch-rate" -> new Settings(s.rate(), s.duration(), Double.parseDouble(v), s.events(), s.partitions(), s.ids(), s.jitWarmup());
        case "--events" -> new Settings(s.rate(), s.duration(), s.batchRate(), Integer.parseInt(v), s.partitions(), s.ids(), s.jitWarmup());
        case "--partitions" -> new Settings(s.rate(), s.duration(), s.batchRate(), s.events(), Integer.parseInt(v), s.ids(), s.jitWarmup());
        case "--ids" -> new Settings(s.rate(), s.duration(), s.batchRate(), s.events(), s.partitions(), Integer.parseInt(v), s.jitWarmup());
        case "--jit-warmup" -> new Settings(s.rate(), s.duration(), s.batchRate(), s.events(), s.partitions(), s.ids(),
            Duration.ofSeconds(Long.parseLong(v)));
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --rate 2000 --seconds 20"
            + " --batch-rate 150 --events 200000 --partitions 4 --ids 500000 --jit-warmup 10");
      };
    }
    new CapacityBenchmark(s).run();
    System.exit(0);
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  List<String> disk() {
    return List.copyOf(disk);
  }

  void run() throws Exception {
    long start = System.nanoTime();
    try (ScratchDirectory dir = ScratchDirectory.create("capacity-bench-")) {
      scratch = dir.path();
      System.out.printf("%d cores, load average %s; %s%n", Runtime.getRuntime().availableProcessors(), LoadAverage.now(), settings);
      try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
        String bootstrap = broker.bootstrapServers();
        createTopics(bootstrap, RAW, IDS);
        capture();
        Path spool = fill(dir.resolve("spool"));
        long records = settings.events() + settings.events() / 100;
        drain("forwarder: spool -> raw topic", records, false, "forward", spool.toString(), bootstrap, RAW);
        kafkaBytes(broker, RAW, records, "the forwarder's, zstd");
        Path state = dir.resolve("refine-state");
        drain("refine: dedup 24 h, 1 stream thread", records, false, "refine", bootstrap, RAW, REFINED, state.toString());
        stateSize(broker, state, REFINED, settings.events(), "distinct ids of the run above");
        kafkaBytes(broker, REFINED, settings.events(), "refine's, lz4, with its transaction markers");
        for (String format : List.of("ndjson", "parquet")) {
          drain("sink: refined topic -> directory, " + format, settings.events(), true, "sink", bootstrap, REFINED,
              dir.resolve("lake-" + format).toString(), format);
        }
        dedupState(broker);
      }
    }
    System.out.println();
    System.out.println(table());
    System.out.printf("%ntotal %.0f s%n", (System.nanoTime() - start) / 1e9);
  }

  /** Capture's HTTP ack path: JIT warmup unrecorded, then the measured loads, CPU read around each. */
  private void capture() throws Exception {
    Path spool = scratch.resolve("capture-spool");
    try (CaptureLoadGenerator generator = new CaptureLoadGenerator();
         StageProcess stage = StageProcess.start(scratch.resolve("capture.err"), "capture", spool.toString())) {
      int port = stage.port(TIMEOUT);
      LoadOptions load = LoadOptions.defaults(URI.create("http://127.0.0.1:" + port + "/v1/events")).withEventBytes(EVENT_BYTES)
          .withConnections(64).withMaxInFlight(4096).withWarmup(Duration.ZERO).withDuration(settings.duration());
      // JIT warmup, not measured: the JIT's compiler threads are CPU of this process too.
      if (!settings.jitWarmup().isZero()) {
        generator.run(load.withRate(1_500).withDuration(settings.jitWarmup()));
        generator.run(load.withRate(50).withEventsPerRequest(100).withDuration(settings.jitWarmup().dividedBy(2)));
      }
      measureCapture(stage, generator, load.withRate(settings.rate()), "single-event requests");
      measureCapture(stage, generator, load.withRate(settings.batchRate()).withEventsPerRequest(100).withMaxInFlight(256),
          "100-event requests");
      StageProcess.Sample end = stage.stop(TIMEOUT);
      long bytes = size(spool, p -> p.toString().endsWith(".seg"));
      disk.add(String.format("spool, capture's own records (1 KiB client event + envelope + 26 B header): %,d records, %,d bytes"
          + " = %.0f bytes per event", end.count(), bytes, (double) bytes / end.count()));
    }
  }

  private void measureCapture(StageProcess stage, CaptureLoadGenerator generator, LoadOptions load, String what) throws Exception {
    String before = LoadAverage.now();
    StageProcess.Sample a = stage.next(TIMEOUT);
    LoadResult r = generator.run(load);
    StageProcess.Sample b = stage.next(TIMEOUT);
    String note = String.format("offered %,.0f req/s x %d; achieved %,.0f req/s, p50 %s ms, p99 %s ms, errors: %s",
        load.requestsPerSecond(), load.eventsPerRequest(), r.achievedRequestsPerSecond(), LoadResult.f(r.latency().p50()),
        LoadResult.f(r.latency().p99()), r.describeErrors());
    record("capture, fsync always: " + what, StageProcess.Span.between(a, b), note, before);
  }

  /**
   * Runs a stage over a backlog of {@code total}: measured from 60% of it to the end (or to stopped),
   * with 20% to 60% in the note, which shows whether the JIT was still at work.
   */
  private void drain(String label, long total, boolean untilStopped, String... args) throws Exception {
    String before = LoadAverage.now();
    try (StageProcess stage = StageProcess.start(scratch.resolve(args[0] + "-" + rows.size() + ".err"), args)) {
      StageProcess.Sample first = stage.first(TIMEOUT);
      StageProcess.Sample a = stage.awaitCount(total / 5, TIMEOUT);
      StageProcess.Sample m = stage.awaitCount(total * 3 / 5, TIMEOUT);
      StageProcess.Sample b = stage.awaitCount(total, TIMEOUT);
      StageProcess.Sample stopped = stage.stop(TIMEOUT);
      StageProcess.Sample end = untilStopped ? stopped : b;
      StageProcess.Span early = StageProcess.Span.between(a, m);
      String until = untilStopped ? "until its files were published; " : "";
      if (longEnough(a, m) && longEnough(m, end)) {
        record(label, StageProcess.Span.between(m, end), String.format("%s20-60%%: %,.0f per CPU-s, %,.0f/s wall",
            until, early.perCpuSecond(), early.perWallSecond()), before);
      } else {
        // A backlog drained in a few 100 ms reports is too small to measure warm: its CPU is a
        // tick or two of 10 ms, or none. The whole run stands in, set-up and JIT included.
        record(label, StageProcess.Span.between(first, end), until + "backlog too small to measure warm (under "
            + MIN_WARM_SPAN.toMillis() + " ms from 20% to 60% or from 60% to the end): measured from the stage's"
            + " first report, set-up and JIT included", before);
      }
    }
  }

  private static boolean longEnough(StageProcess.Sample from, StageProcess.Sample to) {
    return to.nanoTime() - from.nanoTime() >= MIN_WARM_SPAN.toNanos();
  }

  private void record(String stage, StageProcess.Span span, String note, String loadBefore) {
    Row row = new Row(stage, span, note, loadBefore + " -> " + LoadAverage.now());
    rows.add(row);
    System.out.printf("%s: %,d events, %.2f CPU-s, %.2f s wall = %,.0f events per CPU-second, %,.0f events/s wall; %s (load %s)%n",
        stage, span.events(), span.cpuSeconds(), span.wallSeconds(), span.perCpuSecond(), span.perWallSecond(), note, row.loadAverage());
  }

  /** A spool of realistic enriched events, 1% of them twice (a client's retry captured again). */
  private Path fill(Path dir) throws IOException {
    long t0 = System.nanoTime();
    Random random = new Random(42);
    Instant hour = Instant.now().minus(Duration.ofHours(1));
    try (Spool spool = Spool.open(SpoolConfig.defaults(Files.createDirectories(dir)).withFsync(FsyncPolicy.ALWAYS)
        .withMaxBytes(32L << 30))) {
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < settings.events(); i++) {
        byte[] event = event(random, hour.plusMillis(i * 3_600_000L / settings.events()));
        batch.add(event);
        if (i % 100 == 99) batch.add(event);
        if (batch.size() >= 1_000) {
          spool.append(batch).join();
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) spool.append(batch).join();
    }
    long bytes = size(dir, p -> p.toString().endsWith(".seg"));
    long records = settings.events() + settings.events() / 100;
    System.out.printf("spool filled: %,d records, %,d bytes in %.1f s%n", records, bytes, (System.nanoTime() - t0) / 1e9);
    return dir;
  }

  private static final String[] TYPES = {"page_view", "click", "signup", "purchase", "search"};
  private static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"};

  /** An enriched event of exactly {@link #EVENT_BYTES}: envelope, then fields of words and numbers, then random letters. */
  static byte[] event(Random random, Instant receivedAt) {
    String at = CaptureTime.format(receivedAt);
    StringBuilder e = new StringBuilder(EVENT_BYTES).append("{\"event\":\"").append(TYPES[random.nextInt(TYPES.length)])
        .append("\",\"event_id\":\"").append(new UUID(random.nextLong(), random.nextLong()))
        .append("\",\"distinct_id\":\"u").append(random.nextInt(10_000)).append("\",\"timestamp\":\"").append(at)
        .append("\",\"received_at\":\"").append(at).append("\",\"app\":\"default\"");
    for (int f = 0; e.length() < EVENT_BYTES - 60; f++) {
      e.append(",\"f").append(f).append("\":");
      if (f % 2 == 0) {
        e.append('"').append(WORDS[random.nextInt(WORDS.length)]).append(' ').append(WORDS[random.nextInt(WORDS.length)]).append('"');
      } else {
        e.append(random.nextInt(1_000_000));
      }
    }
    e.append(",\"pad\":\"");
    while (e.length() < EVENT_BYTES - 2) e.append((char) ('a' + random.nextInt(26)));
    return e.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Distinct ids as the forwarder writes them (headers event_id and received_at), through refine; its state per million. */
  private void dedupState(KafkaBroker broker) throws Exception {
    long t0 = System.nanoTime();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1 << 20));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    Random random = new Random(7);
    Instant base = Instant.now().minus(Duration.ofHours(1));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < settings.ids(); i++) {
        String id = new UUID(random.nextLong(), random.nextLong()).toString();
        String at = CaptureTime.format(base.plusMillis(i * 3_600_000L / settings.ids()));
        RecordHeaders h = new RecordHeaders();
        h.add(Envelope.EVENT_ID, id.getBytes(StandardCharsets.UTF_8));
        h.add(Envelope.RECEIVED_AT, at.getBytes(StandardCharsets.UTF_8));
        byte[] value = ("{\"event\":\"x\",\"event_id\":\"" + id + "\",\"received_at\":\"" + at + "\"}").getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(IDS, null, ("u" + random.nextInt(10_000)).getBytes(StandardCharsets.UTF_8), value, h));
      }
    }
    System.out.printf("%,d distinct ids produced in %.1f s%n", settings.ids(), (System.nanoTime() - t0) / 1e9);
    Path state = scratch.resolve("ids-state");
    drain("refine: dedup 24 h, small events", settings.ids(), false, "refine", broker.bootstrapServers(), IDS, IDS + ".refined",
        state.toString());
    stateSize(broker, state, IDS + ".refined", settings.ids(), "distinct ids, small events");
  }

  /** After refine stopped: its state directory, and its dedup changelog's log segments on the broker. */
  private void stateSize(KafkaBroker broker, Path state, String output, long ids, String what) throws IOException {
    long rocks = size(state, f -> true);
    long sst = size(state, f -> f.toString().endsWith(".sst"));
    long log = topicBytes(broker, "capacity-" + output + "-dedup-changelog");
    disk.add(String.format("refine state after %,d %s: RocksDB directory %,d bytes (%,d in .sst files) = %,.1f MB per million ids;"
        + " dedup changelog (one replica, uncompacted) %,d bytes = %,.1f MB per million", ids, what, rocks, sst,
        rocks / (ids / 1e6) / 1e6, log, log / (ids / 1e6) / 1e6));
    System.out.println(disk.getLast());
  }

  /** The bytes of a topic's log segments on the broker (one replica), as compressed by its producer. */
  private static long topicBytes(KafkaBroker broker, String topic) throws IOException {
    long bytes = 0;
    try (Stream<Path> dirs = Files.list(broker.directory().resolve("data"))) {
      for (Path d : dirs.filter(d -> d.getFileName().toString().matches(java.util.regex.Pattern.quote(topic) + "-[0-9]+")).toList()) {
        bytes += size(d, f -> f.toString().endsWith(".log"));
      }
    }
    return bytes;
  }

  private void kafkaBytes(KafkaBroker broker, String topic, long records, String what) throws IOException {
    long bytes = topicBytes(broker, topic);
    disk.add(String.format("Kafka topic %s (%s): %,d records, %,d bytes on one replica = %.0f bytes per record", topic, what, records,
        bytes, (double) bytes / records));
    System.out.println(disk.getLast());
  }

  private void createTopics(String bootstrap, String... topics) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(Stream.of(topics).map(t -> new NewTopic(t, settings.partitions(), (short) 1)).toList()).all().get();
    }
  }

  private static long size(Path dir, Predicate<Path> counted) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(counted).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  String table() {
    StringBuilder out = new StringBuilder(String.format("Capacity inputs, 1 KiB events, %d partitions, each stage alone in its JVM;"
        + " CPU = user + system of that process%n%n", settings.partitions()));
    out.append("| stage | events | CPU-s | wall s | events per CPU-second | events/s wall | notes | load average |\n");
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
    for (Row r : rows) {
      StageProcess.Span s = r.span();
      out.append(String.format("| %s | %,d | %.2f | %.2f | %,.0f | %,.0f | %s | %s |%n", r.stage(), s.events(), s.cpuSeconds(),
          s.wallSeconds(), s.perCpuSecond(), s.perWallSecond(), r.note(), r.loadAverage()));
    }
    out.append('\n');
    for (String d : disk) out.append("- ").append(d).append('\n');
    return out.toString();
  }
}
