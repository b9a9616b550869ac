package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives two bus nodes the way Chukcha's simple client does, through {@link BusClient}: writes
 * to a random node (retrying on the other while one restarts), lists chunks, reads by byte
 * offset until an empty answer, acknowledges complete chunks, and restarts from saved cursors.
 */
class BusCompatibilityTest {
  private static final int MESSAGES = 1_000_000;
  private static final int BATCH = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** As a Chukcha application does: an error (here, a node restarting) is logged and the call retried. */
  private boolean processed(BusClient reader, BusClient.Handler handler) throws InterruptedException {
    try {
      return reader.process("numbers", handler);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void millionMessagesReadOnceEachAcrossAClientRestartAndANodeRestart() throws Exception {
    BusConfig small = BusConfig.defaults(dir.resolve("a"), "node-a").withRotation(512 << 10, Duration.ofMinutes(10));
    try (BusNode a = new BusNode(small);
         BusNode b = new BusNode(new BusConfig(dir.resolve("b"), "node-b", small.fsync(), small.maxChunkBytes(), small.rotateInterval(), null, 0))) {
      List<java.net.URI> nodes = List.of(a.uri(), b.uri());
      AtomicBoolean restarted = new AtomicBoolean();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        BusClient client = new BusClient(nodes);
        try {
          for (int start = 0; start < MESSAGES; start += BATCH) {
            if (start == MESSAGES / 2) {
              a.restart(); // sends meanwhile go to b
              restarted.set(true);
            }
            StringBuilder batch = new StringBuilder();
            for (int n = start; n < start + BATCH; n++) batch.append(n).append('\n');
            client.send("numbers", batch.toString().getBytes(StandardCharsets.UTF_8));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });

      BitSet seen = new BitSet(MESSAGES);
      long[] sum = {0};
      int[] duplicates = {0};
      BusClient.Handler handler = messages -> {
        String text = new String(messages, StandardCharsets.US_ASCII);
        for (int start = 0, nl; (nl = text.indexOf('\n', start)) >= 0; start = nl + 1) {
          int n = Integer.parseInt(text, start, nl, 10);
          if (seen.get(n)) duplicates[0]++;
          seen.set(n);
          sum[0] += n;
        }
      };

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      BusClient[] reader = {new BusClient(nodes)};
      Runnable giveUpIfStalled = () -> {
        if (writer.isCompletedExceptionally()) writer.join();
        if (System.nanoTime() > deadline) {
          throw new AssertionError("reading stalled: " + seen.cardinality() + " of " + MESSAGES + " read, first missing "
              + seen.nextClearBit(0) + ", " + duplicates[0] + " read twice; node a restarted: " + restarted.get()
              + "; writer " + (writer.isDone() ? (writer.isCompletedExceptionally() ? "failed" : "done") : "still sending")
              + "; reader state " + reader[0].saveState());
        }
      };
      String saved = reader[0].saveState();
      while (seen.cardinality() < MESSAGES / 3) {
        giveUpIfStalled.run();
        if (processed(reader[0], handler)) saved = reader[0].saveState(); else Thread.sleep(20);
      }
      // The reading process "dies" and a new one starts from the state saved after its last batch.
      reader[0] = new BusClient(nodes);
      reader[0].restoreState(saved);
      assertThat(saved).startsWith("{\"Offsets\":{").contains("\"CurChunk\":{\"name\":").contains("\"LastAckedChunkIdx\":");
      int idle = 0;
      while (seen.cardinality() < MESSAGES || idle < 20) {
        giveUpIfStalled.run();
        if (processed(reader[0], handler)) {
          idle = 0;
        } else {
          idle++;
          Thread.sleep(10);
        }
      }
      writer.get(1, TimeUnit.MINUTES);

      assertThat(restarted).isTrue();
      assertThat(duplicates[0]).as("messages read twice").isZero();
      assertThat(seen.cardinality()).isEqualTo(MESSAGES);
      assertThat(sum[0]).isEqualTo((long) MESSAGES * (MESSAGES - 1) / 2);
      // Every chunk read to its end with a successor was acknowledged, and so deleted.
      for (BusNode node : List.of(a, b)) {
        List<ChunkInfo> left = JSON.readValue(node.get("/listChunks?category=numbers").body(), new TypeReference<>() {});
        assertThat(left).as("chunks left on " + node.config.instance()).hasSize(1);
        assertThat(left.get(0).complete()).isFalse();
      }
    }
  }
}
