package dev.tributary.bench;

import dev.tributary.capture.DurableLog;
import java.io.Closeable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline capture log: the design first proposed for this job (a SQLite database in WAL
 * mode with {@code synchronous=FULL}, one transaction per request). One writer connection on
 * one thread serializes appends; an append's future completes after its COMMIT returned, i.e.
 * after SQLite fsynced the WAL. No group commit across requests: that is what the spool adds.
 *
 * <p>Table {@code events(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)}: one row per event,
 * the payload being the event's UTF-8 JSON exactly as capture handed it.
 */
public final class SqliteDurableLog implements DurableLog, Closeable {

  private final Connection connection;
  private final PreparedStatement insert;
  private final ExecutorService writer;
  private final long maxBytes;
  private final AtomicLong usedBytes = new AtomicLong();

  private SqliteDurableLog(Connection connection, long maxBytes) throws SQLException {
    this.connection = connection;
    this.maxBytes = maxBytes;
    this.insert = connection.prepareStatement("INSERT INTO events(payload) VALUES (?)");
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sqlite-writer");
      t.setDaemon(true);
      return t;
    });
  }

  /** Opens (creating if needed) the database file; appends fail once {@code maxBytes} of payload were stored. */
  public static SqliteDurableLog open(Path file, long maxBytes) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
      c.setAutoCommit(false);
      c.commit();
      return new SqliteDurableLog(c, maxBytes);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  /** The journal mode and synchronous level SQLite actually applied, e.g. {@code wal/2} (2 = FULL). */
  public String settings() {
    return onWriter(() -> {
      try (Statement s = connection.createStatement()) {
        var mode = s.executeQuery("PRAGMA journal_mode");
        String journal = mode.getString(1);
        var sync = s.executeQuery("PRAGMA synchronous");
        return journal + "/" + sync.getInt(1);
      }
    }).join();
  }

  @Override
  public CompletableFuture<Outcome> append(List<byte[]> events) {
    long size = 0;
    for (byte[] e : events) size += e.length;
    long used = usedBytes.addAndGet(size);
    if (used > maxBytes) {
      usedBytes.addAndGet(-size);
      return CompletableFuture.completedFuture(Outcome.NO_ROOM);
    }
    long reserved = size;
    CompletableFuture<Outcome> done;
    try {
      done = onWriter(() -> {
        insertInOneTransaction(events);
        return Outcome.DURABLE;
      });
    } catch (RejectedExecutionException e) {
      usedBytes.addAndGet(-reserved);
      return CompletableFuture.completedFuture(Outcome.CLOSED);
    }
    return done.whenComplete((outcome, failure) -> {
      if (failure != null) usedBytes.addAndGet(-reserved);
    });
  }

  private void insertInOneTransaction(List<byte[]> events) throws SQLException {
    try {
      for (byte[] e : events) {
        insert.setBytes(1, e);
        insert.addBatch();
      }
      insert.executeBatch();
      connection.commit();
    } catch (SQLException e) {
      insert.clearBatch();
      connection.rollback();
      throw e;
    }
  }

  @Override
  public long freeBytes() {
    return Math.max(0, maxBytes - usedBytes.get());
  }

  /** Waits for appends already queued, then closes the database. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(1, TimeUnit.MINUTES);
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException e) {
      throw new IllegalStateException("closing SQLite failed: " + e.getMessage(), e);
    }
  }

  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  /** Throws {@link RejectedExecutionException} once closed. */
  private <T> CompletableFuture<T> onWriter(SqlWork<T> work) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return work.run();
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, writer);
  }
}
