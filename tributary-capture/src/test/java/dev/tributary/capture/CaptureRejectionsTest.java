package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every refusal answers with its status and a JSON error saying what and where, and stores nothing. */
class CaptureRejectionsTest {

  private static final int MAX_REQUEST = 64 * 1024;
  private static final int MAX_EVENT = 2048;

  @TempDir static Path dir;
  static CaptureFixture capture;

  @BeforeAll
  static void start() throws Exception {
    capture = CaptureFixture.start(dir, c -> c.withMaxRequestBytes(MAX_REQUEST).withMaxEventBytes(MAX_EVENT), s -> s);
  }

  @AfterAll
  static void stop() {
    capture.close();
  }

  static Stream<Arguments> refusals() {
    String ok = "{\"event\":\"ok\"}";
    return Stream.of(
        Arguments.of("malformed JSON", "{\"event\":\"a\",\n  \"x\": tru}", "application/json", 400, "malformed JSON at line 2, column", 2),
        Arguments.of("unterminated array", "[" + ok + ",", "application/json", 400, "malformed JSON at line 1", 1),
        Arguments.of("unclosed object", "{\"event\":\"a\",\n \"n\": 1", "application/json", 400,
            "malformed JSON at line 2, column 8: the object that starts at line 1, column 1 is not closed before the end of the input", 2),
        Arguments.of("unclosed object on an NDJSON line", ok + "\n{\"event\":\"a\"", "application/x-ndjson", 400,
            "the object that starts at line 2, column 1 is not closed", 2),
        Arguments.of("wrong closing bracket", "{\"event\":\"a\",\"xs\":[1,2}", "application/json", 400,
            "'}' where ']' should close the array that starts at line 1, column 19", 1),
        Arguments.of("unclosed string", "{\"event\":\"a", "application/json", 400, "the input ends inside a string", 1),
        Arguments.of("missing event", "{\"type\":\"a\"}", "application/json", 400, "missing required field \"event\"", 1),
        Arguments.of("event not a string", "{\"event\":7}", "application/json", 400, "\"event\" must be a non-empty string, got a number", 1),
        Arguments.of("empty event", "{\"event\":\"\"}", "application/json", 400, "got an empty string", 1),
        Arguments.of("event_id a number", "{\"event\":\"a\",\"event_id\":5}", "application/json", 400, "\"event_id\" must be a string", 1),
        Arguments.of("event_id too long", "{\"event\":\"a\",\"event_id\":\"" + "x".repeat(129) + "\"}", "application/json", 400, "1 to 128 characters, got 129", 1),
        Arguments.of("duplicate field", "{\"event\":\"a\",\"event\":\"b\"}", "application/json", 400, "Duplicate field 'event'", 1),
        // found by EventParserFuzzTest: both were 500s
        Arguments.of("NUL bytes (UTF-16 or UTF-32)", "\u0000{\u0000\"\u0000e\u0000\"\u0000:\u00001\u0000}", "application/json", 400,
            "byte 0 is NUL, not UTF-8 JSON", null),
        Arguments.of("exponent past an int", "[{\"event\":\"a\"},\n{\"event\":\"b\",\"p\":{\"n\":-2e4000000000}}]", "application/json", 400,
            "event 1: the number -2e4000000000 has an exponent out of range (in \"p\")", 2),
        Arguments.of("non-object element, last in the batch", "[" + ok + ",\n" + ok + ",\n\"oops\"]", "application/json", 400, "element 2 of the array is a string", 3),
        Arguments.of("bad event last in the batch", "[" + ok + "," + ok + ",{\"no\":1}]", "application/json", 400, "event 2: missing required field", 1),
        Arguments.of("empty body", "", "application/json", 400, "empty body", null),
        Arguments.of("blank body", " \n ", "application/x-ndjson", 400, "empty body", null),
        Arguments.of("empty array", "[]", "application/json", 400, "empty body", null),
        Arguments.of("a bare number", "42", "application/json", 400, "the body is a number", 1),
        Arguments.of("two objects as application/json", ok + "\n" + ok, "application/json", 400, "after the JSON value", 2),
        Arguments.of("two events on one NDJSON line", ok + "\n" + ok + ok, "application/x-ndjson", 400, "line 2 holds more than one JSON value", 2),
        Arguments.of("array line in NDJSON", ok + "\n[" + ok + "]", "application/x-ndjson", 400, "line 2 is an array", 2),
        Arguments.of("a charset other than UTF-8", "{\"event\":\"\u00ff\"}", "application/json; charset=iso-8859-1", 415, "unsupported charset", null),
        Arguments.of("unknown content type", ok, "text/csv", 415, "unsupported Content-Type 'text/csv'", null),
        Arguments.of("missing content type", ok, null, 415, "missing Content-Type", null),
        Arguments.of("event over the event limit", "{\"event\":\"big\",\"pad\":\"" + "x".repeat(MAX_EVENT) + "\"}", "application/json", 413, "over the limit of 2048 bytes per event", 1),
        Arguments.of("request over the request limit", "[" + ("{\"event\":\"e\",\"pad\":\"" + "x".repeat(1000) + "\"},").repeat(70) + ok + "]",
            "application/json", 413, "over the limit of 65536 bytes", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusedWithAClearErrorAndNothingStored(String name, String body, String contentType, int status, String message, Integer line)
      throws Exception {
    int storedBefore = capture.stored().size();

    HttpResponse<String> response = capture.post(body, contentType);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode error = CaptureFixture.json(response);
    assertThat(error.get("error").asText()).contains(message).doesNotContain("Source:", "REDACTED", "StreamReadFeature", "VALUE_STRING");
    if (line != null) {
      assertThat(error.get("line").asInt()).isEqualTo(line);
      assertThat(error.get("column").asInt()).isPositive();
    }
    assertThat(capture.stored()).hasSize(storedBefore);
    assertThat(capture.post("{\"event\":\"still-up\"}", "application/json").statusCode()).as("the server still answers").isEqualTo(200);
  }

  @Test
  void invalidUtf8IsMalformed() throws Exception {
    int storedBefore = capture.stored().size();
    byte[] body = "{\"event\":\"xx\"}".getBytes(StandardCharsets.UTF_8);
    body[10] = (byte) 0xff;

    HttpResponse<String> response = capture.post(body, "application/json");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(CaptureFixture.json(response).get("error").asText()).contains("malformed JSON").containsIgnoringCase("UTF-8");
    assertThat(capture.stored()).hasSize(storedBefore);
  }

  @Test
  void unsupportedEncodingAndBrokenGzipAreRefused() throws Exception {
    int storedBefore = capture.stored().size();
    HttpResponse<String> brotli = capture.post("{\"event\":\"a\"}", "application/json", "Content-Encoding", "br");
    assertThat(brotli.statusCode()).isEqualTo(415);
    assertThat(CaptureFixture.json(brotli).get("error").asText()).contains("unsupported Content-Encoding 'br'");

    byte[] truncated = Arrays.copyOf(CaptureBodiesTest.gzip("{\"event\":\"a\"}".getBytes(StandardCharsets.UTF_8)), 15);
    HttpResponse<String> broken = capture.post(truncated, "application/json", "Content-Encoding", "gzip");
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(CaptureFixture.json(broken).get("error").asText()).contains("not valid gzip");
    assertThat(capture.stored()).hasSize(storedBefore);
  }

  @Test
  void aGzipBombIsStoppedAtTheLimit() throws Exception {
    byte[] bomb = gzippedZeros(1L << 30);
    assertThat(bomb.length).isLessThan(MAX_REQUEST * 32);
    // The bomb is larger than this server's raw limit; a second server with a 4 MiB limit takes it in.
    try (CaptureFixture roomy = CaptureFixture.start(dir.resolve("roomy"), c -> c, s -> s)) {
      long allocatedBefore = allocatedByAllThreads();
      HttpResponse<String> response = roomy.post(bomb, "application/json", "Content-Encoding", "gzip");

      assertThat(response.statusCode()).isEqualTo(413);
      assertThat(CaptureFixture.json(response).get("error").asText()).contains("inflates to more than the limit of 4194304 bytes");
      assertThat(allocatedByAllThreads() - allocatedBefore).as("bytes allocated while refusing a 1 GiB bomb").isLessThan(256L << 20);
      assertThat(roomy.stored()).isEmpty();
      assertThat(roomy.post("{\"event\":\"after-bomb\"}", "application/json").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void anOversizedContentLengthIsRefusedBeforeTheBodyIsRead() throws Exception {
    int storedBefore = capture.stored().size();
    String answer = capture.raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: 10000000000\r\n\r\n{\"event\":", Duration.ofSeconds(10));

    assertThat(answer).startsWith("HTTP/1.1 413").contains("Content-Length 10000000000 is over the limit of 65536 bytes");
    assertThat(capture.stored()).hasSize(storedBefore);
  }

  @Test
  void aChunkedBodyOverTheLimitIsCutOff() throws Exception {
    int storedBefore = capture.stored().size();
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", capture.server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[16 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      try {
        for (int i = 0; i < 64; i++) { // 1 MiB, far past the limit: the server stops reading and closes
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
      } catch (IOException closedByServer) {
        // expected once the server has dropped a request's worth
      }
      assertThat(CaptureFixture.readUntilClosed(socket.getInputStream())).startsWith("HTTP/1.1 413");
    }
    assertThat(capture.stored()).hasSize(storedBefore);
  }

  /** Bytes every live thread has allocated so far: inflating the bomb in memory would add over 1 GiB. */
  private static long allocatedByAllThreads() {
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    return Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds())).filter(b -> b > 0).sum();
  }

  private static byte[] gzippedZeros(long size) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < size; written += zeros.length) gz.write(zeros);
    }
    return out.toByteArray();
  }

}
