package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a bus child process (fsync always) while writers send batches of messages of random
 * length, restarts it on the same directory, and reads every chunk back over HTTP: every message
 * of every write answered 200 is there, once, and every message is whole (its checksum holds).
 * Replay a run with {@code -Dbus.crash.seed=<seed>}.
 */
class BusCrashTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MESSAGE = Pattern.compile("w(\\d+)-(\\d+)-([0-9a-f]{8})-(x*)");
  private static final int WRITERS = 4;
  /** Acknowledged writes of each writer before the kill; each write holds 1 to 64 messages. */
  private static final int WRITES_BEFORE_KILL = 50;
  private static final List<String> UNEXPECTED = java.util.Collections.synchronizedList(new ArrayList<>());

  @TempDir Path dir;

  @Test
  void everyAcknowledgedWriteSurvivesSigkillAndNoMessageIsTorn() throws Exception {
    long seed = Long.getLong("bus.crash.seed", System.nanoTime());
    System.out.println("BusCrashTest seed " + seed + " (replay with -Dbus.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path data = dir.resolve("data");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean killed = new AtomicBoolean();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    try (ChildJvm child = ChildJvm.start(BusCrashChild.class, dir.resolve("child1.err"), data.toString(), Long.toString(256 << 10))) {
      URI base = URI.create("http://127.0.0.1:" + child.awaitLine("listening ").substring("listening ".length()));
      CountDownLatch going = new CountDownLatch(WRITERS);
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        long writerSeed = random.nextLong();
        writers.add(Thread.ofPlatform().start(() -> write(http, base, writer, new Random(writerSeed), acknowledged, going, killed)));
      }
      boolean allGoing = going.await(60, TimeUnit.SECONDS);
      Thread.sleep(random.nextInt(200)); // kill at a random point of the ongoing writes
      killed.set(true);
      child.kill();
      for (Thread t : writers) t.join(30_000);
      assertThat(UNEXPECTED).as("answers other than 200, or failures, before the kill").isEmpty();
      // Otherwise the kill proves nothing: it must interrupt writers that were in full swing.
      assertThat(allGoing).as("each of %d writers had %d writes acknowledged within 60 s (%d messages in all)", WRITERS, WRITES_BEFORE_KILL,
          acknowledged.size()).isTrue();
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(WRITERS * WRITES_BEFORE_KILL);

    try (ChildJvm child = ChildJvm.start(BusCrashChild.class, dir.resolve("child2.err"), data.toString(), Long.toString(256 << 10))) {
      URI base = URI.create("http://127.0.0.1:" + child.awaitLine("listening ").substring("listening ".length()));
      Set<String> read = new HashSet<>();
      List<ChunkInfo> chunks = JSON.readValue(get(http, base, "/listChunks?category=crash").body(), new TypeReference<>() {});
      assertThat(chunks).isNotEmpty().allMatch(ChunkInfo::complete);
      for (ChunkInfo chunk : chunks) {
        long off = 0;
        while (true) {
          HttpResponse<byte[]> r = get(http, base, "/read?category=crash&chunk=" + chunk.name() + "&off=" + off + "&max_size=65536");
          assertThat(r.statusCode()).isEqualTo(200);
          if (r.body().length == 0) break;
          off += r.body().length;
          for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
            Matcher m = MESSAGE.matcher(line);
            assertThat(m.matches()).as("a whole message in %s, not '%s'", chunk.name(), line).isTrue();
            assertThat(m.group(3)).as("checksum of %s", line).isEqualTo(crc(m.group(1) + "-" + m.group(2) + "-" + m.group(4)));
            assertThat(read.add(m.group(1) + "-" + m.group(2))).as("%s read twice", line).isTrue();
          }
        }
        assertThat(off).as("chunk %s read to its listed size", chunk.name()).isEqualTo(chunk.size());
      }
      assertThat(read).containsAll(acknowledged);
      System.out.println("BusCrashTest: " + acknowledged.size() + " acknowledged messages, " + read.size() + " read back from "
          + chunks.size() + " chunks");
    }
  }

  private static void write(HttpClient http, URI base, int writer, Random random, Set<String> acknowledged, CountDownLatch going,
      AtomicBoolean killed) {
    for (int seq = 0, writes = 0; ; ) {
      StringBuilder body = new StringBuilder();
      List<String> batch = new ArrayList<>();
      int count = 1 + random.nextInt(64);
      for (int i = 0; i < count; i++, seq++) {
        String padding = "x".repeat(random.nextInt(random.nextInt(10) == 0 ? 20_000 : 300));
        body.append('w').append(writer).append('-').append(seq).append('-').append(crc(writer + "-" + seq + "-" + padding))
            .append('-').append(padding).append('\n');
        batch.add(writer + "-" + seq);
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/write?category=crash"))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          UNEXPECTED.add(r.statusCode() + " " + r.body());
          return;
        }
      } catch (java.io.IOException e) {
        if (!killed.get()) UNEXPECTED.add("writer " + writer + ": " + e);
        return;
      } catch (InterruptedException e) {
        return;
      }
      acknowledged.addAll(batch);
      if (++writes == WRITES_BEFORE_KILL) going.countDown();
    }
  }

  private static HttpResponse<byte[]> get(HttpClient http, URI base, String pathAndQuery) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String crc(String text) {
    CRC32 crc = new CRC32();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", crc.getValue());
  }
}
