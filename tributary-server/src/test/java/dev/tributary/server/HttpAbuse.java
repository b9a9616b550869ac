package dev.tributary.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Hostile HTTP/1.1 over raw sockets against one server: malformed request lines and headers,
 * header floods, bodies that end early, chunked encoding that lies, pipelined requests good and
 * bad, slow writers, slow readers, idle connections and random bytes. Every attempt must be
 * answered or closed within {@link #ANSWER_MILLIS}; what each got is counted by kind.
 */
final class HttpAbuse {
  static final int ANSWER_MILLIS = 15_000;
  /** As long as a well-formed answer may take (HttpAbuseTest): a complete request cut off sooner might be stored unanswered. */
  static final int FIRST_ANSWER_MILLIS = 5_000;
  private static final String NO_ANSWER = "no answer nor close";
  private static final int SLOW_WRITERS = 8;
  private static final String SLOW_WRITER = "slow writer (a byte every 20 ms)";

  /**
   * A server under attack: where well-formed writes go, how a message of {@code id} is written in
   * a body, and a write it refuses without closing the connection (a bad body or parameter).
   */
  record Target(int port, String writePath, String contentType, Function<String, String> message, String refusedPath, String refusedBody) {}

  /**
   * One connection's bytes; request {@code i} of it carries the messages {@code ids.get(i)},
   * acknowledged by a 200. The client then waits for the answers, having closed its side
   * {@link End#AT_ONCE}, {@link End#IF_NO_ANSWER} within {@link #FIRST_ANSWER_MILLIS} (a complete
   * request must get its answer, which a closed side could cut off), or {@link End#NEVER}.
   */
  record Attempt(String kind, byte[] bytes, End end, List<List<String>> ids) {}

  enum End { AT_ONCE, IF_NO_ANSWER, NEVER }

  private final Target target;
  private final Random random;
  /** Messages some attempt got a 200 for: they must be stored, and nothing else from the abuse. */
  final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  /** Per kind, attempts and what they got: statuses, "closed" (no answer), or "no answer nor close" (a failure). */
  final Map<String, Map<String, Integer>> outcomes = new ConcurrentHashMap<>();
  /** Per kind, connections made. */
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  /** Hostile requests that got a 200 anyway, by their first bytes: a lenient parser's choices, to be judged. */
  final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
  private final List<Socket> held = new ArrayList<>();
  /** Requests the slow readers got written, so far: the rest wait for the server to read, which it must stop doing. */
  final AtomicInteger slowReaderRequestsSent = new AtomicInteger();
  private int abuseIds;

  HttpAbuse(Target target, long seed) {
    this.target = target;
    this.random = new Random(seed);
  }

  /** Every attempt but the held connections, on {@code threads} connections at a time. */
  void run(int threads) throws Exception {
    List<Attempt> attempts = new ArrayList<>();
    attempts.addAll(malformedRequestLines());
    attempts.addAll(malformedHeaders());
    attempts.addAll(headerFloods());
    attempts.addAll(bodiesEndingEarly());
    attempts.addAll(lyingChunks());
    attempts.addAll(pipelined(20));
    attempts.addAll(randomBytes(200));
    Collections.shuffle(attempts, random);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < SLOW_WRITERS; i++) done.add(pool.submit(this::slowWriter));
      for (Attempt a : attempts) done.add(pool.submit(() -> exchange(a)));
      for (Future<?> f : done) f.get();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Opens {@code count} connections that send nothing, or half a request line, and holds them until {@link #release}. */
  void holdIdle(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket("127.0.0.1", target.port());
      if (i % 2 == 1) socket.getOutputStream().write(ascii("POST " + target.writePath() + " HT"));
      held.add(socket);
      attempts.merge("idle connection", 1, Integer::sum);
      count("idle connection", "held");
    }
  }

  /**
   * Opens {@code count} connections that ask for {@code path} {@code requests} times, each
   * request padded to 4 KiB, and never read: a server that answers what it reads without waiting
   * for its answers to drain holds them all in memory.
   */
  void holdSlowReaders(int count, String path, int requests) throws IOException {
    byte[] request = ascii("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(4000) + "\r\n\r\n");
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket("127.0.0.1", target.port());
      // The server may stop reading once its answers back up: the requests are written from another thread.
      Thread.ofVirtual().start(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          for (int r = 0; r < requests; r++) {
            out.write(request);
            slowReaderRequestsSent.incrementAndGet();
          }
        } catch (IOException closed) {
          // released, or closed by the server: either is allowed
        }
      });
      held.add(socket);
      attempts.merge("slow reader (" + requests + " requests of 4 KiB, never read)", 1, Integer::sum);
      count("slow reader (" + requests + " requests of 4 KiB, never read)", "held");
    }
  }

  void release() throws IOException {
    for (Socket s : held) s.close();
    held.clear();
  }

  private List<Attempt> malformedRequestLines() {
    String w = target.writePath();
    List<String> lines = List.of("GET\r\n\r\n", "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        "\r\n\r\n\r\n\r\n", "POST " + w + " HTTP/1.1\0\r\nHost: x\r\n\r\n", "get / http/1.1\r\nHost: x\r\n\r\n",
        "POST /%zz%00 HTTP/1.1\r\nHost: x\r\n\r\n", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://evil.test/ HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000",
        "POST  " + w + "  HTTP/1.1\r\nHost: x\r\n\r\n", "POST\t" + w + "\tHTTP/1.1\r\nHost: x\r\n\r\n", "POST " + w + " HTTP/1.1\n\n");
    List<Attempt> out = new ArrayList<>();
    for (String line : lines) out.add(new Attempt("malformed request line", latin1(line), End.IF_NO_ANSWER, List.of(List.of())));
    return out;
  }

  /** Each carries a body that a lenient parser would store: a stored message of it is a failure. */
  private List<Attempt> malformedHeaders() {
    List<String> headers = List.of("Content-Length %d\r\n", "Content-Length : %d\r\n", "Content-Length: %d\r\nContent-Length: 3\r\n",
        "Content-Length: -1\r\n", "Content-Length: 0x%x\r\n", "Content-Length: +%d\r\n", "Content-Length: %d, 3\r\n",
        "Content-Length: %d\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\nContent-Length: %d\r\n",
        "Transfer-Encoding: chunked, chunked\r\nContent-Length: %d\r\n", "Transfer-Encoding : chunked\r\nContent-Length: %d\r\n",
        "Content-Length: %d\r\nX-Folded: a\r\n b\r\n", "Content-Length: %d\r\nX\0Nul: 1\r\n", "Content-Length: %d\r\n: empty\r\n",
        "Content-Length: %d\r\nX-Bad\u00ffName: 1\r\n", " Content-Length: %d\r\n", "Content-Length: 99999999999999999999999\r\n",
        "Content-Length: %d\r\nContent-Type: \0\r\n", "Content-Length: %d\r\nContent-Encoding: gzip\r\n");
    List<Attempt> out = new ArrayList<>();
    for (String header : headers) {
      String id = abuseId();
      String body = target.message().apply(id);
      String head = "POST " + target.writePath() + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + target.contentType() + "\r\n"
          + header.replace("%d", String.valueOf(body.length())).replace("%x", Integer.toHexString(body.length())) + "\r\n";
      out.add(new Attempt("malformed header", latin1(head + body), End.IF_NO_ANSWER, List.of(List.of(id))));
    }
    return out;
  }

  private List<Attempt> headerFloods() {
    String start = "POST " + target.writePath() + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + target.contentType() + "\r\n";
    String body = target.message().apply(abuseId());
    String end = "Content-Length: " + body.length() + "\r\n\r\n" + body;
    StringBuilder many = new StringBuilder(start);
    for (int i = 0; i < 5_000; i++) many.append("X-H").append(i).append(": v\r\n");
    return List.of(new Attempt("header flood", ascii(start + "X-Huge: " + "h".repeat(100_000) + "\r\n" + end), End.NEVER, List.of(List.of())),
        new Attempt("header flood", ascii(many + end), End.NEVER, List.of(List.of())),
        new Attempt("header flood", ascii(start + "X-Endless: " + "e".repeat(4 << 20)), End.NEVER, List.of(List.of())),
        new Attempt("header flood", ascii(start + "Cookie: " + "c=1; ".repeat(3_000) + "\r\n" + end), End.NEVER, List.of(List.of())));
  }

  /** Complete messages, then less body than the Content-Length says, then the end of the connection. */
  private List<Attempt> bodiesEndingEarly() {
    List<Attempt> out = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String body = target.message().apply(abuseId()) + target.message().apply(abuseId());
      int declared = body.length() + 1 + random.nextInt(10_000);
      String head = "POST " + target.writePath() + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + target.contentType()
          + "\r\nContent-Length: " + declared + "\r\n\r\n";
      out.add(new Attempt("body ending early", ascii(head + body), End.AT_ONCE, List.of(List.of())));
    }
    return out;
  }

  /** Chunks that carry complete messages, then a lie: a bad size, a size past the data, no terminator. */
  private List<Attempt> lyingChunks() {
    List<String> lies = List.of("zz\r\nabc\r\n0\r\n\r\n", "ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n", "-5\r\nabc\r\n0\r\n\r\n",
        "1000\r\nabc", "3\r\nabcdef\r\n0\r\n\r\n", "3\r\nabc", "3;\0ext\r\nabc\r\n0\r\n\r\n", "3\r\nabc\r\n0\r\nX\0Trailer: 1\r\n\r\n",
        "", "3\r\nabc\r\n0\r\n", " 3 \r\nabc\r\n0\r\n\r\n", "3\nabc\n0\n\n");
    List<Attempt> out = new ArrayList<>();
    for (int i = 0; i < lies.size(); i++) {
      // The lie's three bytes of data, unique: a lenient parser that takes them stores them as a message.
      String tag = String.format("x%02d", i);
      String lie = lies.get(i).replace("abc", tag);
      String id = abuseId();
      String chunk = target.message().apply(id);
      String head = "POST " + target.writePath() + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + target.contentType()
          + "\r\nTransfer-Encoding: chunked\r\n\r\n";
      out.add(new Attempt("lying chunked body", latin1(head + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n" + lie),
          End.IF_NO_ANSWER, List.of(List.of(id, tag))));
    }
    return out;
  }

  /**
   * In one write: two good writes, a refused one, a good one, a malformed request line (the
   * server answers 400 and closes) and a good write after it that must not be stored.
   */
  private List<Attempt> pipelined(int connections) {
    List<Attempt> out = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      StringBuilder bytes = new StringBuilder();
      List<List<String>> ids = new ArrayList<>();
      for (int r = 0; r < 6; r++) {
        if (r == 2) {
          bytes.append(request(target.refusedPath(), target.refusedBody()));
          ids.add(List.of());
        } else if (r == 4) {
          bytes.append("GET / HTTP/1.1 what\r\n\r\n");
          ids.add(List.of());
        } else {
          String id = r == 5 ? abuseId() : "pipelined-" + c + "-" + r;
          bytes.append(request(target.writePath(), target.message().apply(id)));
          ids.add(List.of(id));
        }
      }
      out.add(new Attempt("pipelined, good and bad mixed", ascii(bytes.toString()), End.NEVER, ids));
    }
    return out;
  }

  /** Raw, as headers after a good request line, or as the body of a good head. */
  private List<Attempt> randomBytes(int connections) {
    List<Attempt> out = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      byte[] noise = new byte[1 + random.nextInt(2048)];
      random.nextBytes(noise);
      String head = switch (c % 3) {
        case 0 -> "";
        case 1 -> "POST " + target.writePath() + " HTTP/1.1\r\n";
        default -> "POST " + target.refusedPath() + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + target.contentType()
            + "\r\nContent-Length: " + noise.length + "\r\n\r\n";
      };
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      bytes.writeBytes(ascii(head));
      bytes.writeBytes(noise);
      out.add(new Attempt("random bytes", bytes.toByteArray(), End.AT_ONCE, List.of(List.of())));
    }
    return out;
  }

  /** A good write trickled a byte at a time, 20 ms apart: it gets its 200 while everyone else is served. */
  private void slowWriter() {
    String id = "slow-" + abuseId();
    byte[] bytes = ascii(request(target.writePath(), target.message().apply(id)));
    attempts.merge(SLOW_WRITER, 1, Integer::sum);
    try (Socket socket = new Socket("127.0.0.1", target.port())) {
      socket.setSoTimeout(ANSWER_MILLIS);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      for (byte b : bytes) {
        out.write(b);
        out.flush();
        Thread.sleep(20);
      }
      List<String> got = answers(socket.getInputStream(), 1);
      count(SLOW_WRITER, got.get(0));
      if (got.get(0).equals("200")) acknowledged.add(id);
      else failures.add("slow writer " + id + " got " + got);
    } catch (IOException e) {
      count(SLOW_WRITER, e.getClass().getSimpleName());
      failures.add("slow writer " + id + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void exchange(Attempt attempt) {
    attempts.merge(attempt.kind(), 1, Integer::sum);
    try (Socket socket = new Socket("127.0.0.1", target.port())) {
      socket.setSoTimeout(ANSWER_MILLIS);
      try {
        socket.getOutputStream().write(attempt.bytes());
        if (attempt.end() == End.AT_ONCE) socket.shutdownOutput();
      } catch (IOException closedWhileWriting) {
        // a flood cut off: what the server said before closing is read below
      }
      List<String> got = new ArrayList<>();
      if (attempt.end() == End.IF_NO_ANSWER) {
        socket.setSoTimeout(FIRST_ANSWER_MILLIS);
        got.addAll(answers(socket.getInputStream(), 1));
        if (got.equals(List.of(NO_ANSWER))) {
          // waiting for more of a request it reads as incomplete: the end of it must bring an answer or a close
          got.clear();
          socket.shutdownOutput();
          socket.setSoTimeout(ANSWER_MILLIS);
          got.addAll(answers(socket.getInputStream(), 1));
        }
      } else {
        got.addAll(answers(socket.getInputStream(), attempt.ids().size()));
      }
      for (int i = 0; i < got.size(); i++) {
        count(attempt.kind(), got.get(i));
        if (got.get(i).equals("200") && i < attempt.ids().size()) {
          acknowledged.addAll(attempt.ids().get(i));
          if (!attempt.kind().startsWith("pipelined")) accepted.add(attempt.kind() + ": " + printable(attempt.bytes()));
        }
        if (got.get(i).equals(NO_ANSWER)) {
          failures.add(attempt.kind() + ": no answer nor close within " + ANSWER_MILLIS + " ms to "
              + printable(attempt.bytes()));
        }
      }
    } catch (IOException e) {
      count(attempt.kind(), "connect failed");
      failures.add(attempt.kind() + ": " + e);
    }
  }

  /** Statuses of up to {@code expected} answers, then "closed" if the connection ended before them. */
  static List<String> answers(InputStream in, int expected) {
    List<String> got = new ArrayList<>();
    try {
      while (got.size() < expected) {
        String status = readAnswer(in);
        if (status == null) {
          got.add("closed");
          return got;
        }
        got.add(status);
      }
    } catch (SocketTimeoutException e) {
      got.add(NO_ANSWER);
    } catch (IOException reset) {
      got.add("closed");
    }
    return got;
  }

  /** One answer's status, its head and body consumed; null at the end of the stream. */
  private static String readAnswer(InputStream in) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) return null;
    if (!statusLine.startsWith("HTTP/1.1 ")) throw new IOException("not an HTTP answer: " + statusLine);
    String status = statusLine.substring(9, 12);
    long length = -1;
    boolean chunked = false;
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      String lower = h.toLowerCase();
      if (lower.startsWith("content-length:")) length = Long.parseLong(h.substring(15).strip());
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
    }
    if (chunked) {
      for (long size = Long.parseLong(line(in).strip(), 16); size > 0; size = Long.parseLong(line(in).strip(), 16)) {
        in.skipNBytes(size);
        line(in);
      }
      line(in);
    } else if (length > 0) {
      in.skipNBytes(length);
    } else if (length < 0 && !status.startsWith("1") && !status.equals("204") && !status.equals("304")) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return status;
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
      if (b != '\r') line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static String printable(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(300, bytes.length); i++) {
      int b = bytes[i] & 0xff;
      out.append(b == '\r' ? "\\r" : b == '\n' ? "\\n" : b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
    }
    return out.toString();
  }

  private String request(String path, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + target.contentType() + "\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  private synchronized String abuseId() {
    return "abuse-" + abuseIds++;
  }

  private void count(String kind, String outcome) {
    outcomes.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).merge(outcome, 1, Integer::sum);
  }

  /** Per kind, connections made and their answers (or ends) by status, one line each. */
  String figures() {
    StringBuilder out = new StringBuilder(String.format("  %-50s %11s  %s%n", "kind", "connections", "answers by status"));
    new TreeMap<>(outcomes).forEach((kind, byOutcome) -> out.append(String.format("  %-50s %11d  %s%n", kind,
        attempts.getOrDefault(kind, 0), new TreeMap<>(byOutcome))));
    return out.toString();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
