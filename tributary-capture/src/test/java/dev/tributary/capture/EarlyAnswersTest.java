package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tributary.testkit.EndlessBody;
import dev.tributary.testkit.RealHttpClients;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests refused before their body is read (bad auth, content type or encoding, a body over the
 * limit) reach real clients that are still sending: Java's HttpClient, curl and Node's fetch each
 * send 200 of them over kept-alive connections to all three protocols, with bodies of 1 byte to 10
 * times the limit, sized, chunked or asking to continue, and each gets its status and JSON error.
 * Nothing is stored and the server still takes events afterwards.
 */
class EarlyAnswersTest {

  private static final int LIMIT = 1024;
  private static final int REQUESTS = 200;
  private static final String SIZE_ERROR = "over the limit of " + LIMIT + " bytes";

  @TempDir Path dir;
  private CaptureFixture capture;

  @BeforeEach
  void start() throws Exception {
    Path tokens = CaptureFixture.tokensFile(dir);
    capture = CaptureFixture.start(dir, c -> c.withMaxRequestBytes(LIMIT).withTokensFile(tokens), s -> s);
  }

  @AfterEach
  void stop() {
    capture.close();
  }

  /** A refused request and what must come back. */
  record Refusal(RealHttpClients.Request request, int status, String error) {}

