package dev.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CassandraClusterTest {
  /** Schema changes wait for all three nodes to agree: seconds on a machine busy with a whole test run. */
  static final DriverConfigLoader PATIENT = DriverConfigLoader.programmaticBuilder()
      .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
      .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
      .build();

  @TempDir Path dir;

  @Test
  void threeNodesWithReplicationFactorThreeReadAndWriteAtLocalQuorumWhileOneIsStopped() {
    try (CassandraCluster cluster = CassandraCluster.start(dir, 3)) {
      System.out.printf("3-node Cassandra cluster started in %d ms, resident %d MB together%n",
          cluster.startupTime().toMillis(), cluster.residentBytes() >> 20);
      step("start");
      assertThat(cluster.contactPoints()).extracting(a -> a.getAddress().getHostAddress())
          .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
      try (CqlSession session = CqlSession.builder().addContactPoints(cluster.contactPoints())
          .withLocalDatacenter(cluster.localDatacenter()).withConfigLoader(PATIENT).build()) {
        assertThat(session.execute("SELECT peer FROM system.peers").all()).hasSize(2);
        session.execute("CREATE KEYSPACE rf3 WITH replication = {'class': 'NetworkTopologyStrategy', '"
            + cluster.localDatacenter() + "': 3}");
        session.execute("CREATE TABLE rf3.t (k int PRIMARY KEY, v text)");
        write(session, 1, "before");

        step("schema and first write");
        cluster.stop(2);
        step("stop(2)");
        assertThat(cluster.running(2)).isFalse();
        write(session, 2, "while node 2 is stopped");
        assertThat(read(session, 1)).isEqualTo("before");
        assertThat(read(session, 2)).isEqualTo("while node 2 is stopped");

        // Two of three down: no quorum, so replication factor 3 is really in force.
        step("reads and writes without node 2");
        cluster.stop(1);
        step("stop(1)");
        // Until node 0 has taken in node 1's goodbye, a write still waits for node 1 and times out instead.
        // (The driver retries an unavailable write on the next node, and wraps what it got from each.)
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
            assertThatThrownBy(() -> write(session, 3, "without a quorum"))
                .hasMessageContaining(UnavailableException.class.getName())
                .hasMessageContaining("LOCAL_QUORUM (2 required but only 1 alive)"));
        assertThat(session.execute(SimpleStatement.newInstance("SELECT v FROM rf3.t WHERE k = 2")
            .setConsistencyLevel(ConsistencyLevel.ONE)).one().getString("v")).isEqualTo("while node 2 is stopped");

        step("no quorum shown");
        cluster.start(1);
        step("start(1)");
        cluster.start(2);
        step("start(2)");
        assertThat(session.execute(SimpleStatement.newInstance("SELECT v FROM rf3.t WHERE k = 2")
            .setConsistencyLevel(ConsistencyLevel.ALL)).one().getString("v")).isEqualTo("while node 2 is stopped");
        step("read at ALL");
      }
    }
    step("close");
  }

  private long last = System.nanoTime();

  private void step(String what) {
    long now = System.nanoTime();
    System.out.printf("%s took %d ms%n", what, (now - last) / 1_000_000);
    last = now;
  }

  private static void write(CqlSession session, int k, String v) {
    session.execute(SimpleStatement.newInstance("INSERT INTO rf3.t (k, v) VALUES (?, ?)", k, v)
        .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
  }

  private static String read(CqlSession session, int k) {
    return session.execute(SimpleStatement.newInstance("SELECT v FROM rf3.t WHERE k = ?", k)
        .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one().getString("v");
  }
}
