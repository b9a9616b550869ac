package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.testkit.PostgresExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code journal} and {@code bus --kafka} against a broker that requires SASL/SCRAM, as MSK or
 * Confluent Cloud do, with the credentials in a Kafka properties file rather than on the command line.
 */
class SaslKafkaTest {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  private static final String SECRET = "scram-secret-71";
  @TempDir static Path brokerDir;
  private static KafkaBroker broker;

  @TempDir Path dir;

  @BeforeAll
  static void startBrokerThatRequiresScram() {
    broker = KafkaBroker.startWithScram(brokerDir.resolve("kafka"), "alice", SECRET);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private Path clientProperties(String password) throws Exception {
    Path file = dir.resolve(password.equals(SECRET) ? "client.properties" : "client-wrong.properties");
    Files.writeString(file, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\""
        + password + "\";\n");
    return file;
  }


  @Test
  void theJournalAppendsAndReadsThroughScramWithTheCredentialsFromAFile() throws Exception {
    String db = postgres.createDatabase();
    String[] target = {"--kafka", broker.saslBootstrapServers(), "--postgres", db, "--id", "cart-1", "--topic", "journal-sasl",
        "--kafka-properties-file", clientProperties(SECRET).toString()};
    JournalCommandTest.Result appended = JournalCommandTest.runJournal("{\"payload\":{\"sku\":\"a\"}}\n{\"payload\":{\"sku\":\"b\"}}\n",
        concat("append", target));
    assertThat(appended.exit()).as(appended.err()).isZero();
    JournalCommandTest.Result read = JournalCommandTest.runJournal("", concat("read", target));
    assertThat(read.exit()).as(read.err()).isZero();
    assertThat(read.lines()).containsExactly("{\"seqNr\":1,\"tags\":[],\"payload\":{\"sku\":\"a\"}}",
        "{\"seqNr\":2,\"tags\":[],\"payload\":{\"sku\":\"b\"}}");
    JournalCommandTest.Result printed = JournalCommandTest.runJournal("", concat("read", concat("--print-config", target)));
    assertThat(printed.out()).contains("sasl.jaas.config: \"(hidden)\"   # file " + clientProperties(SECRET))
        .contains("security.protocol: SASL_PLAINTEXT").doesNotContain(SECRET);
  }

  @Test
  void aWrongKafkaPasswordFailsWithExitOneWithoutShowingIt() throws Exception {
    String db = postgres.createDatabase();
    JournalCommandTest.Result r = JournalCommandTest.runJournal("{\"payload\":1}\n", "append", "--kafka", broker.saslBootstrapServers(), "--postgres", db,
        "--id", "cart-2", "--kafka-properties-file", clientProperties("wrong-password-9").toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).containsIgnoringCase("authentication failed").doesNotContain("wrong-password-9");
  }

  @Test
  void theBusServesFromKafkaThroughScram() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (ServeProcess bus = ServeProcess.start(dir.resolve("bus.log"), Map.of(), "bus", "--port", "0",
        "--kafka", broker.saslBootstrapServers(), "--kafka-properties-file", clientProperties(SECRET).toString())) {
      String base = "http://127.0.0.1:" + bus.awaitListeningPort("bus");
      HttpResponse<String> written = http.send(HttpRequest.newBuilder(URI.create(base + "/write?category=orders"))
          .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString("a\nb\n")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(written.statusCode()).as(written.body() + bus.output()).isEqualTo(200);
      HttpResponse<String> chunks = http.send(HttpRequest.newBuilder(URI.create(base + "/listChunks?category=orders"))
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(chunks.body()).as(bus.output()).contains("\"size\":4");
      assertThat(bus.terminate(Duration.ofSeconds(30))).isZero();
      assertThat(bus.output()).doesNotContain(SECRET);
    }
  }

  private static String[] concat(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
