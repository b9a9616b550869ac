package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code /status} page of a real {@code serve --kafka} under steady load, in headless
 * Chromium: its charts draw the samples (each chart says how many points it drew in
 * {@code data-points}), nothing is red while all is well, and once the broker is killed the page
 * says in red that Kafka is unreachable and that the events wait in the spool, while capture stays
 * ready. Screenshots of both go to the test's directory, and also to the directory the system
 * property {@code tributary.screenshots} names (README's are made with
 * {@code -Dtributary.screenshots=$PWD/docs/img}).
 */
class StatusPageBrowserTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  private static final String RED = "rgb(197, 48, 48)";
  private static final String CHART_POINTS =
      "Object.fromEntries([...document.querySelectorAll('figure[data-chart]')].map(f => [f.dataset.chart, Number(f.dataset.points)]))";
  private static final String KAFKA_ALERT = """
      (() => {
        const alert = document.querySelector('.alert[data-alert="kafka"]');
        const chart = document.querySelector('figure[data-chart="Kafka reachable"]');
        return alert && { level: alert.className, text: alert.textContent, border: getComputedStyle(alert).borderLeftColor,
          chartRed: chart !== null && chart.classList.contains('failing'), state: document.getElementById('state').textContent };
      })()""";
  @TempDir Path dir;

  @Test
  void theChartsDrawTheLoadAndAKafkaOutageIsRedWithWhatToDo() throws Exception {
    SteadyClient client;
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0",
            "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "status");
         Chromium chromium = Chromium.start(dir.resolve("browser"))) {
      int port = server.awaitListening();
      client = new SteadyClient(URI.create("http://127.0.0.1:" + port + "/v1/events"), ConcurrentHashMap.newKeySet());
      Thread.ofPlatform().name("steady-client").start(client);
      try (DevToolsTab tab = chromium.tab(URI.create("http://127.0.0.1:" + port + "/status"))) {
        tab.viewport(1280, 1000);
        JsonNode points = Awaitility.await("the charts drawing 20 s of samples under load").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(500)).until(() -> tab.evaluate(CHART_POINTS), p -> p.path("Events per second").asInt() >= 40
                && p.path("Ack latency").asInt() >= 20 && p.path("Spool").asInt() >= 40 && p.path("Kafka reachable").asInt() >= 20);
        System.out.println("StatusPageBrowserTest: points drawn per chart under load: " + points);
        assertThat(tab.evaluate("document.querySelectorAll('.alert.failing, .alert.warning').length").asInt())
            .as("red or amber alerts while all is well (console: %s)", chromium.console()).isZero();
        assertThat(tab.evaluate("document.getElementById('state').textContent").asText()).isEqualTo("ready");
        save(tab.screenshot(), "status-serve.png");

        kafka.firstBroker().kill();
        JsonNode alert = Awaitility.await("the page saying that Kafka is unreachable, with records waiting").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500)).until(() -> tab.evaluate(KAFKA_ALERT),
                a -> a.isObject() && a.path("text").asText().matches(".*\\(([1-9][0-9,]*) records? waiting\\).*"));
        assertThat(alert.path("level").asText()).isEqualTo("alert failing");
        assertThat(alert.path("border").asText()).as("the alert's colour").isEqualTo(RED);
        assertThat(alert.path("chartRed").asBoolean()).as("the Kafka reachable chart marked red").isTrue();
        assertThat(alert.path("text").asText()).contains("Kafka unreachable since", "Events are safe in the spool",
            "Check the brokers at " + kafka.bootstrapServers());
        assertThat(alert.path("state").asText()).as("capture stays ready: the events are durable in the spool").isEqualTo("ready");
        save(tab.screenshot(), "status-kafka-down.png");
      } finally {
        client.stop.set(true);
      }
    }
  }

  /** Writes the screenshot into the test's directory, and into the one {@code tributary.screenshots} names if set. */
  private void save(byte[] png, String name) throws Exception {
    assertThat(png).as("a PNG").startsWith(0x89, 'P', 'N', 'G');
    Files.write(dir.resolve(name), png);
    String wanted = System.getProperty("tributary.screenshots");
    if (wanted != null && !wanted.isBlank()) Files.write(Files.createDirectories(Path.of(wanted)).resolve(name), png);
  }
}
