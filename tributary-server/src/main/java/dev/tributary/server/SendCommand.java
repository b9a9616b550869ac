package dev.tributary.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.capture.EventLine;
import dev.tributary.spool.ProgressLine;
import dev.tributary.spool.Quantity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tributary send}: posts NDJSON events to a capture server in batches. Each line is checked
 * by capture's own rules before it is sent, so a bad line is reported by its line number and
 * skipped instead of costing the whole batch it would have gone in. Events without an
 * {@code event_id} get one derived from the file and the line, so that a batch retried after a
 * lost answer, and a whole re-run of the same file, land once.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Post NDJSON events (one JSON object per line) from a file or stdin to a capture server, in batches.",
        "Each line is checked first: a bad line is reported with its line number and skipped, the rest are sent, and the exit code is 1.",
        "An event without an event_id gets one made from the file's path, the line number and the line, so sending the same file",
        "again lands nothing twice (from stdin the ids are random: a re-run lands again).",
        "Batches answered 429/503 or lost to a connection error are retried with the same event_ids.",
        "A send longer than 2 s gets a progress line on stderr every 2 s (MiB read of the file, MiB/s, ETA, events accepted) "
            + "and a last one; stdout keeps only the summary."})
final class SendCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ATTEMPTS = 8;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  /** Bad lines listed one by one; past this only counted, so a wrong file does not flood the terminal. */
  private static final int BAD_LINES_LISTED = 100;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "0..1", description = "NDJSON file; stdin when absent or '-'")
  String file;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = {"capture server base URL", "(default ${DEFAULT-VALUE})"})
  URI url;

  @Option(names = "--token", description = "bearer token, when the server has a tokens file")
  String token;

  @Option(names = "--batch", defaultValue = "500", description = "events per request (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--max-batch-bytes", paramLabel = "SIZE", defaultValue = "3MB", converter = LayeredSettings.SizeConverter.class,
      description = "bytes per request at most, e.g. 3MB or 512KiB (default: ${DEFAULT-VALUE}; the server's limit is 4MiB)")
  long maxBatchBytes;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  @Mixin ProgressOption progressOption;

  // read by the progress thread as well
  private volatile long accepted;
  private volatile long bytesRead;
  private long rejected;
  private long lines;
  private long badLines;
  /** Whether the server answered once in this run: until then a refused connection is a wrong URL or a server not started. */
  private boolean reached;
  private final List<String> errors = new ArrayList<>();

  /** The server cannot be reached at all: there is no point in sending the rest. */
  private static final class Unreachable extends Exception {
    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batchSize);
    boolean stdin = file == null || file.equals("-");
    Path path = stdin ? null : Path.of(file).toAbsolutePath().normalize();
    InputStream in;
    try {
      in = stdin ? System.in : open(path);
    } catch (IOException e) {
      spec.commandLine().getErr().println("tributary send: cannot read " + path + ": " + reason(e));
      return ExitCodes.USAGE;
    }
    EventIds ids = stdin ? EventIds.random() : EventIds.of(path.toRealPath());
    long size = stdin ? -1 : Files.size(path);
    long started = System.nanoTime();
    try (in; BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
         ProgressLine progress = progressOption.start(spec.commandLine().getErr(), "tributary send",
             () -> ProgressLine.Reading.bytes(bytesRead, size).and(String.format("%,d events accepted", accepted)))) {
      send(reader, ids);
    } catch (Unreachable e) {
      spec.commandLine().getErr().println("tributary send: " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    summarize(System.nanoTime() - started);
    return rejected == 0 && badLines == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private static InputStream open(Path path) throws IOException {
    if (Files.isDirectory(path)) throw new IOException("it is a directory, not a file");
    return Files.newInputStream(path);
  }

  private void send(BufferedReader reader, EventIds ids) throws IOException, InterruptedException, Unreachable {
    StringBuilder body = new StringBuilder();
    int inBatch = 0;
    String line;
    while ((line = reader.readLine()) != null) {
      bytesRead += line.length() + 1;
      lines++;
      if (line.isBlank()) continue;
      Optional<String> problem = EventLine.problem(line);
      if (problem.isPresent()) {
        badLine(problem.get());
        continue;
      }
      long number = lines;
      String l = line;
      String event = EventLine.withEventId(line, () -> ids.id(number, l));
      if (inBatch > 0 && (inBatch == batchSize || body.length() + event.length() + 1 > maxBatchBytes)) {
        post(body.toString(), inBatch);
        body.setLength(0);
        inBatch = 0;
      }
      body.append(event).append('\n');
      inBatch++;
    }
    if (inBatch > 0) post(body.toString(), inBatch);
  }

  private void badLine(String problem) {
    badLines++;
    PrintWriter err = spec.commandLine().getErr();
    if (badLines <= BAD_LINES_LISTED) {
      err.println("tributary send: " + (file == null || file.equals("-") ? "stdin" : file) + " line " + lines + ": " + problem + " (skipped)");
    } else if (badLines == BAD_LINES_LISTED + 1) {
      err.println("tributary send: more bad lines; only the first " + BAD_LINES_LISTED + " are listed, the summary counts them all");
    }
  }

  private void post(String body, int events) throws InterruptedException, Unreachable {
    HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve("/v1/events"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) request.header("Authorization", "Bearer " + token);
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        reached = true;
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
        String why = "cannot reach " + url + ": " + reason(e);
        if (!reached && (e instanceof ConnectException || e instanceof HttpConnectTimeoutException)) throw new Unreachable(why + "; is `tributary serve` running?");
        if (attempt >= MAX_ATTEMPTS) {
          reject(events, why + " (gave up after " + attempt + " attempts)");
          return;
        }
        Thread.sleep(backoff(attempt).toMillis());
      }
    }
  }

  /** An I/O failure in words: the JDK leaves the message of a refused connection empty. */
  private static String reason(IOException e) {
    return switch (e) {
      case NoSuchFileException x -> "no such file";
      case AccessDeniedException x -> "permission denied";
      case HttpConnectTimeoutException x -> "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
      case ConnectException x -> x.getMessage() == null || x.getMessage().isBlank() ? "connection refused" : x.getMessage();
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
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
    out.printf("sent %s: %s accepted, %d rejected, %s skipped, in %.1f s (%.0f events/s)%n",
        Quantity.of(lines, "line"), Quantity.of(accepted, "event"), rejected, Quantity.of(badLines, "bad line"), seconds,
        accepted / Math.max(seconds, 1e-9));
    errors.forEach(e -> out.println("  rejected: " + e));
  }
}
