package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The store's connection pool against a real PostgreSQL: sessions the server ends are replaced, and the pool is metered. */
class PostgresStorePoolTest {

  /**
   * A database restart or an administrator's {@code pg_terminate_backend} ends the pool's idle
   * sessions; the next read must get a live one, not the error of a dead one (the hand-made pool
   * handed the dead session out and failed that read).
   */
  @Test
  void aSessionEndedByTheServerIsReplacedBeforeTheNextRead() throws Exception {
    String url = SharedServers.createDatabase();
    JournalSchema.migrate(url);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (PostgresStore store = new PostgresStore(url, 2, "journal-test", registry)) {
      assertThat(store.pointer("t", 0)).isEmpty();
      assertThat(terminateOtherSessions(url)).as("pooled sessions ended by the server").isPositive();
      // HikariCP checks a connection idle for more than 500 ms before handing it out; past that the check is certain.
      Thread.sleep(600);
      assertThat(store.pointer("t", 0)).as("a read after the sessions were ended").isEmpty();
      assertThat(registry.find("hikaricp.connections.max").tag("pool", "journal-test").gauge()).as("the pool's meters").isNotNull()
          .satisfies(g -> assertThat(g.value()).isEqualTo(2));
    }
  }

  private static int terminateOtherSessions(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
      r.next();
      return r.getInt(1);
    }
  }
}
