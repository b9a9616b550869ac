package dev.tributary.testkit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Sends requests, one after the other, through a real HTTP client as its users run it: Java's
 * {@link HttpClient}, the {@code curl} binary (one process for all requests) or Node's
 * {@code fetch}, each keeping connections alive as it does by default. Node's fetch refuses an
 * {@code Expect} header, so through it no request asks to continue. A request that fails in
 * the client (a reset, an empty read) comes back as a {@link Response} with status 0 and the
 * client's error, so a test can report every failure, not only the first.
 */
public enum RealHttpClients {
  JAVA, CURL, NODE;

  /** One request: the body is sent with a Content-Length, or chunked; with {@code Expect: 100-continue} when asked. */
  public record Request(String method, String pathAndQuery, List<String> headers, byte[] body, boolean chunked, boolean expectContinue) {}

  /** What the client got: the status (0 when it got none), the body or the client's error, and the Connection header. */
  public record Response(int status, String body, String connection) {}

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * Fails when the client's program is missing and {@code CI=true}, saying what to install;
   * outside CI skips the test, saying so on standard error.
   */
  public void require() {
    if (this == JAVA) return;
    String program = name().toLowerCase(Locale.ROOT);
    String install = this == CURL ? "curl (apt-get install curl)" : "Node.js 18 or later (apt-get install nodejs)";
    String problem = probe(program);
    if (problem == null) return;
    RequiredTool.missing(program + " is needed to send requests as its users do, but " + problem + ": install " + install);
  }

  private static String probe(String program) {
    try {
      Process p = new ProcessBuilder(program, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.SECONDS)) return program + " --version did not finish";
      if (p.exitValue() != 0) return program + " --version exited " + p.exitValue() + ": " + out;
      if (program.equals("node") && Integer.parseInt(out.replaceAll("^v(\\d+).*", "$1")) < 18) return "node is " + out + ", without fetch";
      return null;
    } catch (IOException e) {
      return "it is not on the PATH (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Sends {@code requests} in order to {@code base} and returns one response per request; {@code scratch} holds files for curl and node. */
  public List<Response> send(URI base, List<Request> requests, Path scratch) throws IOException, InterruptedException {
    require();
    Files.createDirectories(scratch);
    return switch (this) {
      case JAVA -> java(base, requests);
      case CURL -> curl(base, requests, scratch);
      case NODE -> node(base, requests, scratch);
    };
  }

  private static List<Response> java(URI base, List<Request> requests) throws InterruptedException {
    List<Response> out = new ArrayList<>();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    for (Request r : requests) {
      HttpRequest.BodyPublisher body = r.chunked()
          ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(r.body()))
          : HttpRequest.BodyPublishers.ofByteArray(r.body());
      HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(r.pathAndQuery())).timeout(TIMEOUT)
          .method(r.method(), body).expectContinue(r.expectContinue());
      if (!r.headers().isEmpty()) request.headers(r.headers().toArray(String[]::new));
      try {
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        out.add(new Response(response.statusCode(), response.body(), response.headers().firstValue("Connection").orElse("")));
      } catch (IOException e) {
        out.add(new Response(0, e.toString(), ""));
      }
    }
    return out;
  }

  /** One curl process with a config file of all requests ({@code next} between them), so it reuses connections. */
  private static List<Response> curl(URI base, List<Request> requests, Path scratch) throws IOException, InterruptedException {
    StringBuilder config = new StringBuilder();
    for (int i = 0; i < requests.size(); i++) {
      Request r = requests.get(i);
      Path body = Files.write(scratch.resolve("body-" + i), r.body());
      if (i > 0) config.append("next\n");
      config.append("url = \"").append(base.resolve(r.pathAndQuery())).append("\"\n")
          .append("request = \"").append(r.method()).append("\"\n")
          .append("data-binary = \"@").append(body).append("\"\n")
          .append("output = \"").append(scratch.resolve("answer-" + i)).append("\"\n")
          .append("write-out = \"%{http_code} %header{connection}\\n\"\n")
          .append("max-time = ").append(TIMEOUT.toSeconds()).append('\n');
      for (String h : headerLines(r)) config.append("header = \"").append(h.replace("\"", "\\\"")).append("\"\n");
      if (r.chunked()) config.append("header = \"Transfer-Encoding: chunked\"\n");
      // curl adds Expect: 100-continue to larger bodies by itself; only the requests that ask carry it.
      config.append("header = \"Expect:").append(r.expectContinue() ? " 100-continue" : "").append("\"\n");
    }
    Path file = Files.writeString(scratch.resolve("curl.config"), config);
    Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--config", file.toString())
        .redirectError(scratch.resolve("curl.stderr").toFile()).start();
    List<String> lines = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    curl.waitFor();
    String errors = Files.readString(scratch.resolve("curl.stderr")).strip();
    List<Response> out = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      String[] line = i < lines.size() ? lines.get(i).split(" ", 2) : new String[] {"000"};
      int status = Integer.parseInt(line[0]);
      Path answer = scratch.resolve("answer-" + i);
      String body = status == 0 ? "curl: " + errors : Files.exists(answer) ? Files.readString(answer) : "";
      out.add(new Response(status, body, line.length > 1 ? line[1].strip() : ""));
    }
    return out;
  }

  private static List<String> headerLines(Request r) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i + 1 < r.headers().size(); i += 2) lines.add(r.headers().get(i) + ": " + r.headers().get(i + 1));
    return lines;
  }

  /** A Node script that reads the requests from a JSON file and prints one answer per line: status, Connection header, base64 body. */
  private static List<Response> node(URI base, List<Request> requests, Path scratch) throws IOException, InterruptedException {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < requests.size(); i++) {
      Request r = requests.get(i);
      Path body = Files.write(scratch.resolve("body-" + i), r.body());
      if (i > 0) json.append(',');
      json.append("{\"url\":").append(quote(base.resolve(r.pathAndQuery()).toString()))
          .append(",\"method\":").append(quote(r.method()))
          .append(",\"body\":").append(quote(body.toString()))
          .append(",\"chunked\":").append(r.chunked())
          .append(",\"headers\":[");
      List<String> headers = r.headers(); // fetch refuses an Expect header, so node sends no request with one
      for (int h = 0; h < headers.size(); h++) json.append(h > 0 ? "," : "").append(quote(headers.get(h)));
      json.append("]}");
    }
    Path input = Files.writeString(scratch.resolve("requests.json"), json.append(']'));
    Path script = scratch.resolve("fetch-loop.mjs");
    try (var in = RealHttpClients.class.getResourceAsStream("fetch-loop.mjs")) {
      Files.write(script, in.readAllBytes());
    }
    Process node = new ProcessBuilder("node", script.toString(), input.toString())
        .redirectError(scratch.resolve("node.stderr").toFile()).start();
    List<String> lines = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    if (node.waitFor() != 0 || lines.size() != requests.size()) {
      throw new IllegalStateException("node exited " + node.exitValue() + " after " + lines.size() + " of " + requests.size()
          + " answers: " + Files.readString(scratch.resolve("node.stderr")));
    }
    List<Response> out = new ArrayList<>();
    for (String line : lines) {
      String[] parts = line.split("\t", 3);
      out.add(new Response(Integer.parseInt(parts[0]), new String(Base64.getDecoder().decode(parts[2]), StandardCharsets.UTF_8), parts[1]));
    }
    return out;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
