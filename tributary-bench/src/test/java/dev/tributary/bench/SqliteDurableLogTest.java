package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.capture.DurableLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite baseline on a real database file. */
class SqliteDurableLogTest {

  @TempDir Path dir;

  private static long rows(Path db) throws Exception {
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + db);
         var r = c.createStatement().executeQuery("SELECT count(*) FROM events")) {
      return r.getLong(1);
    }
  }

  private static List<byte[]> events(int n, String tag) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(("{\"event\":\"" + tag + i + "\"}").getBytes(StandardCharsets.UTF_8));
    return out;
  }

  @Test
  void storesEveryAcknowledgedEventWithWalAndFullSync() throws Exception {
    Path db = dir.resolve("events.db");
    List<CompletableFuture<?>> acks = new ArrayList<>();
    try (SqliteDurableLog log = SqliteDurableLog.open(db, 1L << 30)) {
      assertThat(log.settings()).isEqualTo("wal/2");
      List<Thread> appenders = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String tag = "t" + t + "-";
        appenders.add(Thread.ofPlatform().start(() -> {
          for (int r = 0; r < 25; r++) {
            CompletableFuture<?> ack = log.append(events(3, tag));
            synchronized (acks) { acks.add(ack); }
          }
        }));
      }
      for (Thread a : appenders) a.join();
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
    }
    assertThat(rows(db)).isEqualTo(4 * 25 * 3);
  }

  @Test
  void refusesAnAppendPastTheLimitWholeAndStoresNothingOfIt() throws Exception {
    Path db = dir.resolve("events.db");
    try (SqliteDurableLog log = SqliteDurableLog.open(db, 100)) {
      log.append(events(2, "fits")).join();
      long free = log.freeBytes();

      CompletableFuture<DurableLog.Outcome> tooBig = log.append(events(10, "too-big"));

      assertThat(tooBig).succeedsWithin(java.time.Duration.ofSeconds(5)).isEqualTo(DurableLog.Outcome.NO_ROOM);
      assertThat(log.freeBytes()).isEqualTo(free);
    }
    assertThat(rows(db)).isEqualTo(2);
  }

  @Test
  void failsAppendsAfterClose() throws Exception {
    SqliteDurableLog log = SqliteDurableLog.open(dir.resolve("events.db"), 1L << 20);
    log.close();

    assertThat(log.append(events(1, "late"))).succeedsWithin(java.time.Duration.ofSeconds(5)).isEqualTo(DurableLog.Outcome.CLOSED);
  }
}
