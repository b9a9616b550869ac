package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tributary send}: posts NDJSON events to a capture server in batches. Events without an
 * {@code event_id} get one here, so that a batch retried after a lost answer lands once.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Post NDJSON events (one JSON object per line) from a file or stdin to a capture server, in batches.",
        "Batches answered 429/503 or lost to a connection error are retried with the same event_ids."})
final class SendCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ATTEMPTS = 8;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "0..1", description = "NDJSON file; stdin when absent or '-'")
  String file;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = {"capture server base URL", "(default ${DEFAULT-VALUE})"})
  URI url;

  @Option(names = "--token", description = "bearer token, when the server has a tokens file")
  String token;

  @Option(names = "--batch", defaultValue = "500", description = "events per request (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--max-batch-bytes", defaultValue = "3000000", description = "bytes per request at most (default: ${DEFAULT-VALUE}; the server's limit is 4 MiB)")
  int maxBatchBytes;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private long accepted;
  private long rejected;
  private long lines;
  private final List<String> errors = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batchSize);
    boolean stdin = file == null || file.equals("-");
    long totalBytes = stdin ? -1 : Files.size(Path.of(file));
    Progress progress = new Progress(spec.commandLine().getErr(), totalBytes);
    long started = System.nanoTime();
    try (InputStream in = stdin ? System.in : Files.newInputStream(Path.of(file));
         BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      StringBuilder body = new StringBuilder();
      int inBatch = 0;
      long bytesRead = 0;
      String line;
      while ((line = reader.readLine()) != null) {
        bytesRead += line.length() + 1;
        lines++;
        if (line.isBlank()) continue;
        String event = withEventId(line);
        if (inBatch > 0 && (inBatch == batchSize || body.length() + event.length() + 1 > maxBatchBytes)) {
          post(body.toString(), inBatch);
          body.setLength(0);
          inBatch = 0;
          progress.update(bytesRead, accepted);
        }
        body.append(event).append('\n');
        inBatch++;
      }
      if (inBatch > 0) post(body.toString(), inBatch);
      progress.done(accepted);
    }
    summarize(System.nanoTime() - started);
    return rejected == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** Adds an event_id to an event that has none; leaves lines that are not JSON objects to the server to judge. */
  private static String withEventId(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      if (node instanceof ObjectNode object && !object.has("event_id")) {
        object.put("event_id", UUID.randomUUID().toString());
        return JSON.writeValueAsString(object);
      }
    } catch (IOException e) {
      // not JSON: the server answers 400 with the line and column
    }
    return line;
  }

  private void post(String body, int events) throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve("/v1/events"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) request.header("Authorization", "Bearer " + token);
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 200) {
          accepted += JSON.readTree(response.body()).path("accepted").asLong(events);
          return;
        }
        if ((status == 429 || status == 503) && attempt < MAX_ATTEMPTS) {
          Thread.sleep(retryDelay(response, attempt).toMillis());
          continue;
        }
        reject(events, "HTTP " + status + ": " + response.body().strip());
        return;
      } catch (IOException e) {
        if (attempt >= MAX_ATTEMPTS) {
          reject(events, "gave up after " + attempt + " attempts: " + e);
          return;
        }
        Thread.sleep(backoff(attempt).toMillis());
      }
    }
  }

  private static Duration retryDelay(HttpResponse<?> response, int attempt) {
    return response.headers().firstValue("Retry-After")
        .map(v -> {
          try {
            return Duration.ofSeconds(Math.min(30, Long.parseLong(v.trim())));
          } catch (NumberFormatException e) {
            return backoff(attempt);
          }
        })
        .orElse(backoff(attempt));
  }

  private static Duration backoff(int attempt) {
    return Duration.ofMillis(Math.min(10_000, 100L << Math.min(attempt, 7)));
  }

  private void reject(int events, String why) {
    rejected += events;
    if (errors.size() < 10) errors.add(why);
  }

  private void summarize(long nanos) {
    PrintWriter out = spec.commandLine().getOut();
    double seconds = nanos / 1e9;
    out.printf("sent %d lines: %d events accepted, %d rejected, in %.1f s (%.0f events/s)%n",
        lines, accepted, rejected, seconds, accepted / Math.max(seconds, 1e-9));
    errors.forEach(e -> out.println("  rejected: " + e));
  }

  /** A one-line progress bar on stderr, shown for inputs of a megabyte or more when stderr is a terminal. */
  private static final class Progress {
    private final PrintWriter err;
    private final long total;
    private final boolean shown;
    private long lastDraw;

    Progress(PrintWriter err, long total) {
      this.err = err;
      this.total = total;
      this.shown = System.console() != null && (total < 0 || total >= 1 << 20);
    }

    void update(long bytes, long accepted) {
      if (!shown || System.nanoTime() - lastDraw < 200_000_000L) return;
      lastDraw = System.nanoTime();
      if (total > 0) {
        int pct = (int) (100 * bytes / total);
        String bar = "#".repeat(pct / 4) + ".".repeat(25 - pct / 4);
        err.printf("\r[%s] %3d%%  %d events accepted", bar, pct, accepted);
      } else {
        err.printf("\r%d events accepted", accepted);
      }
      err.flush();
    }

    void done(long accepted) {
      if (shown) {
        err.printf("\r%d events accepted%s%n", accepted, " ".repeat(30));
        err.flush();
      }
    }
  }
}
