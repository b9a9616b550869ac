package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The log lines of a real {@code serve} as a collector reads them: text with a dated, zoned time, or JSON objects. */
class LogFormatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void textLinesStartWithAnIsoTimeAndZone() throws Exception {
    List<String> lines = serveLogLines(Map.of());
    assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line)
        .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) (TRACE|DEBUG|INFO |WARN |ERROR) .*"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"flag, --log-format=json, ''", "variable, '', json", "flag over variable, --log-format=JSON, text"})
  void jsonLinesAreObjectsWithTheFormattedMessage(String how, String flag, String variable) throws Exception {
    List<String> lines = serveLogLines(variable.isEmpty() ? Map.of() : Map.of("TRIBUTARY_LOG_FORMAT", variable), flag);
    List<JsonNode> entries = new ArrayList<>();
    for (String line : lines) entries.add(JSON.readTree(line));
    assertThat(entries).isNotEmpty().allSatisfy(e -> {
      assertThat(e.path("timestamp").isNumber()).as("epoch millis in %s", e).isTrue();
      assertThat(e.path("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
      assertThat(e.path("loggerName").asText()).isNotBlank();
    });
    assertThat(entries).extracting(e -> e.path("formattedMessage").asText())
        .anyMatch(m -> m.startsWith("tributary serve: listening on http://127.0.0.1:"))
        .anyMatch(m -> m.contains(dir.resolve("data").toString()));
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource({"'--log-format=xml', '', --log-format: unknown log format 'xml'; use text or json",
      "'', yaml, TRIBUTARY_LOG_FORMAT: unknown log format 'yaml'; use text or json"})
  void anUnknownFormatIsAUsageErrorAndStartsNothing(String flag, String variable, String message) throws Exception {
    Path log = dir.resolve("bad.log");
    List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--data-dir", dir.resolve("data").toString()));
    if (!flag.isEmpty()) args.add(flag);
    Map<String, String> env = variable.isEmpty() ? Map.of() : Map.of("TRIBUTARY_LOG_FORMAT", variable);
    assertThat(ServeProcess.run(log, env, args.toArray(String[]::new))).as(Files.readString(log)).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(log)).contains("tributary: " + message);
    assertThat(dir.resolve("data")).doesNotExist();
  }

  /** Starts serve, waits for it to listen, stops it with SIGTERM and returns every line it logged. */
  private List<String> serveLogLines(Map<String, String> env, String... extra) throws Exception {
    Path log = dir.resolve("serve.log");
    List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--data-dir", dir.resolve("data").toString()));
    for (String arg : extra) if (!arg.isEmpty()) args.add(arg);
    try (ServeProcess serve = ServeProcess.start(log, env, args.toArray(String[]::new))) {
      Awaitility.await("serve listening (" + log + ")").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            if (!serve.alive()) throw new AssertionError("serve exited:\n" + serve.output());
            return serve.output().contains("listening on");
          });
      assertThat(serve.terminate(Duration.ofSeconds(30))).as("exit code after SIGTERM").isZero();
    }
    return Files.readAllLines(log).stream().filter(line -> !line.isBlank()).toList();
  }
}
