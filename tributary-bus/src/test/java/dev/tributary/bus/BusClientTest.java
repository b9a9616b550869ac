package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BusClient} against a real node over loopback, in the states a crash or a restart leaves it in. */
class BusClientTest {
  @TempDir Path dir;

  /**
   * A reader whose saved state names a chunk it then acknowledged (it died before saving again,
   * or the node closed after deleting the chunk but before answering the ack) must go on with
   * the next chunk. Chukcha's client stops there for good (a TODO in its processInstance).
   */
  @Test
  void stateSavedBeforeAnAcknowledgementGoesOnWithTheNextChunk() throws Exception {
    try (BusNode node = new BusNode(BusConfig.defaults(dir, "node-a").withRotation(300, Duration.ofMinutes(10)))) {
      BusClient writer = new BusClient(List.of(node.uri()));
      for (int n = 0; n < 300; n += 100) writer.send("numbers", lines(n, n + 100)); // a chunk is completed once past 300 bytes

      BusClient reader = new BusClient(List.of(node.uri()));
      StringBuilder first = new StringBuilder();
      assertThat(reader.process("numbers", bytes -> first.append(text(bytes)))).isTrue();
      assertThat(first.toString()).as("the first chunk, read whole").startsWith("0\n").isNotEqualTo(text(lines(0, 300)));
      String saved = reader.saveState();
      // Reads on: acknowledges (deletes) the first chunk, then reads the next.
      assertThat(reader.process("numbers", bytes -> { })).isTrue();

      BusClient restarted = new BusClient(List.of(node.uri()));
      restarted.restoreState(saved);
      StringBuilder after = new StringBuilder();
      for (int i = 0; i < 5; i++) restarted.process("numbers", bytes -> after.append(text(bytes)));
      assertThat(first + after.toString()).as("every message once, none of the first chunk again").isEqualTo(text(lines(0, 300)));
    }
  }

  private static byte[] lines(int from, int to) {
    StringBuilder text = new StringBuilder();
    IntStream.range(from, to).forEach(n -> text.append(n).append('\n'));
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
