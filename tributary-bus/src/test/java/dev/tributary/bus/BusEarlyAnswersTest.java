package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.EndlessBody;
import dev.tributary.testkit.RealHttpClients;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Writes refused before their body is read (a bad category, a body over the limit) reach real
 * clients that are still sending: Java's HttpClient, curl and Node's fetch each send 200 of them
 * over kept-alive connections, with bodies of 1 byte to 10 times the limit, sized, chunked or
 * asking to continue, and each gets its status and Chukcha's plain-text error. Nothing is written
 * and the bus still takes writes afterwards.
 */
class BusEarlyAnswersTest {

  private static final int LIMIT = 1024;
  private static final int REQUESTS = 200;

  @TempDir Path dir;
  private LocalBus bus;
  private BusServer server;

  @BeforeEach
  void start() throws Exception {
    bus = LocalBus.open(BusConfig.defaults(dir.resolve("data"), "node1"));
    server = BusServer.start(bus, "127.0.0.1", 0, LIMIT);
  }

  @AfterEach
  void stop() {
    server.close();
    bus.close();
  }

  record Refusal(RealHttpClients.Request request, int status, String error) {}

  @ParameterizedTest
  @EnumSource(RealHttpClients.class)
  void everyClientReadsEveryEarlyAnswer(RealHttpClients client) throws Exception {
    long seed = System.nanoTime();
    System.out.println("BusEarlyAnswersTest " + client + " seed " + seed);
    List<Refusal> refusals = refusals(new Random(seed), client != RealHttpClients.NODE);

    List<RealHttpClients.Response> responses = client.send(base(), refusals.stream().map(Refusal::request).toList(), dir.resolve("client"));

    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < refusals.size(); i++) {
      Refusal expected = refusals.get(i);
      RealHttpClients.Response got = responses.get(i);
      RealHttpClients.Request r = expected.request();
      String what = "request " + i + " " + r.pathAndQuery() + " " + r.body().length + " bytes" + (r.chunked() ? " chunked" : "")
          + (r.expectContinue() ? " expecting 100-continue" : "") + ": ";
      if (got.status() != expected.status() || !got.body().contains(expected.error())) {
        wrong.add(what + got.status() + " " + got.body().strip() + " (expected " + expected.status() + " saying '" + expected.error() + "')");
      } else if (r.body().length > LIMIT && !r.chunked() && !"close".equalsIgnoreCase(got.connection())) {
        wrong.add(what + "an answer before a body over the limit must say Connection: close, said '" + got.connection() + "'");
      }
    }
    assertThat(wrong).as("answers not received as sent (seed " + seed + ")").isEmpty();
    assertThat(bus.listCategories()).as("nothing written for refused writes").isEmpty();
    assertStillTakesWrites();
  }

  /** Past the bound of bytes dropped after a refusal the bus closes: a client cannot make it read forever. */
  @Test
  void aClientThatNeverStopsSendingIsCutOff() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write("POST /write?category=events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      long sent = EndlessBody.sendUntilClosed(out, LIMIT);
      // The socket buffers of both ends, a few MiB, fill before a write fails.
      assertThat(sent).as("bytes sent before the bus closed").isLessThan(32L << 20);
    }
    assertStillTakesWrites();
  }

  /**
   * A client asking to continue is invited as soon as the headers pass (the refusals above get
   * their answer instead): one that waits out its own timeout and sends anyway races its stale
   * wait for the interim answer against the real one (Java's HttpClient then read a 413's body
   * as a status line).
   */
  @Test
  void aWriteExpectingToContinueIsInvited() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /write?category=invited HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(in.readLine()).as("the interim answer, before any byte of the body").isEqualTo("HTTP/1.1 100 Continue");
      assertThat(in.readLine()).isEmpty();
      out.write("one\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(in.readLine()).as("the answer once the body is written").isEqualTo("HTTP/1.1 200 OK");
    }
    assertThat(bus.listCategories()).containsExactly("invited");
  }

  private void assertStillTakesWrites() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> write = http.send(HttpRequest.newBuilder(base().resolve("/write?category=after"))
        .POST(HttpRequest.BodyPublishers.ofString("one\n")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
    assertThat(bus.listCategories()).containsExactly("after");
    try (Stream<Path> chunks = Files.list(dir.resolve("data/after"))) {
      assertThat(chunks.mapToLong(p -> p.toFile().length()).sum()).isEqualTo(4);
    }
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.port() + "/");
  }

  private static List<Refusal> refusals(Random random, boolean expectContinue) {
    List<Refusal> out = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      int size = (int) Math.round(Math.exp(random.nextDouble() * Math.log(10.0 * LIMIT)));
      boolean chunked = random.nextInt(4) == 0;
      boolean expect = expectContinue && random.nextInt(8) == 0;
      byte[] body = new byte[size];
      for (int b = 0; b < size; b++) body[b] = (byte) (b % 32 == 31 ? '\n' : 'a' + random.nextInt(26));
      String path;
      int status;
      String error;
      if (size > LIMIT && random.nextBoolean()) {
        path = "/write?category=events";
        status = 413;
        error = chunked ? "body is larger than the maximum of " + LIMIT + " bytes" : "body of " + size + " bytes is larger than the maximum of " + LIMIT + " bytes";
      } else if (random.nextBoolean()) {
        path = "/write?category=..%2Fescape";
        status = 400;
        error = "bad `category` parameter '../escape'";
      } else {
        path = "/write";
        status = 400;
        error = "bad `category` parameter: a category name must be provided";
      }
      out.add(new Refusal(new RealHttpClients.Request("POST", path, List.of(), body, chunked, expect), status, error));
    }
    return out;
  }
}
