package dev.tributary.journal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * A small bounded pool of JDBC connections to one database, opened on demand: a read must not pay
 * for a new PostgreSQL session each time. A connection that failed is closed, not returned.
 */
final class Connections implements AutoCloseable {
  private final String url;
  private final Semaphore permits;
  private final BlockingQueue<Connection> idle;
  private volatile boolean closed;

  Connections(String url, int max) {
    this.url = url;
    this.permits = new Semaphore(max);
    this.idle = new ArrayBlockingQueue<>(max);
  }

  interface Work<T> {
    T apply(Connection c) throws SQLException;
  }

  /** Runs {@code work} on a pooled connection in auto-commit mode. */
  <T> T withConnection(Work<T> work) {
    return run(work, false);
  }

  /** Runs {@code work} in one transaction, committed when it returns and rolled back when it throws. */
  <T> T inTransaction(Work<T> work) {
    return run(work, true);
  }

  private <T> T run(Work<T> work, boolean transaction) {
    if (closed) throw new IllegalStateException("the journal store is closed");
    permits.acquireUninterruptibly();
    Connection c = null;
    boolean healthy = false;
    try {
      c = idle.poll();
      if (c == null) c = DriverManager.getConnection(url);
      c.setAutoCommit(!transaction);
      T result = work.apply(c);
      if (transaction) c.commit();
      healthy = true;
      return result;
    } catch (SQLException e) {
      if (transaction && c != null) rollbackQuietly(c);
      throw new JournalStoreException(PostgresUrl.failure(url, e), e);
    } catch (RuntimeException e) {
      if (transaction && c != null) rollbackQuietly(c);
      throw e;
    } finally {
      if (c != null) {
        if (healthy && !closed) idle.offer(c);
        else closeQuietly(c);
      }
      permits.release();
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is closed below; PostgreSQL rolls back what it held
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // nothing more to do with a broken connection
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection c;
    while ((c = idle.poll()) != null) closeQuietly(c);
  }
}
