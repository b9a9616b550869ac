package dev.tributary.journal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The journal's pool of JDBC connections to one database (HikariCP): a read must not pay for a new
 * PostgreSQL session each time, a connection past its lifetime or found dead is replaced, and the
 * pool's own meters ({@code hikaricp_connections_*}) go to the command's registry.
 */
final class Connections implements AutoCloseable {
  /**
   * How long a caller waits for a connection. HikariCP's 30 s would hold a command whose database
   * is down that long before it says so; the replicator retries after a failure anyway.
   */
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  private final String url;
  private final HikariDataSource pool;

  Connections(String url, int max, String name, MeterRegistry registry) {
    this.url = url;
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName(name);
    config.setMaximumPoolSize(max);
    config.setMinimumIdle(0); // a short command opens what it uses, no more
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    // The first use, not the pool's creation, meets an unreachable database, and says so as every use does.
    config.setInitializationFailTimeout(-1);
    if (registry != null) config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    this.pool = new HikariDataSource(config);
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
    if (pool.isClosed()) throw new IllegalStateException("the journal store is closed");
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(!transaction);
      try {
        T result = work.apply(c);
        if (transaction) c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        if (transaction) c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new JournalStoreException(PostgresUrl.failure(url, reason(e)), e);
    }
  }

  /** PostgreSQL's own reason when the pool timed out waiting for a connection it could not open. */
  private static SQLException reason(SQLException e) {
    return e.getCause() instanceof SQLException cause ? cause : e;
  }

  @Override
  public void close() {
    pool.close();
  }
}
