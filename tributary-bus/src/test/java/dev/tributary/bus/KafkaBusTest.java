package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same HTTP API served from a real Kafka broker: chunks as offset ranges, acks as committed offsets. */
class KafkaBusTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "2");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static KafkaBus bus;
  static BusServer server;

  @BeforeAll
  static void start() throws Exception {
    bus = KafkaBus.open(new KafkaBus.Config(kafka.bootstrapServers(), "bus.", 3, Map.of()));
    server = BusServer.start(bus, "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
    if (bus != null) bus.close();
  }

  private static HttpResponse<String> call(String pathAndQuery, String body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery));
    return HTTP.send(body == null ? r.GET().build() : r.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<ChunkInfo> chunks(String query) throws Exception {
    HttpResponse<String> r = call("/listChunks?" + query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readValue(r.body(), new TypeReference<>() {});
  }

  @Test
  void chunksAreOffsetRangesReadByByteOffsetAndAcknowledgedPerReader() throws Exception {
    assertThat(call("/write?category=orders", "m0\nm1\nm2\nm3\nm4\nm5\nm6\n").statusCode()).isEqualTo(200);
    assertThat(call("/listCategories", null).body()).contains("\"orders\"");
    List<ChunkInfo> list = chunks("category=orders");
    String p = list.get(0).name().substring(0, list.get(0).name().indexOf('-')); // the partition the write went to
    assertThat(list).containsExactly(new ChunkInfo(p + "-chunk000000000", true, 9), new ChunkInfo(p + "-chunk000000001", true, 9),
        new ChunkInfo(p + "-chunk000000002", false, 3));
    String first = p + "-chunk000000000";
    assertThat(call("/read?category=orders&chunk=" + first + "&off=0&max_size=100", null).body()).isEqualTo("m0\nm1\nm2\n");
    assertThat(call("/read?category=orders&chunk=" + first + "&off=3&max_size=5", null).body()).isEqualTo("m1\n");
    assertThat(call("/read?category=orders&chunk=" + first + "&off=9&max_size=5", null).body()).isEmpty();
    assertThat(call("/read?category=orders&chunk=" + first + "&off=4&max_size=5", null).statusCode()).isEqualTo(400);
    assertThat(call("/read?category=orders&chunk=" + p + "-chunk000000009&off=0&max_size=5", null).statusCode()).isEqualTo(404);
    assertThat(call("/read?category=orders&chunk=p7-chunk000000000&off=0&max_size=5", null).statusCode()).isEqualTo(404);
    assertThat(call("/read?category=orders&chunk=" + p + "-chunk000000002&off=0&max_size=50", null).body()).isEqualTo("m6\n");

    assertThat(call("/ack?category=orders&chunk=" + p + "-chunk000000002&size=3", null).statusCode()).isEqualTo(409);
    assertThat(call("/ack?category=orders&chunk=" + first + "&size=8", null).statusCode()).isEqualTo(409);
    assertThat(call("/ack?category=orders&reader=billing&chunk=" + first + "&size=9", null).statusCode()).isEqualTo(200);
    assertThat(chunks("category=orders&reader=billing")).extracting(ChunkInfo::name).doesNotContain(first);
    assertThat(call("/read?category=orders&reader=billing&chunk=" + first + "&off=0&max_size=50", null).statusCode()).isEqualTo(404);
    assertThat(chunks("category=orders")).extracting(ChunkInfo::name).contains(first);
    assertThat(call("/ack?category=orders&reader=billing&chunk=" + first + "&size=9", null).statusCode()).as("repeated").isEqualTo(200);
    assertThat(call("/write?category=..", "m\n").statusCode()).isEqualTo(400);
    assertThat(call("/write?category=orders", "no newline").statusCode()).isEqualTo(400);
  }

  /**
   * A write of 600 KiB to a category the bus has just created spans three produce batches. Kafka
   * brokers before 4.5 may refuse the first with NOT_LEADER_OR_FOLLOWER while the partition is
   * being created and take a later one, and the idempotent producer then retries the first forever
   * (KAFKA-15591): the write hangs, and its later messages land without its first.
   */
  @Test
  void aWriteToANewCategoryLandsWholeAndInOrder() throws Exception {
    byte[] body = kibMessages(600);
    try (KafkaBus fresh = KafkaBus.open(new KafkaBus.Config(kafka.bootstrapServers(), "fresh.", 1000, Map.of()))) {
      for (int c = 0; c < 20; c++) {
        String category = "new" + c;
        fresh.write(category, body).get(45, TimeUnit.SECONDS);
        List<ChunkInfo> chunks = fresh.listChunks(category, null);
        assertThat(chunks).as(category).hasSize(1);
        assertThat(readWhole(fresh, category, chunks.get(0))).as(category).isEqualTo(body);
      }
    }
  }

  private static byte[] kibMessages(int count) {
    StringBuilder b = new StringBuilder();
    for (int n = 0; n < count; n++) b.append(String.format("%04d", n)).append("x".repeat(1019)).append('\n');
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] readWhole(Bus bus, String category, ChunkInfo chunk) throws Exception {
    java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
    for (ReadResult r; (r = bus.read(category, chunk.name(), whole.size(), 1 << 20, null)).length() > 0; ) {
      whole.write(((ReadResult.Bytes) r).bytes());
    }
    return whole.toByteArray();
  }

  @Test
  void theSimpleClientReadsEveryMessageOnceAcrossARestartFromSavedState() throws Exception {
    try (KafkaBus bigChunks = KafkaBus.open(new KafkaBus.Config(kafka.bootstrapServers(), "big.", 500, Map.of()));
         BusServer bigServer = BusServer.start(bigChunks, "127.0.0.1", 0)) {
      readEveryMessageOnce(List.of(URI.create("http://127.0.0.1:" + bigServer.port())));
    }
  }

  private static void readEveryMessageOnce(List<URI> nodes) throws Exception {
    BusClient writer = new BusClient(nodes);
    int messages = 3000;
    for (int start = 0; start < messages; start += 100) {
      StringBuilder batch = new StringBuilder();
      for (int n = start; n < start + 100; n++) batch.append(n).append('\n');
      writer.send("numbers", batch.toString().getBytes(StandardCharsets.UTF_8));
    }
    BitSet seen = new BitSet();
    int[] duplicates = {0};
    BusClient.Handler handler = bytes -> {
      for (String line : new String(bytes, StandardCharsets.US_ASCII).split("\n")) {
        int n = Integer.parseInt(line);
        if (seen.get(n)) duplicates[0]++;
        seen.set(n);
      }
    };
    BusClient reader = new BusClient(nodes).reader("app").scratchBytes(512);
    String saved = reader.saveState();
    while (seen.cardinality() < messages / 2) {
      if (reader.process("numbers", handler)) saved = reader.saveState();
    }
    reader = new BusClient(nodes).reader("app").scratchBytes(512);
    reader.restoreState(saved);
    int idle = 0;
    while (seen.cardinality() < messages || idle < 3) {
      if (reader.process("numbers", handler)) idle = 0; else idle++;
    }
    assertThat(duplicates[0]).isZero();
    assertThat(seen.cardinality()).isEqualTo(messages);
    HttpResponse<String> left = HTTP.send(HttpRequest.newBuilder(nodes.get(0).resolve("/listChunks?category=numbers&reader=app")).build(),
        HttpResponse.BodyHandlers.ofString());
    List<ChunkInfo> unacknowledged = JSON.readValue(left.body(), new TypeReference<>() {});
    assertThat(unacknowledged).as("acknowledged all but the last chunk of each partition").hasSizeLessThanOrEqualTo(2);
  }
}
