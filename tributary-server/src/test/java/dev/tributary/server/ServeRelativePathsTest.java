package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} with its default, relative data directory, run from a working directory as a user
 * runs it: the lake lands where the README says, and the exactly-once guarantees hold across
 * restarts, resends and SIGKILL (they did not when the relative lake path was applied twice).
 */
class ServeRelativePathsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path work;

  @Test
  void resendingLandedEventsAfterARestartLandsThemOnce() throws Exception {
    List<String> ids = IntStream.range(0, 5).mapToObj(i -> "resent-" + i).toList();
    String log = "";
    for (int run = 1; run <= 2; run++) {
      try (ServeProcess serve = ServeProcess.startIn(work, work.resolve("serve" + run + ".log"), Map.of(), "serve", "--port", "0")) {
        post(serve.awaitListening(), ids.stream().map(id -> event("signup", id)).collect(Collectors.joining()));
        assertThat(serve.terminate(Duration.ofSeconds(60))).as("exit after SIGTERM:\n%s", serve.output()).isZero();
        log = serve.output();
      }
    }
    Map<String, Integer> counts = LakeFiles.eventIdCounts(work.resolve("tributary-data"));
    assertThat(counts).as("the resend after the restart, dropped").hasSize(5);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).as("rows in the lake").isEqualTo(5);
    assertThat(lakeFiles()).isNotEmpty().allMatch(f -> work.relativize(f).toString().matches(
        "tributary-data/lake/events/event_type=signup/dt=[0-9-]{10}/hour=\\d\\d/part-\\d+-\\d+\\.ndjson\\.gz"));
    assertThat(log).as("the log names the absolute lake").contains("lake sink writing " + work.resolve("tributary-data/lake/events"));
  }

  /**
   * A "rare" event at offset 10 opens a file that stays open (60 s roll age), so the spool cursor
   * is not acknowledged past offset 9, while the "common" events complete small files, the
   * first of which spans offsets below and above 10. After SIGKILL the restart reads again from
   * offset 10, where no file boundary of the first run lies: only the completed files (the
   * replay check and the event_ids in them) keep their events from landing twice.
   */
  @Test
  void killedAndRestartedItLandsEveryEventExactlyOnce() throws Exception {
    int n = 200;
    Map<String, String> smallFiles = Map.of("TRIBUTARY_LAKE_ROLL_BYTES", "4KiB");
    try (ServeProcess serve = ServeProcess.startIn(work, work.resolve("serve1.log"), smallFiles, "serve", "--port", "0")) {
      int port = serve.awaitListening();
      post(port, events("common", 0, 10));
      post(port, event("rare", "e-10"));  // a file of about 20 common events completes across it
      for (int from = 11; from < n; from += 50) post(port, events("common", from, Math.min(n, from + 50)));
      Awaitility.await("completed files of the common events").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> lakeFiles().size() >= 3);
      serve.kill();
    }
    String restart;
    try (ServeProcess serve = ServeProcess.startIn(work, work.resolve("serve2.log"), smallFiles, "serve", "--port", "0")) {
      serve.awaitListening();
      assertThat(serve.terminate(Duration.ofSeconds(60))).as("exit after SIGTERM:\n%s", serve.output()).isZero();
      restart = serve.output();
    }
    Map<String, Integer> counts = LakeFiles.eventIdCounts(work.resolve("tributary-data"));
    assertThat(counts).as("every event once").hasSize(n);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).as("rows in the lake, files %s", lakeFiles()).isEqualTo(n);
    assertRestartReadTheLake(restart + "\nfiles " + lakeFiles());
  }

  /** The restart's dedup rebuild found the landed files (it found "0 lake files" when the path was doubled). */
  private static void assertRestartReadTheLake(String log) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("dedup window rebuilt from (\\d+) lake files").matcher(log);
    assertThat(m.find()).as("dedup rebuild logged:\n%s", log).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as("lake files the restart found").isPositive();
  }

  private List<Path> lakeFiles() throws IOException {
    return LakeFiles.completed(work.resolve("tributary-data"));
  }

  private static String events(String type, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> event(type, "e-" + i)).collect(Collectors.joining());
  }

  private static String event(String type, String id) {
    return "{\"event\":\"" + type + "\",\"event_id\":\"" + id + "\",\"distinct_id\":\"u1\",\"pad\":\"" + "x".repeat(60) + "\"}\n";
  }

  private static void post(int port, String ndjson) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }
}
