package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tributary.spool.SpoolCursor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.tributary.spool.SpoolRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backpressure and protection: a full spool, draining, slow and idle clients, too many connections. */
class CaptureLimitsTest {

  @TempDir Path dir;

  @Test
  void aFullSpoolAnswers503UntilThereIsRoomAgain() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir, c -> c, s -> s.withSegmentBytes(2048).withMaxBytes(8192));
         SpoolCursor sink = capture.spool.cursor("sink")) {
      String event = "{\"event\":\"fill\",\"pad\":\"" + "x".repeat(900) + "\"}";
      int accepted = 0;
      HttpResponse<String> response;
      while ((response = capture.post(event, "application/json")).statusCode() == 200) accepted++;

      assertThat(accepted).isBetween(3, 8);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(CaptureFixture.json(response).get("error").asText()).contains("spool is full");
      HttpResponse<String> ready = capture.get("/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(CaptureFixture.json(ready).get("reason").asText()).isEqualTo("capture: spool full");
      assertThat(CaptureFixture.json(ready).at("/checks/capture/status").asText()).isEqualTo("failing");
      assertThat(capture.get("/health/live").statusCode()).isEqualTo(200);
      List<SpoolRecord> stored = sink.poll(100, 1 << 20, Duration.ofMillis(100));
      assertThat(stored).as("the refused request stored nothing").hasSize(accepted);

      sink.acknowledge(stored.getLast().offset()); // the sink catches up: acknowledged segments go away

      await().atMost(Duration.ofSeconds(10)).until(() -> capture.post(event, "application/json").statusCode() == 200);
      assertThat(capture.get("/health/ready").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void drainingRefusesNewRequestsAndFinishesThoseInFlight() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir)) {
      String body = "{\"event\":\"in-flight\"}";
      try (Socket inFlight = new Socket("127.0.0.1", capture.server.port())) {
        inFlight.setSoTimeout(10_000);
        OutputStream out = inFlight.getOutputStream();
        out.write(("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
            + "\r\n\r\n" + body.substring(0, 5)).getBytes(StandardCharsets.UTF_8));
        out.flush();
        await().until(() -> capture.registry.get("tributary.capture.requests.in.flight").gauge().value() == 1);

        capture.server.drain();

        HttpResponse<String> refused = capture.post("{\"event\":\"late\"}", "application/json");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(CaptureFixture.json(refused).get("error").asText()).contains("draining");
        HttpResponse<String> ready = capture.get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(CaptureFixture.json(ready).get("reason").asText()).isEqualTo("capture: draining");
        assertThat(capture.get("/health/live").statusCode()).isEqualTo(200);

        out.write(body.substring(5).getBytes(StandardCharsets.UTF_8));
        out.flush();
        byte[] answer = new byte[512];
        int n = inFlight.getInputStream().read(answer);
        assertThat(new String(answer, 0, n, StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200").endsWith("{\"accepted\":1}");
      }
      assertThat(capture.storedJson()).extracting(e -> e.get("event").asText()).containsExactly("in-flight");
    }
  }

  /** A body whose end a proxy in front could find elsewhere (found by HttpAbuseTest): 400, nothing stored. */
  @Test
  void ambiguousFramingIsRefusedAndStoresNothing() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir, c -> c, s -> s)) {
      String body = "{\"event\":\"e\"}\n";
      for (String header : List.of("Transfer-Encoding: gzip\r\n", ": nameless\r\n")) {
        String answer = capture.raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-ndjson\r\n" + header
            + "Content-Length: " + body.length() + "\r\n\r\n" + body, Duration.ofSeconds(10));
        assertThat(answer).as(header).startsWith("HTTP/1.1 400").containsAnyOf("Transfer-Encoding", "without a name").doesNotContain("<timeout>");
      }
      assertThat(capture.stored()).isEmpty();
    }
  }

  @Test
  void slowHeadersSlowBodiesAndIdleConnectionsAreClosed() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir,
        c -> c.withRequestTimeout(Duration.ofMillis(300)).withIdleTimeout(Duration.ofMillis(600)), s -> s)) {
      String slowHeaders = capture.raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Ty", Duration.ofSeconds(10));
      assertThat(slowHeaders).startsWith("HTTP/1.1 408").contains("Connection: close").contains("not received within 300 ms")
          .doesNotContain("<timeout>");

      String slowBody = capture.raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"event\":", Duration.ofSeconds(10));
      assertThat(slowBody).startsWith("HTTP/1.1 408").doesNotContain("<timeout>");

      String idle = capture.raw("", Duration.ofSeconds(10));
      assertThat(idle).as("an idle connection is closed without an answer").isEmpty();

      String keptAlive = capture.raw("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(10));
      assertThat(keptAlive).as("a served keep-alive connection is closed once idle").startsWith("HTTP/1.1 200")
          .doesNotContain("408").doesNotContain("<timeout>");

      assertThat(capture.stored()).isEmpty();
      assertThat(capture.get("/metrics").body()).contains("tributary_capture_requests_total{protocol=\"unknown\",status=\"408\"} 2.0");
    }
  }

  /**
   * What a connection answers, empty when it is closed without an answer: a close that finds the
   * request already in the server's receive buffer is a reset (epoll often sees it there), else an end of stream.
   */
  private static String answerOrReset(CaptureFixture capture, String request) throws IOException {
    try {
      return capture.raw(request, Duration.ofSeconds(10));
    } catch (SocketException e) {
      if (!String.valueOf(e.getMessage()).contains("reset")) throw e;
      return "";
    }
  }

  @Test
  void connectionsPastTheMaximumAreClosedAtOnce() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir, c -> c.withMaxConnections(2), s -> s);
         Socket second = new Socket("127.0.0.1", capture.server.port())) {
      Socket first = new Socket("127.0.0.1", capture.server.port());
      assertThat(exchange(first, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");
      assertThat(exchange(second, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");

      assertThat(answerOrReset(capture, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")).as("closed without an answer").isEmpty();

      first.close();
      await().atMost(Duration.ofSeconds(10)).until(() ->
          answerOrReset(capture, "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 200"));
      assertThat(capture.get("/metrics").body()).containsPattern("tributary_capture_connections_refused_total [1-9]");
    }
  }

  @Test
  void aClientThatAsksToContinueIsTold() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir)) {
      HttpResponse<String> response = capture.client.send(HttpRequest.newBuilder(capture.uri("/v1/events")).expectContinue(true)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"continued\"}")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(capture.storedJson()).extracting(e -> e.get("event").asText()).containsExactly("continued");

      HttpResponse<String> refused = capture.client.send(HttpRequest.newBuilder(capture.uri("/v1/events")).expectContinue(true)
          .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString("a,b")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(415);
    }
  }

  @Test
  void heldBodiesTakeAtMostAnEighthOfTheHeapButAlwaysRoomForOneLargestRequest() {
    long eighth = Runtime.getRuntime().maxMemory() / IngestContext.HEAP_SHARE_DIVISOR;
    assumeTrue(eighth + 1024 <= CaptureConfig.LARGEST_REQUEST_BYTES, "this JVM's heap is over 8 GiB");
    long third = eighth / 3;
    IngestContext small = new IngestContext(CaptureConfig.defaults().withMaxRequestBytes(third), null, new SimpleMeterRegistry(), null);
    assertThat(List.of(small.hold(third), small.hold(third), small.hold(third), small.hold(third)))
        .as("64 requests of %d bytes would pass an eighth of the heap (%d)", third, eighth).containsExactly(true, true, true, false);

    long overEighth = eighth + 1024;
    IngestContext large = new IngestContext(CaptureConfig.defaults().withMaxRequestBytes(overEighth), null, new SimpleMeterRegistry(), null);
    assertThat(List.of(large.hold(overEighth), large.hold(1))).containsExactly(true, false);
  }

  @Test
  void manySlowLargeBodiesAtOnceGet503InsteadOfTheHeap() throws Exception {
    int maxRequest = 1024;
    long budget = IngestContext.BODIES_HELD_AT_ONCE * maxRequest;
    int partial = 1020;
    String head = "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + maxRequest + "\r\n\r\n";
    String body = "[" + " ".repeat(partial - 1);
    List<Socket> slow = new java.util.ArrayList<>();
    try (CaptureFixture capture = CaptureFixture.start(dir, c -> c.withMaxRequestBytes(maxRequest), s -> s)) {
      try {
        for (int i = 0; i < budget / partial; i++) {
          Socket socket = new Socket("127.0.0.1", capture.server.port());
          slow.add(socket);
          socket.getOutputStream().write((head + body).getBytes(StandardCharsets.US_ASCII));
        }
        await().until(() -> capture.registry.get("tributary.capture.held").gauge().value() == (budget / partial) * partial);

        String refused = capture.raw(head.replace("Host: x", "Host: x\r\nConnection: close") + body + "{}]\n", Duration.ofSeconds(10));

        assertThat(refused).startsWith("HTTP/1.1 503").contains("Retry-After: 5").contains("too many request bodies at once")
            .doesNotContain("<timeout>");
      } finally {
        for (Socket socket : slow) socket.close();
      }
      await().until(() -> capture.registry.get("tributary.capture.held").gauge().value() == 0);
      assertThat(capture.post("{\"event\":\"room-again\"}", "application/json").statusCode()).isEqualTo(200);
      assertThat(capture.stored()).hasSize(1);
    }
  }

  @Test
  void aClosedSpoolAnswers503AndAFailingOne500() throws Exception {
    try (CaptureFixture capture = CaptureFixture.start(dir)) {
      capture.spool.close();

      HttpResponse<String> closed = capture.post("{\"event\":\"late\"}", "application/json");

      assertThat(closed.statusCode()).isEqualTo(503);
      assertThat(closed.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(CaptureFixture.json(closed).get("error").asText()).contains("shutting down");
    }
    DurableLog broken = new DurableLog() { // a fake: the real spool cannot be made to fail a write on demand
      @Override public java.util.concurrent.CompletableFuture<DurableLog.Outcome> append(List<byte[]> events) {
        return java.util.concurrent.CompletableFuture.failedFuture(new java.io.IOException("No space left on device"));
      }
      @Override public long freeBytes() { return Long.MAX_VALUE; }
    };
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    try (CaptureServer server = CaptureServer.start(CaptureConfig.defaults().withPort(0), broken, registry)) {
      HttpResponse<String> failed = java.net.http.HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/events"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"e\"}")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(failed.statusCode()).isEqualTo(500);
      assertThat(CaptureFixture.json(failed).get("error").asText()).isEqualTo("could not store the events: java.io.IOException: No space left on device");
    }
  }

  /** Writes a request on an open connection and reads one answer (a few hundred bytes at most). */
  private static String exchange(Socket socket, String request) throws Exception {
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    byte[] answer = new byte[1024];
    int n = socket.getInputStream().read(answer);
    return new String(answer, 0, n, StandardCharsets.US_ASCII);
  }
}
