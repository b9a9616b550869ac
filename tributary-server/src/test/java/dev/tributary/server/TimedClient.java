package dev.tributary.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * A well-formed client that sends one write after another, each once, and times every answer:
 * what an honest user of a server under attack sees.
 */
final class TimedClient {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final URI uri;
  private final String contentType;
  private final IntFunction<String> messageId;
  private final IntFunction<String> body;
  private int sent;
  final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  /** Each request's time to its answer, or to its failure. */
  final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
  /** Requests not answered 200, with what came back instead. */
  final List<String> failures = Collections.synchronizedList(new ArrayList<>());

  /** Request {@code n} carries the message {@code messageId(n)} in {@code body(n)}. */
  TimedClient(URI uri, String contentType, IntFunction<String> messageId, IntFunction<String> body) {
    this.uri = uri;
    this.contentType = contentType;
    this.messageId = messageId;
    this.body = body;
  }

  /** Sends until {@code done} and at least {@code atLeast} requests; returns the nanoseconds of those sent now. */
  List<Long> runUntil(BooleanSupplier done, int atLeast) {
    List<Long> run = new ArrayList<>();
    for (int i = 0; i < atLeast || !done.getAsBoolean(); i++) run.add(sendOne());
    return run;
  }

  private long sendOne() {
    int n = sent++;
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body.apply(n))).build();
    long start = System.nanoTime();
    String failure;
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      failure = response.statusCode() == 200 ? null : response.statusCode() + " " + response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    } catch (IOException e) {
      failure = e.toString();
    }
    long took = System.nanoTime() - start;
    nanos.add(took);
    if (failure == null) acknowledged.add(messageId.apply(n));
    else failures.add("request " + n + ": " + failure);
    return took;
  }

  static Duration p99(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return Duration.ofNanos(sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)));
  }
}
