package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tributary bench capture} as a user runs it, against a real HTTP server on loopback that answers at once. */
class BenchCommandTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void aLoadShowsItsProgressOnStderrWhileStdoutKeepsOnlyTheResultTable() {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().end("{\"accepted\":1}"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cli = new CommandLine(new BenchCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("capture", "--url", "http://127.0.0.1:" + server.actualPort() + "/v1/events", "--rate", "200",
        "--duration", "1", "--warmup", "0", "--event-bytes", "200", "--progress-interval-ms", "100");

    System.out.print(out);
    System.out.print(err);
    assertThat(exit).isZero();
    assertThat(out.toString()).startsWith("target    http://127.0.0.1:").contains("answered  200 ok of 200 due")
        .doesNotContain("tributary bench");
    List<String> lines = err.toString().lines().toList();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
    Pattern reading = Pattern.compile("tributary bench capture at 200 req/s: (\\d+) / 200 requests \\((\\d+)%\\), [\\d,]+ requests/s"
        + "(, ETA \\S+|, in \\d+\\.\\d s)?; (\\d+) answered 2xx, 0 errors, p99 (-|\\d+\\.\\d ms) since the last line");
    long last = 0;
    for (String line : lines) {
      Matcher m = reading.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      long scheduled = Long.parseLong(m.group(1));
      assertThat(scheduled).isBetween(last, 200L);
      assertThat(Long.parseLong(m.group(4))).isLessThanOrEqualTo(scheduled);
      last = scheduled;
    }
    assertThat(lines.getLast()).contains("200 / 200 requests (100%)", "200 answered 2xx");
  }
}
