package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.http.TokensFile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bus with a tokens file, over real loopback HTTP: who may write, read and acknowledge which category. */
class BusAuthTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String PRODUCER = "producer-token-0001";   // write orders.*
  private static final String CONSUMER = "consumer-token-0001";   // read and ack orders.*
  private static final String READER = "reader-token-000001";     // read *, no ack
  private static final String ADMIN = "admin-token-0000001";      // everything
  private static final String CAPTURE_ONLY = "capture-only-token1"; // no bus section
  private static final String CHUNK = "node1-chunk000000000";

  @TempDir Path dir;
  private Path data;
  private TokensFile tokens;
  private PrometheusMeterRegistry registry;
  private LocalBus bus;
  private BusServer server;

  @BeforeEach
  void start() throws Exception {
    data = Files.createDirectories(dir.resolve("data"));
    tokens = TokensFile.load(Files.writeString(dir.resolve("tokens.yaml"), """
        apps:
          producer:
            tokens: ["%s"]
            bus: {write: ["orders.*"]}
          consumer:
            tokens: ["%s"]
            bus: {read: ["orders.*"], ack: ["orders.*"]}
          reader:
            tokens: ["%s"]
            bus: {read: ["*"]}
          admin:
            tokens: ["%s"]
            bus: {write: ["*"], read: ["*"], ack: ["*"]}
          web:
            tokens: ["%s"]
        """.formatted(PRODUCER, CONSUMER, READER, ADMIN, CAPTURE_ONLY)));
    open();
  }

  private void open() throws IOException {
    bus = LocalBus.open(BusConfig.defaults(data, "node1"));
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    server = BusServer.start(bus, "127.0.0.1", 0, registry, tokens);
  }

  /** Every chunk is complete after a restart, so it can be acknowledged. */
  private void restart() throws IOException {
    stop();
    open();
  }

  @AfterEach
  void stop() {
    server.close();
    bus.close();
  }

  private HttpResponse<String> send(String token, String pathAndQuery, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery));
    if (token != null) request.header("Authorization", "Bearer " + token);
    request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String token, String pathAndQuery) throws Exception {
    return send(token, pathAndQuery, null);
  }

  /** The category directories on disk, beside the bus's lock file. */
  private List<String> categoryDirs() throws IOException {
    try (Stream<Path> entries = Files.list(data)) {
      return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    }
  }

  private String chunkBytes() throws IOException {
    return Files.readString(data.resolve("orders.eu").resolve(CHUNK));
  }

  @Test
  void withoutATokenOrWithAnUnknownOneEveryOperationIs401AndNothingIsStored() throws Exception {
    for (String path : new String[] {"/listCategories", "/listChunks?category=orders.eu", "/ack?category=orders.eu&chunk=" + CHUNK + "&size=1",
        "/read?category=orders.eu&chunk=" + CHUNK + "&off=0&max_size=100"}) {
      HttpResponse<String> missing = get(null, path);
      assertThat(missing.statusCode()).as(path).isEqualTo(401);
      assertThat(missing.body()).contains("missing token", "Authorization: Bearer", "token=");
      assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }
    assertThat(send(null, "/write?category=orders.eu", "a\n").statusCode()).isEqualTo(401);
    HttpResponse<String> unknown = send("not-a-token-of-the-file", "/write?category=orders.eu", "a\n");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(unknown.body()).isEqualTo("unknown token\n");
    HttpResponse<String> scheme = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/listCategories"))
        .header("Authorization", "Digest " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(scheme.statusCode()).isEqualTo(401);
    assertThat(scheme.body()).contains("unsupported Authorization scheme").doesNotContain(ADMIN);

    assertThat(categoryDirs()).isEmpty();
    assertThat(get(ADMIN, "/listCategories").body()).isEqualTo("[]");
  }

  @Test
  void aTokenWithoutReadRightsGets403OnReadAndListChunksAndNothingChanges() throws Exception {
    assertThat(send(PRODUCER, "/write?category=orders.eu", "one\ntwo\n").statusCode()).isEqualTo(200);
    restart();
    String chunksBefore = get(CONSUMER, "/listChunks?category=orders.eu&reader=r1").body();
    assertThat(chunksBefore).isEqualTo("[{\"name\":\"" + CHUNK + "\",\"complete\":true,\"size\":8}]");

    for (String token : new String[] {PRODUCER, CAPTURE_ONLY}) {
      HttpResponse<String> read = get(token, "/read?category=orders.eu&chunk=" + CHUNK + "&off=0&max_size=100&reader=r1");
      assertThat(read.statusCode()).isEqualTo(403);
      assertThat(read.body()).doesNotContain("one", token);
      HttpResponse<String> list = get(token, "/listChunks?category=orders.eu&reader=r1");
      assertThat(list.statusCode()).isEqualTo(403);
      assertThat(list.body()).doesNotContain(CHUNK, token);
    }
    assertThat(get(PRODUCER, "/listChunks?category=orders.eu").body()).isEqualTo("app 'producer' may not read category 'orders.eu'\n");
    assertThat(get(CAPTURE_ONLY, "/listChunks?category=orders.eu").body())
        .isEqualTo("app 'web' has no bus rights: its entry in the tokens file has no 'bus' section\n");

    assertThat(get(CONSUMER, "/listChunks?category=orders.eu&reader=r1").body()).isEqualTo(chunksBefore);
    assertThat(chunkBytes()).isEqualTo("one\ntwo\n");
    HttpResponse<String> allowed = get(CONSUMER, "/read?category=orders.eu&chunk=" + CHUNK + "&off=0&max_size=100&reader=r1");
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("one\ntwo\n");
  }

  @Test
  void aTokenWithoutTheWriteRightForTheCategoryGets403AndNothingIsStored() throws Exception {
    assertThat(send(PRODUCER, "/write?category=orders.eu", "one\n").statusCode()).isEqualTo(200);

    HttpResponse<String> consumer = send(CONSUMER, "/write?category=orders.eu", "forged\n");
    assertThat(consumer.statusCode()).isEqualTo(403);
    assertThat(consumer.body()).isEqualTo("app 'consumer' may not write category 'orders.eu'\n");
    // orders.* covers orders.eu but neither orders nor clicks
    assertThat(send(PRODUCER, "/write?category=orders", "x\n").statusCode()).isEqualTo(403);
    assertThat(send(PRODUCER, "/write?category=clicks", "x\n").statusCode()).isEqualTo(403);
    // a body far larger than a refused write's answer is read and dropped, so the client reads the 403
    HttpResponse<String> big = send(CONSUMER, "/write?category=orders.eu", "m\n".repeat(2 << 20));
    assertThat(big.statusCode()).isEqualTo(403);

    assertThat(chunkBytes()).isEqualTo("one\n");
    assertThat(categoryDirs()).containsExactly("orders.eu");
    assertThat(get(ADMIN, "/listCategories").body()).isEqualTo("[\"orders.eu\"]");
  }

  @Test
  void aTokenWithoutTheAckRightGets403AndTheChunkStays() throws Exception {
    send(PRODUCER, "/write?category=orders.eu", "one\n");
    restart();
    assertThat(get(READER, "/read?category=orders.eu&chunk=" + CHUNK + "&off=0&max_size=100").body()).isEqualTo("one\n");

    HttpResponse<String> ack = get(READER, "/ack?category=orders.eu&chunk=" + CHUNK + "&size=4");
    assertThat(ack.statusCode()).isEqualTo(403);
    assertThat(ack.body()).isEqualTo("app 'reader' may not ack category 'orders.eu'\n");
    assertThat(send(PRODUCER, "/ack?category=orders.eu&chunk=" + CHUNK + "&size=4", "").statusCode()).isEqualTo(403);
    assertThat(chunkBytes()).isEqualTo("one\n");
    assertThat(get(READER, "/listChunks?category=orders.eu").body()).contains(CHUNK);

    assertThat(get(CONSUMER, "/ack?category=orders.eu&chunk=" + CHUNK + "&size=4").statusCode()).isEqualTo(200);
    assertThat(data.resolve("orders.eu").resolve(CHUNK)).doesNotExist();
  }

  @Test
  void theTokenMayComeAsAQueryParameterOrAsBasicAuthAsChukchasGoClientSendsIt() throws Exception {
    assertThat(get(null, "/write?category=orders.eu").statusCode()).isEqualTo(401);
    HttpResponse<String> query = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/write?category=orders.eu&token=" + PRODUCER)).POST(HttpRequest.BodyPublishers.ofString("q\n")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(query.statusCode()).isEqualTo(200);
    String basic = "Basic " + Base64.getEncoder().encodeToString(("bus:" + READER).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> read = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/read?category=orders.eu&chunk=" + CHUNK + "&off=0&max_size=100")).header("Authorization", basic).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).isEqualTo("q\n");
    assertThat(get(null, "/read?category=orders.eu&chunk=" + CHUNK + "&off=0&max_size=100&token=" + PRODUCER).statusCode()).isEqualTo(403);
  }

  @Test
  void theJavaClientSendsItsToken() throws Exception {
    URI node = URI.create("http://127.0.0.1:" + server.port());
    assertThatThrownBy(() -> new BusClient(List.of(node)).send("orders.eu", "a\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class).hasMessageContaining("http code 401");
    new BusClient(List.of(node)).token(PRODUCER).send("orders.eu", "b\n".getBytes(StandardCharsets.UTF_8));
    StringBuilder read = new StringBuilder();
    assertThat(new BusClient(List.of(node)).token(CONSUMER).process("orders.eu", bytes -> read.append(new String(bytes, StandardCharsets.UTF_8))))
        .isTrue();
    assertThat(read.toString()).isEqualTo("b\n");
  }

  @Test
  void listCategoriesShowsOnlyTheCategoriesTheAppHoldsARightOn() throws Exception {
    for (String category : new String[] {"orders.eu", "orders", "clicks"}) {
      assertThat(send(ADMIN, "/write?category=" + category, "x\n").statusCode()).isEqualTo(200);
    }
    assertThat(get(ADMIN, "/listCategories").body()).isEqualTo("[\"clicks\",\"orders\",\"orders.eu\"]");
    assertThat(get(CONSUMER, "/listCategories").body()).isEqualTo("[\"orders.eu\"]");
    assertThat(get(PRODUCER, "/listCategories").body()).isEqualTo("[\"orders.eu\"]");
    assertThat(get(CAPTURE_ONLY, "/listCategories").statusCode()).isEqualTo(403);
  }

  @Test
  void statusPathsStayOpenAndCountRefusals() throws Exception {
    get(null, "/listCategories");
    get(PRODUCER, "/listChunks?category=clicks");
    assertThat(get(null, "/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> metrics = get(null, "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("tributary_bus_requests_total{operation=\"listCategories\",status=\"401\"} 1.0",
        "tributary_bus_requests_total{operation=\"listChunks\",status=\"403\"} 1.0");
  }

  @Test
  void withoutTokensOnlyALoopbackAddressIsAccepted() {
    assertThatThrownBy(() -> BusServer.start(bus, "0.0.0.0", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refusing to listen on 0.0.0.0 without auth").hasMessageContaining("--tokens-file");
    BusServer.check("0.0.0.0", tokens);
  }
}
