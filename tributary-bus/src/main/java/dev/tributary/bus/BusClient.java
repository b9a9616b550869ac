package dev.tributary.bus;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client in the manner of Chukcha's simple Go client. {@link #send} writes to a random node and,
 * should it fail, to the others in turn. {@link #process} keeps a cursor (chunk, byte offset) per
 * instance that owns chunks, reads whole messages from it, advances only when the handler returns
 * normally, and acknowledges a complete chunk once read to its end and a next chunk exists.
 * {@link #saveState()} gives the cursors as Chukcha's JSON, {@link #restoreState} takes them back.
 * Not thread-safe: one client per processing thread.
 */
public final class BusClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEFAULT_SCRATCH_BYTES = 64 * 1024;

  /** Processes one batch of whole messages; throwing leaves the cursor where it was. */
  @FunctionalInterface
  public interface Handler {
    void handle(byte[] messages) throws IOException;
  }

  /** A cursor: the chunk being read, the byte offset in it, and the newest acknowledged chunk's number. */
  private static final class Cursor {
    ChunkInfo chunk;
    long lastAckedIndex = -1; // not 0: that would say chunk 0 is acknowledged
    long off;
  }

  private enum Outcome { PROCESSED, RETRY, END }

  private final List<URI> nodes;
  private final HttpClient http;
  private final Duration timeout;
  private final Map<String, Cursor> cursors = new LinkedHashMap<>();
  private String reader;
  private int scratchBytes = DEFAULT_SCRATCH_BYTES;
  private boolean acknowledge = true;
  private String token;

  /** @param nodes base addresses such as {@code http://127.0.0.1:8080} */
  public BusClient(List<URI> nodes) {
    if (nodes.isEmpty()) throw new IllegalArgumentException("at least one node address is needed");
    this.nodes = List.copyOf(nodes);
    this.timeout = Duration.ofSeconds(30);
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Reads and acknowledges as this named reader (its own acknowledgements); null: Chukcha's shared one. */
  public BusClient reader(String name) {
    this.reader = name;
    return this;
  }

  /** At most this many bytes per read (default 64 KiB); a message longer than this cannot be read. */
  public BusClient scratchBytes(int bytes) {
    this.scratchBytes = bytes;
    return this;
  }

  /** Sends {@code token} as {@code Authorization: Bearer} with every request, for a bus with a tokens file; null: none. */
  public BusClient token(String token) {
    this.token = token;
    return this;
  }

  /** Whether complete chunks read to their end are acknowledged (default true). */
  public BusClient acknowledge(boolean on) {
    this.acknowledge = on;
    return this;
  }

  /**
   * Writes {@code messages} (each ending in {@code \n}) as one batch: to a random node first,
   * then to each other node while the answer is a connection failure or a 5xx. A 4xx is the
   * request's fault and is thrown at once.
   */
  public void send(String category, byte[] messages) throws IOException, InterruptedException {
    int first = ThreadLocalRandom.current().nextInt(nodes.size());
    IOException last = null;
    for (int i = 0; i < nodes.size(); i++) {
      URI node = nodes.get((first + i) % nodes.size());
      HttpResponse<String> answer;
      try {
        answer = http.send(request(url(node, "/write", "category", category)).header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(messages)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        last = new IOException("write to " + node + ": " + e, e);
        continue;
      }
      if (answer.statusCode() == 200) return;
      IOException refused = new IOException("write to " + node + ": http code " + answer.statusCode() + ", " + answer.body().strip());
      if (answer.statusCode() < 500) throw refused;
      last = refused;
    }
    throw last;
  }

  /**
   * Hands at most one batch of new messages to {@code handler}. Returns false when every known
   * chunk is read to its end (poll again later), true once a batch was handled.
   */
  public boolean process(String category, Handler handler) throws IOException, InterruptedException {
    while (true) {
      switch (tryProcess(category, handler)) {
        case PROCESSED -> { return true; }
        case END -> { return false; }
        case RETRY -> { }
      }
    }
  }

  private Outcome tryProcess(String category, Handler handler) throws IOException, InterruptedException {
    URI node = nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
    if (!updateCursors(category, node)) return Outcome.END;
    boolean retry = false;
    for (Map.Entry<String, Cursor> e : cursors.entrySet()) {
      Outcome outcome = processInstance(category, node, e.getKey(), e.getValue(), handler);
      if (outcome == Outcome.PROCESSED) return outcome;
      if (outcome == Outcome.RETRY) retry = true;
    }
    return retry ? Outcome.RETRY : Outcome.END;
  }

  private Outcome processInstance(String category, URI node, String instance, Cursor cursor, Handler handler)
      throws IOException, InterruptedException {
    byte[] messages = read(node, category, cursor.chunk.name(), cursor.off);
    if (messages == null) return Outcome.END; // not on this node (another node owns it), or gone
    if (messages.length > 0) {
      handler.handle(messages);
      cursor.off += messages.length;
      return Outcome.PROCESSED;
    }
    if (!cursor.chunk.complete()) return Outcome.END;
    // Find the next chunk before acknowledging this one, so the cursor always names a chunk.
    long index = Names.parseChunk(cursor.chunk.name()).index();
    List<ChunkInfo> newer = unacknowledged(category, node, Map.of(instance, index)).getOrDefault(instance, List.of());
    if (newer.isEmpty()) return Outcome.END;
    if (acknowledge) ack(node, category, cursor.chunk.name(), cursor.off);
    cursor.lastAckedIndex = index;
    cursor.chunk = newer.get(0);
    cursor.off = 0;
    return Outcome.RETRY;
  }

  private boolean updateCursors(String category, URI node) throws IOException, InterruptedException {
    Map<String, Long> lastAcked = new LinkedHashMap<>();
    cursors.forEach((instance, c) -> lastAcked.put(instance, c.lastAckedIndex));
    Map<String, List<ChunkInfo>> byInstance = unacknowledged(category, node, lastAcked);
    if (byInstance == null) return false;
    byInstance.forEach((instance, chunks) -> {
      Cursor cursor = cursors.get(instance);
      if (cursor == null) {
        cursor = new Cursor();
        cursor.chunk = chunks.stream().filter(ChunkInfo::complete).findFirst().orElse(chunks.get(0));
        cursors.put(instance, cursor);
      } else {
        refresh(cursor, chunks);
      }
    });
    return true;
  }

  /**
   * Takes the listed state of the cursor's chunk. When the node lists newer chunks of the instance
   * but not the cursor's, that chunk was acknowledged after the cursor was saved (a reader restarted
   * from older state, or an ack whose answer was lost as the node closed): the cursor moves to the
   * oldest newer chunk. Chukcha's client stays on the missing chunk and never reads on.
   */
  private static void refresh(Cursor cursor, List<ChunkInfo> chunks) {
    long index = Names.parseChunk(cursor.chunk.name()).index();
    ChunkInfo next = null;
    for (ChunkInfo c : chunks) {
      if (c.name().equals(cursor.chunk.name())) {
        cursor.chunk = c;
        return;
      }
      if (next == null && Names.parseChunk(c.name()).index() > index) next = c;
    }
    if (next == null) return;
    cursor.lastAckedIndex = index;
    cursor.chunk = next;
    cursor.off = 0;
  }

  /** This node's chunks newer than each instance's acknowledged one, by instance, oldest first; null when it has none. */
  private Map<String, List<ChunkInfo>> unacknowledged(String category, URI node, Map<String, Long> lastAcked)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> answer = get(url(node, "/listChunks", "category", category, "reader", reader));
    if (answer.statusCode() != 200) throw new IOException("listChunks at " + node + ": http code " + answer.statusCode() + ", " + text(answer));
    List<ChunkInfo> chunks = JSON.readValue(answer.body(), new TypeReference<List<ChunkInfo>>() {});
    if (chunks.isEmpty()) return null;
    chunks = new ArrayList<>(chunks);
    chunks.sort(Comparator.comparing(ChunkInfo::name));
    Map<String, List<ChunkInfo>> byInstance = new LinkedHashMap<>();
    for (ChunkInfo c : chunks) {
      Names.ChunkName name = Names.parseChunk(c.name());
      if (name == null) continue;
      Long acked = lastAcked.get(name.instance());
      if (acked != null && name.index() <= acked) continue; // acknowledged already
      byInstance.computeIfAbsent(name.instance(), k -> new ArrayList<>()).add(c);
    }
    return byInstance;
  }

  private byte[] read(URI node, String category, String chunk, long off) throws IOException, InterruptedException {
    HttpResponse<byte[]> answer = get(url(node, "/read", "category", category, "chunk", chunk, "off", Long.toString(off),
        "max_size", Integer.toString(scratchBytes), "reader", reader));
    if (answer.statusCode() == 404) return null;
    if (answer.statusCode() != 200) throw new IOException("read " + chunk + " at " + node + ": http code " + answer.statusCode() + ", " + text(answer));
    return answer.body();
  }

  private void ack(URI node, String category, String chunk, long size) throws IOException, InterruptedException {
    HttpResponse<byte[]> answer = get(url(node, "/ack", "category", category, "chunk", chunk, "size", Long.toString(size), "reader", reader));
    if (answer.statusCode() != 200) throw new IOException("ack " + chunk + " at " + node + ": http code " + answer.statusCode() + ", " + text(answer));
  }

  private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
    return http.send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout);
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private static String text(HttpResponse<byte[]> answer) {
    return new String(answer.body(), StandardCharsets.UTF_8).strip();
  }

  private static URI url(URI node, String path, String... params) {
    StringBuilder query = new StringBuilder();
    for (int i = 0; i < params.length; i += 2) {
      if (params[i + 1] == null) continue;
      query.append(query.isEmpty() ? "?" : "&").append(params[i]).append('=').append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    String base = node.toString().endsWith("/") ? node.toString().substring(0, node.toString().length() - 1) : node.toString();
    return URI.create(base + path + query);
  }

  /** The cursors as Chukcha's client saves them: {@code {"Offsets":{instance:{"CurChunk":{...},"LastAckedChunkIdx":n,"Off":n}}}}. */
  public String saveState() {
    ObjectNode offsets = JSON.createObjectNode();
    cursors.forEach((instance, c) -> {
      ObjectNode o = offsets.putObject(instance);
      o.set("CurChunk", JSON.valueToTree(c.chunk));
      o.put("LastAckedChunkIdx", c.lastAckedIndex);
      o.put("Off", c.off);
    });
    ObjectNode state = JSON.createObjectNode();
    state.set("Offsets", offsets);
    return state.toString();
  }

  /** Replaces the cursors with those of {@link #saveState()} (or of Chukcha's {@code MarshalState}). */
  public void restoreState(String state) throws IOException {
    JsonNode offsets = JSON.readTree(state).path("Offsets");
    Map<String, Cursor> restored = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : offsets.properties()) {
      Cursor c = new Cursor();
      c.chunk = JSON.treeToValue(e.getValue().path("CurChunk"), ChunkInfo.class);
      c.lastAckedIndex = e.getValue().path("LastAckedChunkIdx").asLong(-1);
      c.off = e.getValue().path("Off").asLong();
      restored.put(e.getKey(), c);
    }
    cursors.clear();
    cursors.putAll(restored);
  }
}
