package dev.tributary.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends one request of 1-{@code maxEvents} events every few milliseconds; retries the same request
 * until it gets 200. With a repeat rate, it also sends some acknowledged requests a second time,
 * as a client does that never saw its answer: the same event_ids, which must land once. Given several
 * capture nodes, it spreads its requests over them and retries a failed one on the next node, as a
 * client of several nodes without a load balancer does.
 */
final class SteadyClient implements Runnable {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final List<URI> nodes;
  private final Set<String> acknowledged;
  private final int maxEvents;
  private final double repeatRate;
  private final int limit;
  private final long pauseMillis;
  private final Random random;
  /** When each acknowledged event's request got its 200, in epoch milliseconds (the first, for a request repeated on purpose). */
  final Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();
  final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicBoolean stopAfterCurrent = new AtomicBoolean();
  final AtomicInteger requestsAcknowledged = new AtomicInteger();
  /** Attempts that did not get a 200 (refused connection, timeout, or any other status). */
  final AtomicInteger failedAttempts = new AtomicInteger();
  /** Acknowledged requests sent once more on purpose. */
  final AtomicInteger repeatedRequests = new AtomicInteger();

  SteadyClient(URI uri, Set<String> acknowledged) {
    this(uri, acknowledged, 5, 0, 0, Integer.MAX_VALUE);
  }

  /** Stops by itself once {@code limit} events are acknowledged. */
  SteadyClient(URI uri, Set<String> acknowledged, int maxEvents, double repeatRate, long seed, int limit) {
    this(List.of(uri), acknowledged, maxEvents, repeatRate, seed, limit, 3);
  }

  /** Request n goes to node n mod the count, a failed attempt to the next node; {@code pauseMillis} between requests paces it. */
  SteadyClient(List<URI> nodes, Set<String> acknowledged, int maxEvents, double repeatRate, long seed, int limit, long pauseMillis) {
    this.nodes = List.copyOf(nodes);
    this.acknowledged = acknowledged;
    this.maxEvents = maxEvents;
    this.repeatRate = repeatRate;
    this.random = new Random(seed);
    this.limit = limit;
    this.pauseMillis = pauseMillis;
  }

  void finishCurrentRequestAndStop() {
    stopAfterCurrent.set(true);
  }

  @Override
  public void run() {
    int seq = 0;
    while (!stop.get() && !stopAfterCurrent.get() && acknowledged.size() < limit) {
      List<String> ids = new ArrayList<>();
      StringBuilder body = new StringBuilder();
      int events = 1 + seq % maxEvents;
      for (int i = 0; i < events; i++) {
        String id = "req" + seq + "-ev" + i;
        ids.add(id);
        body.append("{\"event\":\"").append(i % 2 == 0 ? "page_view" : "click").append("\",\"event_id\":\"").append(id)
            .append("\",\"n\":").append(seq).append("}\n");
      }
      sendUntilAcknowledged(body.toString(), ids, seq);
      if (random.nextDouble() < repeatRate) {
        repeatedRequests.incrementAndGet();
        sendUntilAcknowledged(body.toString(), ids, seq + 1);
      }
      seq++;
      pause(pauseMillis);
    }
  }

  private void sendUntilAcknowledged(String body, List<String> ids, int firstNode) {
    for (int node = firstNode; !stop.get(); node++) {
      if (send(nodes.get(node % nodes.size()), body)) {
        long now = System.currentTimeMillis();
        ids.forEach(id -> acknowledgedAt.putIfAbsent(id, now));
        acknowledged.addAll(ids);
        requestsAcknowledged.incrementAndGet();
        return;
      }
      failedAttempts.incrementAndGet();
      pause(20);
    }
  }

  private boolean send(URI uri, String body) {
    try {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
          .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