  @ParameterizedTest
  @EnumSource(RealHttpClients.class)
  void everyClientReadsEveryEarlyAnswer(RealHttpClients client) throws Exception {
    long seed = System.nanoTime();
    System.out.println("EarlyAnswersTest " + client + " seed " + seed);
    List<Refusal> refusals = refusals(new Random(seed), client != RealHttpClients.NODE);
    URI base = capture.uri("/");

    List<RealHttpClients.Response> responses = client.send(base, refusals.stream().map(Refusal::request).toList(), dir.resolve("client"));

    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < refusals.size(); i++) {
      String problem = problem(refusals.get(i), responses.get(i));
      if (problem != null) wrong.add("request " + i + " " + describe(refusals.get(i).request()) + ": " + problem);
    }
    assertThat(wrong).as("answers not received as sent (seed " + seed + ")").isEmpty();
    assertThat(capture.stored()).as("nothing stored for refused requests").isEmpty();
    assertStillTakesEvents();
  }

  /** Past the bound of bytes dropped after a refusal the server closes: a client cannot make it read forever. */
  @Test
  void aClientThatNeverStopsSendingGetsTheAnswerAndIsCutOff() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", capture.server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer "
          + CaptureFixture.WEB_KEY + "\r\nContent-Length: 1000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = readAnswer(socket.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 413").contains("Connection: close").contains("Content-Length 1000000000 is " + SIZE_ERROR);
      long sent = EndlessBody.sendUntilClosed(out, LIMIT);
      // The socket buffers of both ends, a few MiB, fill before a write fails.
      assertThat(sent).as("bytes sent before the server closed").isLessThan(32L << 20);
    }
    assertStillTakesEvents();
  }

  /** A client that stops sending and waits sees the answer and the end of the connection at once, not at a timeout. */
  @Test
  void aClientWaitingForTheAnswerSeesTheConnectionEnd() throws Exception {
    long started = System.nanoTime();
    String answer = capture.raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer "
        + CaptureFixture.WEB_KEY + "\r\nContent-Length: 5000\r\n\r\n{\"event\":", Duration.ofSeconds(20));
    assertThat(answer).startsWith("HTTP/1.1 413").contains("Connection: close").doesNotContain("<timeout>");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  /** A client that stops mid-body after the answer, without closing, is closed at the request timeout. */
  @Test
  void aClientThatStallsAfterTheAnswerIsClosedAtTheRequestTimeout() throws Exception {
    try (CaptureFixture strict = CaptureFixture.start(dir.resolve("strict"), c -> c.withMaxRequestBytes(LIMIT)
        .withRequestTimeout(Duration.ofMillis(500)), s -> s); Socket socket = new Socket("127.0.0.1", strict.server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
          .getBytes(StandardCharsets.US_ASCII));
      assertThat(readAnswer(socket.getInputStream())).startsWith("HTTP/1.1 413");
      long started = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
        try {
          out.write('x'); // still read and dropped while the server lingers; a reset once it has closed
          return false;
        } catch (java.io.IOException closed) {
          return true;
        }
      });
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(200));
    }
  }

  private void assertStillTakesEvents() throws Exception {
    assertThat(capture.post("{\"event\":\"after\"}", "application/json", "Authorization", "Bearer " + CaptureFixture.WEB_KEY)
        .statusCode()).isEqualTo(200);
    assertThat(capture.postTo("/v1/track", "{\"event\":\"after\",\"userId\":\"u\"}", "application/json",
        "Authorization", "Basic " + Base64.getEncoder().encodeToString((CaptureFixture.WEB_KEY + ":").getBytes(StandardCharsets.UTF_8)))
        .statusCode()).isEqualTo(200);
    assertThat(capture.postTo("/e/", "{\"api_key\":\"" + CaptureFixture.WEB_KEY + "\",\"event\":\"after\",\"distinct_id\":\"u\"}",
        "application/json").statusCode()).isEqualTo(200);
    assertThat(capture.stored()).hasSize(3);
  }

  private static List<Refusal> refusals(Random random, boolean expectContinue) {
    List<Refusal> out = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      // Sizes spread evenly over the orders of magnitude from 1 byte to 10 times the limit.
      int size = (int) Math.round(Math.exp(random.nextDouble() * Math.log(10.0 * LIMIT)));
      boolean chunked = random.nextInt(4) == 0;
      boolean expect = expectContinue && random.nextInt(8) == 0;
      boolean tooBig = size > LIMIT && random.nextBoolean();
      byte[] body = body(random, size);
      out.add(switch (i % 3) {
        case 0 -> events(random, body, tooBig, chunked, expect);
        case 1 -> segment(random, body, tooBig, chunked, expect);
        default -> posthog(random, body, tooBig, chunked, expect);
      });
    }
    return out;
  }

  private static Refusal events(Random random, byte[] body, boolean tooBig, boolean chunked, boolean expect) {
    String bearer = "Bearer " + CaptureFixture.WEB_KEY;
    if (tooBig) return refusal("/v1/events", List.of("Content-Type", "application/json", "Authorization", bearer), body, chunked, expect, 413, SIZE_ERROR);
    return random.nextBoolean()
        ? refusal("/v1/events", List.of("Content-Type", "application/json"), body, chunked, expect, 401, "missing 'Authorization: Bearer <token>' header")
        : refusal("/v1/events", List.of("Content-Type", "text/csv", "Authorization", bearer), body, chunked, expect, 415, "unsupported Content-Type 'text/csv'");
  }

  private static Refusal segment(Random random, byte[] body, boolean tooBig, boolean chunked, boolean expect) {
    String path = random.nextBoolean() ? "/v1/batch" : "/v1/track";
    if (tooBig) return refusal(path, List.of("Content-Type", "application/json"), body, chunked, expect, 400, SIZE_ERROR);
    return random.nextBoolean()
        ? refusal(path, List.of("Content-Type", "application/json", "Authorization", "Basic not*base64"), body, chunked, expect, 401, "not valid Basic auth")
        : refusal(path, List.of("Content-Type", "text/plain", "Content-Encoding", "br"), body, chunked, expect, 400, "unsupported Content-Encoding 'br'");
  }

  private static Refusal posthog(Random random, byte[] body, boolean tooBig, boolean chunked, boolean expect) {
    String path = List.of("/batch/", "/e/", "/i/v0/e/").get(random.nextInt(3));
    if (tooBig) return refusal(path, List.of("Content-Type", "application/json"), body, chunked, expect, 413, SIZE_ERROR);
    return random.nextBoolean()
        ? refusal(path + "?_=yesterday", List.of("Content-Type", "application/json"), body, chunked, expect, 400, "the _ query parameter must be milliseconds")
        : refusal(path, List.of("Content-Type", "application/json", "Content-Encoding", "br"), body, chunked, expect, 400, "unsupported Content-Encoding 'br'");
  }

  private static Refusal refusal(String path, List<String> headers, byte[] body, boolean chunked, boolean expect, int status, String error) {
    return new Refusal(new RealHttpClients.Request("POST", path, headers, body, chunked, expect), status, error);
  }

  /** JSON-looking bytes, as clients send, but never a valid request: every one is refused before it is parsed. */
  private static byte[] body(Random random, int size) {
    byte[] bytes = new byte[size];
    byte[] alphabet = "{\"event\":\"e\",\"pad\":\"abcdefghijklmnopqrstuvwxyz0123456789\"}\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < size; i++) bytes[i] = alphabet[random.nextInt(alphabet.length)];
    return bytes;
  }

  private static String problem(Refusal expected, RealHttpClients.Response got) {
    if (got.status() != expected.status()) return "status " + got.status() + " (expected " + expected.status() + "): " + got.body();
    JsonNode json;
    try {
      json = CaptureFixture.JSON.readTree(got.body());
    } catch (java.io.IOException e) {
      return "the body is not JSON: " + got.body();
    }
    if (!json.toString().contains(expected.error())) return "the error does not say '" + expected.error() + "': " + json;
    boolean bodyOverLimit = expected.request().body().length > LIMIT;
    if (bodyOverLimit && expected.status() != 401 && !"close".equalsIgnoreCase(got.connection())
        && expected.error().equals(SIZE_ERROR)) {
      return "an answer before a body over the limit must say Connection: close, said '" + got.connection() + "'";
    }
    return null;
  }

  private static String describe(RealHttpClients.Request r) {
    return r.pathAndQuery() + " " + r.headers() + " " + r.body().length + " bytes" + (r.chunked() ? " chunked" : "")
        + (r.expectContinue() ? " expecting 100-continue" : "");
  }

  /** Reads one answer: its head, then as many bytes as its Content-Length says. */
  private static String readAnswer(InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new java.io.EOFException("the connection ended within the answer's head: " + head);
      head.append((char) b);
    }
    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    if (!length.find()) throw new AssertionError("an answer without Content-Length: " + head);
    return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
  }
}
