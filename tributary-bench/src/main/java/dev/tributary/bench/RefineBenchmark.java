package dev.tributary.bench;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.event.CaptureTime;
import dev.tributary.event.Envelope;
import dev.tributary.refine.RefineConfig;
import dev.tributary.refine.Refiner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Refine on a real single-node broker the testkit starts as a child JVM. Throughput: a backlog of
 * 1 KiB events as the forwarder writes them (key distinct_id, headers event_id and received_at,
 * zstd; half the padding random letters; 1% client retries) is loaded into the raw topic first,
 * then one refine with one stream thread works through it, with dedup only and with a reorder
 * window: records per second of wall time and per CPU-second of this process (refine's threads;
 * the broker is another process). Delay: events produced live at a steady rate with received_at =
 * now, read back from the raw and the refined topic (read_committed) as they arrive: refine's
 * added delay is the difference.
 */
public final class RefineBenchmark {
  private static final String RAW = "raw";

  /** {@code streams}: Kafka Streams properties for every refine of the run (e.g. the output's compression). */
  record Settings(int events, int partitions, Duration reorder, double liveRate, Duration liveDuration, Map<String, String> streams) {
    static Settings defaults() {
      return new Settings(300_000, 4, Duration.ofSeconds(20), 4_000, Duration.ofSeconds(40), Map.of("num.stream.threads", "1"));
    }
  }

  record Throughput(String setup, long records, double seconds, double cpuSeconds) {
    double perSecond() { return records / seconds; }
    double perCpuSecond() { return records / cpuSeconds; }
  }

  record Delay(String setup, Histogram raw, Histogram refined) {}

  private final Settings settings;
  private String bootstrap;

  RefineBenchmark(Settings settings) {
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    Settings s = Settings.defaults();
    for (int i = 0; i + 1 < args.length; i += 2) {
      s = switch (args[i]) {
        case "--events" -> new Settings(Integer.parseInt(args[i + 1]), s.partitions(), s.reorder(), s.liveRate(), s.liveDuration(), s.streams());
        case "--partitions" -> new Settings(s.events(), Integer.parseInt(args[i + 1]), s.reorder(), s.liveRate(), s.liveDuration(), s.streams());
        case "--reorder" -> new Settings(s.events(), s.partitions(), Duration.ofSeconds(Long.parseLong(args[i + 1])), s.liveRate(),
            s.liveDuration(), s.streams());
        case "--rate" -> new Settings(s.events(), s.partitions(), s.reorder(), Double.parseDouble(args[i + 1]), s.liveDuration(), s.streams());
        case "--seconds" -> new Settings(s.events(), s.partitions(), s.reorder(), s.liveRate(), Duration.ofSeconds(Long.parseLong(args[i + 1])),
            s.streams());
        case "--streams-property" -> {
          Map<String, String> streams = new java.util.HashMap<>(s.streams());
          String[] kv = args[i + 1].split("=", 2);
          streams.put(kv[0], kv[1]);
          yield new Settings(s.events(), s.partitions(), s.reorder(), s.liveRate(), s.liveDuration(), streams);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; known: --events N --partitions N"
            + " --reorder SECONDS --rate EVENTS_PER_S --seconds LIVE_SECONDS --streams-property KEY=VALUE");
      };
    }
    new RefineBenchmark(s).run();
    System.exit(0);
  }

  void run() throws Exception {
    try (ScratchDirectory scratch = ScratchDirectory.create("tributary-refine-bench-")) {
      System.out.printf("starting a Kafka broker (load average %s, %d cores); refine with %s%n", LoadAverage.now(),
        Runtime.getRuntime().availableProcessors(), settings.streams());
      try (KafkaBroker broker = KafkaBroker.start(scratch.resolve("kafka"))) {
        bootstrap = broker.bootstrapServers();
        createTopic(RAW);
        long loaded = preload();
        List<Throughput> rows = new ArrayList<>();
        // The first pass also pays for class loading and JIT compilation: reported, apart.
        rows.add(throughput(scratch.resolve("state-cold"), "dedup, cold JVM", Duration.ZERO, loaded));
        rows.add(throughput(scratch.resolve("state-dedup"), "dedup", Duration.ZERO, loaded));
        rows.add(throughput(scratch.resolve("state-reorder"), "dedup + reorder " + settings.reorder().toSeconds() + " s", settings.reorder(), loaded));
        List<Delay> delays = new ArrayList<>();
        delays.add(delay(scratch.resolve("live-dedup"), "dedup", Duration.ZERO));
        delays.add(delay(scratch.resolve("live-reorder"), "dedup + reorder " + settings.reorder().toSeconds() + " s", settings.reorder()));
        System.out.println();
        System.out.println(table(rows, delays));
      }
    }
  }

