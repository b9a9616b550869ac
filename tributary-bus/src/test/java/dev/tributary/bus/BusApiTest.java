package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint over real HTTP against a real local bus: answers, limits, names and chunk states. */
class BusApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  BusNode node;

  @BeforeEach
  void start() throws IOException {
    node = new BusNode(BusConfig.defaults(dir, "node1"));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private List<ChunkInfo> chunks(String query) throws Exception {
    HttpResponse<String> r = node.get("/listChunks?" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readValue(r.body(), new TypeReference<>() {});
  }

  @Test
  void writeAnswersEmpty200AndReadGivesTheBytesBackByOffset() throws Exception {
    HttpResponse<String> w = node.post("/write?category=events", "one\ntwo\n");
    assertThat(w.statusCode()).isEqualTo(200);
    assertThat(w.body()).isEmpty();
    assertThat(node.post("/write?category=events", "three\n").statusCode()).isEqualTo(200);

    assertThat(node.get("/listCategories").body()).isEqualTo("[\"events\"]");
    assertThat(chunks("category=events")).containsExactly(new ChunkInfo("node1-chunk000000000", false, 14));
    assertThat(Files.readString(dir.resolve("events/node1-chunk000000000"))).isEqualTo("one\ntwo\nthree\n");

    HttpResponse<String> all = node.get("/read?category=events&chunk=node1-chunk000000000&off=0&max_size=1000");
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.body()).isEqualTo("one\ntwo\nthree\n");
    // max_size 10 ends inside "three": the answer stops after the last whole message
    HttpResponse<String> part = node.get("/read?category=events&chunk=node1-chunk000000000&off=0&max_size=10");
    assertThat(part.body()).isEqualTo("one\ntwo\n");
    HttpResponse<String> next = node.get("/read?category=events&chunk=node1-chunk000000000&off=8&maxSize=1000");
    assertThat(next.body()).isEqualTo("three\n");
    HttpResponse<String> end = node.get("/read?category=events&chunk=node1-chunk000000000&off=14&max_size=1000");
    assertThat(end.statusCode()).isEqualTo(200);
    assertThat(end.body()).isEmpty();
    assertThat(node.get("/read?category=events&chunk=node1-chunk000000000&off=99&max_size=10").body()).isEmpty();
  }

  @Test
  void readRefusesWhatItCannotAnswer() throws Exception {
    node.post("/write?category=events", "a-long-message\n");
    String chunk = "&chunk=node1-chunk000000000";
    assertThat(node.get("/read?category=events&chunk=node1-chunk000000007&off=0&max_size=10").statusCode()).isEqualTo(404);
    assertThat(node.get("/read?category=nothing&chunk=node1-chunk000000000&off=0&max_size=10").statusCode()).isEqualTo(404);
    HttpResponse<String> small = node.get("/read?category=events" + chunk + "&off=0&max_size=5");
    assertThat(small.statusCode()).isEqualTo(400);
    assertThat(small.body()).contains("too small to contain a single message");
    HttpResponse<String> huge = node.get("/read?category=events" + chunk + "&off=0&max_size=" + (16 * 1024 * 1024 + 1));
    assertThat(huge.statusCode()).isEqualTo(400);
    assertThat(huge.body()).contains("max_size").contains("16777216");
    assertThat(node.get("/read?category=events" + chunk + "&max_size=5").body()).contains("`off`");
    assertThat(node.get("/read?category=events" + chunk + "&off=-1&max_size=5").statusCode()).isEqualTo(400);
    assertThat(node.get("/read?category=events" + chunk + "&off=0").statusCode()).isEqualTo(400);
    assertThat(node.get("/read?category=events&off=0&max_size=5").body()).contains("chunk name must be provided");
    assertThat(node.get("/nowhere").statusCode()).isEqualTo(404);
  }

  @Test
  void badNamesAre400AndNeverTouchTheDisk() throws Exception {
    List<String> badCategories = List.of("", "..", "%2e%2e", "a/b", "a%2Fb", "a%5Cb", "..%2Fetc", ".hidden", "a..b", "tab%09x", "nul%00",
        "x".repeat(129), "sp%20ace");
    for (String c : badCategories) {
      for (String request : List.of("/listChunks?category=" + c, "/read?chunk=node1-chunk000000000&off=0&max_size=9&category=" + c,
          "/ack?chunk=node1-chunk000000000&size=9&category=" + c)) {
        HttpResponse<String> r = node.get(request);
        assertThat(r.statusCode()).as(request).isEqualTo(400);
        assertThat(r.body()).as(request).contains("category");
      }
      assertThat(node.post("/write?category=" + c, "m\n").statusCode()).as(c).isEqualTo(400);
    }
    node.post("/write?category=ok", "m\n");
    for (String chunk : List.of("..%2Fok%2Fnode1-chunk000000000", "node1-chunk0", "node1-chunk000000000.deleted", "%2Fetc%2Fpasswd",
        "node1-chunk00000000a", "readers")) {
      HttpResponse<String> r = node.get("/read?category=ok&off=0&max_size=9&chunk=" + chunk);
      assertThat(r.statusCode()).as(chunk).isEqualTo(400);
      assertThat(node.get("/ack?category=ok&size=9&chunk=" + chunk).statusCode()).as(chunk).isEqualTo(400);
    }
    assertThat(node.get("/listChunks?category=ok&reader=..").statusCode()).isEqualTo(400);
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ok", LocalBus.LOCK_FILE);
    }
    assertThat(node.get("/listCategories").body()).isEqualTo("[\"ok\"]");
  }

  @Test
  void writeRefusesBadBodiesAndStoresNothing() throws Exception {
    HttpResponse<String> noNewline = node.post("/write?category=events", "one\ntwo");
    assertThat(noNewline.statusCode()).isEqualTo(400);
    assertThat(noNewline.body()).contains("does not end in \\n");
    assertThat(node.post("/write?category=events", "").statusCode()).isEqualTo(400);

    byte[] bigMessage = new byte[Messages.MAX_MESSAGE_BYTES + 1];
    java.util.Arrays.fill(bigMessage, (byte) 'x');
    bigMessage[bigMessage.length - 1] = '\n';
    HttpResponse<String> tooLongMessage = node.post("/write?category=events", bigMessage);
    assertThat(tooLongMessage.statusCode()).isEqualTo(413);
    assertThat(tooLongMessage.body()).contains("message at byte 0");

    byte[] bigBody = new byte[Messages.MAX_BODY_BYTES + 1];
    java.util.Arrays.fill(bigBody, (byte) '\n');
    HttpResponse<String> tooLongBody = node.post("/write?category=events", bigBody);
    assertThat(tooLongBody.statusCode()).isEqualTo(413);
    assertThat(tooLongBody.body()).contains("4194304");

    byte[] largestMessage = java.util.Arrays.copyOf(bigMessage, Messages.MAX_MESSAGE_BYTES);
    largestMessage[largestMessage.length - 1] = '\n';
    assertThat(node.post("/write?category=events", largestMessage).statusCode()).isEqualTo(200);
    assertThat(chunks("category=events")).extracting(ChunkInfo::size).containsExactly((long) Messages.MAX_MESSAGE_BYTES);
  }

  @Test
  void ackDeletesOnlyACompleteChunkReadToItsEnd() throws Exception {
    node.post("/write?category=events", "one\n");
    String first = "node1-chunk000000000";
    HttpResponse<String> active = node.get("/ack?category=events&chunk=" + first + "&size=4");
    assertThat(active.statusCode()).isEqualTo(409);
    assertThat(active.body()).contains("still being written");

    node.restart(); // every chunk is complete after a restart; the next write starts a new one
    node.post("/write?category=events", "two\n");
    assertThat(chunks("category=events")).containsExactly(new ChunkInfo(first, true, 4), new ChunkInfo("node1-chunk000000001", false, 4));
    HttpResponse<String> shortAck = node.get("/ack?category=events&chunk=" + first + "&size=3");
    assertThat(shortAck.statusCode()).isEqualTo(409);
    assertThat(shortAck.body()).contains("short");
    assertThat(node.get("/ack?category=events&chunk=node1-chunk000000005&size=3").statusCode()).isEqualTo(404);
    assertThat(node.get("/ack?category=events&chunk=" + first).statusCode()).isEqualTo(400);

    HttpResponse<String> ack = node.post("/ack?category=events&chunk=" + first + "&size=4", "");
    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.body()).isEmpty();
    assertThat(chunks("category=events")).extracting(ChunkInfo::name).containsExactly("node1-chunk000000001");
    assertThat(node.get("/read?category=events&chunk=" + first + "&off=0&max_size=9").statusCode()).isEqualTo(404);
    assertThat(dir.resolve("events/" + first)).doesNotExist();
    assertThat(node.get("/ack?category=events&chunk=" + first + "&size=4").statusCode()).as("a repeated ack").isEqualTo(200);

    // Chunk numbers never repeat, even once every chunk is deleted: saved cursors name chunks.
    node.restart();
    node.get("/ack?category=events&chunk=node1-chunk000000001&size=4");
    node.restart();
    node.post("/write?category=events", "three\n");
    assertThat(chunks("category=events")).extracting(ChunkInfo::name).containsExactly("node1-chunk000000002");
  }

  @Test
  void eachReaderHasItsOwnAcknowledgements() throws Exception {
    node.post("/write?category=events", "one\n");
    node.restart();
    node.post("/write?category=events", "two\n");
    String first = "node1-chunk000000000";
    assertThat(chunks("category=events&reader=billing")).hasSize(2);
    assertThat(chunks("category=events&reader=search")).hasSize(2);

    assertThat(node.get("/ack?category=events&reader=billing&chunk=" + first + "&size=4").statusCode()).isEqualTo(200);
    assertThat(chunks("category=events&reader=billing")).extracting(ChunkInfo::name).containsExactly("node1-chunk000000001");
    assertThat(node.get("/read?category=events&reader=billing&chunk=" + first + "&off=0&max_size=9").statusCode()).isEqualTo(404);
    assertThat(chunks("category=events&reader=search")).hasSize(2);
    assertThat(node.get("/read?category=events&reader=search&chunk=" + first + "&off=0&max_size=9").body()).isEqualTo("one\n");

    node.restart(); // acknowledgements are durable
    assertThat(chunks("category=events&reader=billing")).hasSize(1);
    assertThat(dir.resolve("events/" + first)).exists();
    assertThat(node.get("/ack?category=events&reader=search&chunk=" + first + "&size=4").statusCode()).isEqualTo(200);
    assertThat(dir.resolve("events/" + first)).doesNotExist();
    assertThat(chunks("category=events")).extracting(ChunkInfo::name).containsExactly("node1-chunk000000001");
  }

  @Test
  void chunksRotateBySizeWithoutSplittingAWrite() throws Exception {
    node.close();
    node = new BusNode(BusConfig.defaults(dir, "node1").withRotation(10, Duration.ofMinutes(10)));
    node.post("/write?category=events", "12345\n");
    node.post("/write?category=events", "1234\n"); // 11 bytes would pass 10: a new chunk
    node.post("/write?category=events", "this write is longer than a chunk\n");
    assertThat(chunks("category=events")).containsExactly(
        new ChunkInfo("node1-chunk000000000", true, 6),
        new ChunkInfo("node1-chunk000000001", true, 5),
        new ChunkInfo("node1-chunk000000002", false, 34));
  }

  @Test
  void aChunkCompletesAfterTheRotationIntervalSoReadersCanAckIt() throws Exception {
    node.close();
    node = new BusNode(BusConfig.defaults(dir, "node1").withRotation(1 << 20, Duration.ofMillis(200)));
    node.post("/write?category=events", "one\n");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(chunks("category=events")).containsExactly(new ChunkInfo("node1-chunk000000000", true, 4),
            new ChunkInfo("node1-chunk000000001", false, 0)));
    assertThat(node.get("/ack?category=events&chunk=node1-chunk000000000&size=4").statusCode()).isEqualTo(200);
  }

  @Test
  void retentionDeletesOldestCompleteChunksPastTheSizeLimitAcknowledgedOrNot() throws Exception {
    node.close();
    node = new BusNode(BusConfig.defaults(dir, "node1").withRotation(10, Duration.ofMillis(100)).withRetention(null, 20));
    for (int i = 0; i < 5; i++) node.post("/write?category=events", "message" + i + "\n"); // 9 bytes each, one chunk each
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(chunks("category=events").stream().mapToLong(ChunkInfo::size).sum()).isLessThanOrEqualTo(20));
    assertThat(chunks("category=events")).extracting(ChunkInfo::name).contains("node1-chunk000000004");
  }

  @Test
  void retentionDeletesChunksOlderThanTheAge() throws Exception {
    node.close();
    node = new BusNode(BusConfig.defaults(dir, "node1").withRotation(1 << 20, Duration.ofMillis(50)).withRetention(Duration.ofMillis(300), 0));
    node.post("/write?category=events", "old\n");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(chunks("category=events")).extracting(ChunkInfo::name).doesNotContain("node1-chunk000000000"));
  }

  @Test
  void aTornTailLeftByACrashIsCutWhenTheBusOpens() throws Exception {
    node.post("/write?category=events", "one\ntwo\n");
    node.close();
    // A crash in the middle of a batch leaves part of it: a whole message and half of another.
    Files.writeString(dir.resolve("events/node1-chunk000000000"), "three\nfo", java.nio.file.StandardOpenOption.APPEND);
    node = new BusNode(node.config);
    assertThat(chunks("category=events")).containsExactly(new ChunkInfo("node1-chunk000000000", true, 14));
    assertThat(Files.readString(dir.resolve("events/node1-chunk000000000"))).isEqualTo("one\ntwo\nthree\n");
    node.post("/write?category=events", "four\n");
    assertThat(node.get("/read?category=events&chunk=node1-chunk000000001&off=0&max_size=100").body()).isEqualTo("four\n");
  }

  /** What a proxy in front could read otherwise (found by HttpAbuseTest): refused, and nothing written. */
  @Test
  void ambiguousFramingAndEncodedBodiesAreRefusedAndStoreNothing() throws Exception {
    Map<String, String> refusals = Map.of(
        "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n", "HTTP/1.1 400",
        "Content-Length: 2\r\n: nameless\r\n", "HTTP/1.1 400",
        "Content-Length: 2\r\nContent-Encoding: gzip\r\n", "HTTP/1.1 415");
    for (Map.Entry<String, String> refusal : refusals.entrySet()) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.uri().getPort())) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("POST /write?category=events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + refusal.getKey() + "\r\na\n")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(answer).as(refusal.getKey()).startsWith(refusal.getValue()).containsAnyOf("Transfer-Encoding", "without a name", "Content-Encoding");
      }
    }
    assertThat(chunks("category=events")).isEmpty();
    assertThat(node.post("/write?category=events", "ok\n").statusCode()).isEqualTo(200);
  }

  @Test
  void aQueryStringThatCannotBeDecodedIs400AndTheServerStaysUp() throws Exception {
    for (String query : List.of("/listChunks?category=%zz", "/write?category=a%", "/read?category=a&chunk=%ZZ&off=0&max_size=1")) {
      // java.net.http refuses such URIs, so the request goes over a plain socket
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.uri().getPort())) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("POST " + query + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\na\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(answer).as(query).startsWith("HTTP/1.1 400").contains("bad query string");
      }
    }
    assertThat(node.post("/write?category=events", "ok\n").statusCode()).isEqualTo(200);
  }

  @Test
  void everyFsyncPolicyAnswersWritesAndServesThem() throws Exception {
    for (String policy : List.of("interval=20", "never")) {
      node.close();
      Path other = dir.resolve(policy.replace('=', '-'));
      node = new BusNode(BusConfig.defaults(other, "node1").withFsync(dev.tributary.spool.FsyncPolicy.parse(policy)));
      for (int i = 0; i < 20; i++) assertThat(node.post("/write?category=events", "m" + i + "\n").statusCode()).as(policy).isEqualTo(200);
      assertThat(node.get("/read?category=events&chunk=node1-chunk000000000&off=0&max_size=1000").body()).as(policy)
          .startsWith("m0\nm1\n").endsWith("m19\n");
    }
  }

  @Test
  void aSecondProcessCannotOpenTheSameDataDirectory() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalBus.open(BusConfig.defaults(dir, "node2")))
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
  }
}
