package dev.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's cluster (CassandraCluster) is proven by tributary-journal's CassandraReplicationTest. */
class CassandraServerTest {
  /** DDL on a busy machine outlasts the driver's default 2 s. */
  private static final DriverConfigLoader PATIENT = DriverConfigLoader.programmaticBuilder()
      .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
      .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
      .build();

  @TempDir Path dir;

  @Test
  void aNodeThatCannotStartFailsWithTheEndOfItsLog() throws Exception {
    Files.writeString(dir.resolve("data"), "a file where Cassandra's data directory belongs");
    assertThatThrownBy(() -> CassandraServer.start(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with")
        .hasMessageContaining(dir.resolve("node.log").toString())
        .hasMessageContaining(dir.resolve("data").toString());
  }

  @Test
  void theSharedNodeAnswersCqlAndIsStartedOncePerJvm() {
    CassandraServer server = CassandraServer.shared();
    System.out.printf("Cassandra node started in %d ms, resident %d MB%n",
        server.startupTime().toMillis(), server.residentBytes() >> 20);
    assertThat(CassandraServer.shared()).isSameAs(server);
    try (CqlSession session = CqlSession.builder().addContactPoint(server.contactPoint())
        .withLocalDatacenter(server.localDatacenter()).withConfigLoader(PATIENT).build()) {
      String version = session.execute("SELECT release_version FROM system.local").one().getString("release_version");
      assertThat(version).startsWith("5.0.");
      session.execute("CREATE KEYSPACE shared_node_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      session.execute("CREATE TABLE shared_node_test.t (k int PRIMARY KEY, v text)");
      session.execute("INSERT INTO shared_node_test.t (k, v) VALUES (1, 'kept')");
      assertThat(session.execute("SELECT v FROM shared_node_test.t WHERE k = 1").one().getString("v")).isEqualTo("kept");
    }
  }
}