  private void createTopic(String topic) throws ExecutionException, InterruptedException {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), (short) 1))).all().get();
    }
  }

  /** The backlog: received_at 4,000 events/s apart-ish, each up to 1 s out of order; 1% sent twice. Returns the records sent. */
  private long preload() {
    long start = System.nanoTime();
    Random random = new Random(42);
    long base = System.currentTimeMillis() - settings.events() / 4;
    long sent = 0;
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < settings.events(); i++) {
        long receivedAt = base + i / 4 - random.nextInt(1000);
        p.send(record(RAW, "ev-" + i, "user-" + (i % 10_007), receivedAt));
        sent++;
        if (random.nextInt(100) == 0) {
          p.send(record(RAW, "ev-" + i, "user-" + (i % 10_007), receivedAt + random.nextInt(5_000)));
          sent++;
        }
      }
    }
    System.out.printf("loaded %,d records (%,d events of 1 KiB) into '%s' (%d partitions) in %.1f s%n", sent, settings.events(), RAW,
        settings.partitions(), (System.nanoTime() - start) / 1e9);
    return sent;
  }

  private Throughput throughput(Path state, String setup, Duration reorder, long records) throws InterruptedException {
    MeterRegistry registry = new SimpleMeterRegistry();
    RefineConfig config = config(state, List.of(RAW), "refined-" + setup.replaceAll("[^a-z0-9]", ""), reorder);
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    String loadBefore = LoadAverage.now();
    try (Refiner refiner = Refiner.start(config, registry)) {
      while (count(registry) == 0) Thread.sleep(5);
      long t0 = System.nanoTime();
      long cpu0 = os.getProcessCpuTime();
      while (count(registry) < records) {
        if (refiner.failure().isDone()) throw new IllegalStateException("refine failed", refiner.failure().join());
        Thread.sleep(5);
      }
      Throughput t = new Throughput(setup, records, (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9);
      System.out.printf("%s: %,d records in %.1f s = %,.0f records/s, %,.0f per CPU-second (load average %s -> %s)%n", setup, records,
          t.seconds(), t.perSecond(), t.perCpuSecond(), loadBefore, LoadAverage.now());
      return t;
    }
  }

  private static double count(MeterRegistry registry) {
    return registry.get("tributary.refine.events.in").counter().count();
  }

  private RefineConfig config(Path state, List<String> in, String out, Duration reorder) {
    return RefineConfig.defaults(bootstrap, state).withTopics(in, out).withApplicationId("bench-" + out).withReorderWindow(reorder)
        .withStreamsProperties(settings.streams());
  }

  /** Live events at the configured rate; the delay of each as read from the raw and from the refined topic. */
  private Delay delay(Path state, String setup, Duration reorder) throws Exception {
    String raw = "live-" + setup.replaceAll("[^a-z0-9]", "");
    createTopic(raw);
    Histogram rawDelay = new Histogram(3_600_000L, 3);
    Histogram refinedDelay = new Histogram(3_600_000L, 3);
    AtomicBoolean stop = new AtomicBoolean();
    try (Refiner refiner = Refiner.start(config(state, List.of(raw), raw + ".refined", reorder), new SimpleMeterRegistry())) {
      while (!refiner.ready()) Thread.sleep(50);
      Thread rawReader = Thread.ofPlatform().start(() -> read(raw, "read_uncommitted", rawDelay, stop));
      Thread refinedReader = Thread.ofPlatform().start(() -> read(raw + ".refined", "read_committed", refinedDelay, stop));
      long total = (long) (settings.liveRate() * settings.liveDuration().toSeconds());
      long interval = (long) (1e9 / settings.liveRate());
      long start = System.nanoTime();
      try (KafkaProducer<byte[], byte[]> p = producer()) {
        for (long i = 0; i < total; i++) {
          LockSupport.parkNanos(start + i * interval - System.nanoTime());
          p.send(record(raw, "live-" + i, "user-" + (i % 10_007), System.currentTimeMillis()));
        }
      }
      long expected = total;
      long deadline = System.nanoTime() + reorder.toNanos() + Duration.ofSeconds(60).toNanos();
      while ((refinedDelay.getTotalCount() < expected || rawDelay.getTotalCount() < expected) && System.nanoTime() < deadline) Thread.sleep(100);
      stop.set(true);
      rawReader.join();
      refinedReader.join();
    }
    System.out.printf("%s, live at %,.0f events/s: raw p50 %d ms p99 %d ms; refined p50 %d ms p99 %d ms max %d ms (%d of %d read)%n",
        setup, settings.liveRate(), rawDelay.getValueAtPercentile(50), rawDelay.getValueAtPercentile(99),
        refinedDelay.getValueAtPercentile(50), refinedDelay.getValueAtPercentile(99), refinedDelay.getMaxValue(),
        refinedDelay.getTotalCount(), (long) (settings.liveRate() * settings.liveDuration().toSeconds()));
    return new Delay(setup, rawDelay, refinedDelay);
  }

  private void read(String topic, String isolation, Histogram delays, AtomicBoolean stop) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + topic);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      while (!stop.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          long receivedAt = CaptureTime.millis(r.headers().lastHeader(Envelope.RECEIVED_AT).value());
          delays.recordValue(Math.max(0, Math.min(3_600_000L, System.currentTimeMillis() - receivedAt)));
        }
      }
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1 << 20));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(256L << 20));
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** As the forwarder writes an event: key distinct_id, headers event_id and received_at, a 1 KiB JSON payload. */
  private static ProducerRecord<byte[], byte[]> record(String topic, String eventId, String distinctId, long receivedAt) {
    String at = Instant.ofEpochMilli(receivedAt).toString();
    String head = "{\"event\":\"page_view\",\"event_id\":\"" + eventId + "\",\"distinct_id\":\"" + distinctId + "\",\"received_at\":\"" + at
        + "\",\"app\":\"default\",\"props\":{\"pad\":\"";
    int pad = Math.max(0, 1024 - head.length() - 3);
    StringBuilder json = new StringBuilder(1024).append(head);
    // Half random letters: x-padding alone would zstd to nothing and flatter every step that compresses.
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < pad; i++) json.append(i < pad / 2 ? (char) ('a' + random.nextInt(26)) : 'x');
    json.append("\"}}");
    RecordHeaders h = new RecordHeaders();
    h.add(Envelope.EVENT_ID, eventId.getBytes(StandardCharsets.UTF_8));
    h.add(Envelope.RECEIVED_AT, at.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(topic, null, distinctId.getBytes(StandardCharsets.UTF_8), json.toString().getBytes(StandardCharsets.UTF_8), h);
  }

  private String table(List<Throughput> rows, List<Delay> delays) {
    StringBuilder out = new StringBuilder("| refine | records | seconds | records/s | records per CPU-second |\n| --- | ---: | ---: | ---: | ---: |\n");
    for (Throughput t : rows) {
      out.append(String.format("| %s | %,d | %.1f | %,.0f | %,.0f |%n", t.setup(), t.records(), t.seconds(), t.perSecond(), t.perCpuSecond()));
    }
    out.append(String.format("%n| live at %,.0f events/s | raw topic p50 / p99 | refined topic p50 / p99 / max | added at p50 |%n| --- | ---: | ---: | ---: |%n",
        settings.liveRate()));
    for (Delay d : delays) {
      out.append(String.format("| %s | %d / %d ms | %d / %d / %d ms | %d ms |%n", d.setup(), d.raw().getValueAtPercentile(50),
          d.raw().getValueAtPercentile(99), d.refined().getValueAtPercentile(50), d.refined().getValueAtPercentile(99),
          d.refined().getMaxValue(), d.refined().getValueAtPercentile(50) - d.raw().getValueAtPercentile(50)));
    }
    return out.toString();
  }

}
