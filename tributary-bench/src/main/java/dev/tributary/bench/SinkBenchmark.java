package dev.tributary.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.tributary.broker.KafkaBroker;
import dev.tributary.event.CaptureTime;
import dev.tributary.lake.KafkaLakeSink;
import dev.tributary.lake.KafkaSinkConfig;
import dev.tributary.lake.LakeFormat;
import dev.tributary.testkit.S3Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput of {@code tributary sink} ({@link KafkaLakeSink}) from a real single-node broker (a
 * child JVM) into a directory and into S3Proxy (another child JVM), for each file format. The
 * topic (three partitions) is filled first with {@code --events} enriched events of about 1.2 KB
 * (40 mixed fields, five types, one hour); then each store and format gets a fresh consumer group
 * and lake, reads the whole topic and stops (publishing its last files). "Per core" divides by
 * CPU time, which holds on a busy machine: the sink thread's own (until it has read the last
 * record) and the whole sink JVM's (the run, including the final publish, GC and the client's
 * other threads). Usage: {@code SinkBenchmark [--events N] [--stores fs,s3] [--formats ndjson,ndjson-zstd,parquet]}.
 */
public final class SinkBenchmark {

  private static final String TOPIC = "sink-bench";

  private record Row(String store, String format, long events, long bytes, double wallSeconds, double threadCpuSeconds,
                     double processCpuSeconds, long lakeBytes) {}

  private SinkBenchmark() {}

  public static void main(String[] args) throws Exception {
    int events = 300_000;
    List<String> stores = List.of("fs", "s3");
    List<String> formats = List.of("ndjson", "ndjson-zstd", "parquet");
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--events" -> events = Integer.parseInt(args[i + 1]);
        case "--stores" -> stores = List.of(args[i + 1].split(","));
        case "--formats" -> formats = List.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    try (ScratchDirectory scratch = ScratchDirectory.create("sink-bench-");
         KafkaBroker broker = KafkaBroker.start(scratch.resolve("kafka"), Map.of("num.partitions", "3"));
         S3Server s3 = stores.contains("s3") ? S3Server.start(scratch.resolve("s3")) : null) {
      System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
      System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
      System.setProperty("aws.region", "us-east-1");
      long bytes = fill(broker.bootstrapServers(), events);
      System.out.printf("topic %s: %,d events, %,d bytes (%.0f bytes each), 3 partitions%n", TOPIC, events, bytes,
          (double) bytes / events);
      run(broker, s3, scratch, "warmup", "fs", "ndjson", events, bytes); // JIT and page cache, not reported
      List<Row> rows = new ArrayList<>();
      for (String store : stores) {
        for (String format : formats) rows.add(run(broker, s3, scratch, store + "-" + format, store, format, events, bytes));
      }
      print(rows);
    }
  }

  private static Row run(KafkaBroker broker, S3Server s3, ScratchDirectory scratch, String name, String store,
      String format, int events, long bytes) throws Exception {
    String lake;
    Path files;
    if (store.equals("s3")) {
      s3.createBucket(name);
      lake = "s3://" + name + "/lake";
      files = s3.bucketDir(name);
    } else {
      files = scratch.resolve(name);
      lake = files.toString();
    }
    KafkaSinkConfig config = KafkaSinkConfig.of(broker.bootstrapServers(), TOPIC, lake).withGroup("bench-" + name)
        .withFormat(LakeFormat.parse(format));
    if (s3 != null && store.equals("s3")) config = config.withS3(s3.endpoint(), true);
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    double threadCpu;
    try (KafkaLakeSink sink = KafkaLakeSink.start(config, new SimpleMeterRegistry())) {
      while (sink.status().stream().mapToLong(KafkaLakeSink.PartitionStatus::position).sum() < events) Thread.sleep(20);
      threadCpu = sinkThreadCpuSeconds();
      System.out.printf("%s: read everything after %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
      if (!sink.stop(Duration.ofMinutes(5))) throw new IllegalStateException("sink did not stop");
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double processCpu = (os.getProcessCpuTime() - cpu0) / 1e9;
    Row row = new Row(store, format, events, bytes, wall, threadCpu, processCpu, size(files));
    System.out.printf("%s: %.1f s wall, %.1f s sink-thread CPU, %.1f s process CPU%n", name, wall, threadCpu, processCpu);
    return row;
  }

  private static double sinkThreadCpuSeconds() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("kafka-lake-sink")) return threads.getThreadCpuTime(t.threadId()) / 1e9;
    }
    return Double.NaN;
  }

  private static void print(List<Row> rows) {
    System.out.println();
    System.out.println("| store | format | MB/s per sink-thread CPU s | events/s per sink-thread CPU s | MB/s per process CPU s "
        + "| wall MB/s | lake bytes / input |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    for (Row r : rows) {
      double mb = r.bytes / 1e6;
      System.out.printf("| %s | %s | %.1f | %,.0f | %.1f | %.1f | %.2f |%n", r.store.equals("fs") ? "directory" : "S3Proxy",
          r.format, mb / r.threadCpuSeconds, r.events / r.threadCpuSeconds, mb / r.processCpuSeconds, mb / r.wallSeconds,
          (double) r.lakeBytes / r.bytes);
    }
  }

  /** Fills the topic; returns the payload bytes. Events look like capture's enriched ones. */
  private static long fill(String bootstrap, int events) throws Exception {
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
    }
    Thread.sleep(2000); // leaders settle before the idempotent producer's first batch
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    Random random = new Random(42);
    Instant hour = Instant.parse("2026-11-23T14:00:00Z");
    String[] types = {"page_view", "click", "signup", "purchase", "search"};
    String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"};
    long bytes = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < events; i++) {
        StringBuilder e = new StringBuilder(1300);
        e.append("{\"event\":\"").append(types[i % types.length]).append("\",\"event_id\":\"bench-").append(i)
            .append("\",\"received_at\":\"").append(CaptureTime.format(hour.plusMillis(i * 3_600_000L / events)))
            .append("\",\"app\":\"bench\",\"distinct_id\":\"u").append(random.nextInt(10_000)).append('"');
        for (int f = 0; f < 54; f++) {
          e.append(",\"f").append(f).append("\":");
          if (f % 2 == 0) e.append('"').append(words[random.nextInt(words.length)]).append(' ')
              .append(words[random.nextInt(words.length)]).append(' ').append(words[random.nextInt(words.length)]).append('"');
          else e.append(random.nextInt(1_000_000));
        }
        byte[] value = e.append('}').toString().getBytes(StandardCharsets.UTF_8);
        bytes += value.length;
        producer.send(new ProducerRecord<>(TOPIC, i % 3, null, value));
      }
    }
    return bytes;
  }

  private static long size(Path dir) throws IOException {
    if (!Files.exists(dir)) return 0;
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
