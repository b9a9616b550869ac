package dev.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresServerTest {
  @Test
  void startsAPrivateClusterThatStoresAndAnswersQueriesAndStopsOnClose() throws Exception {
    int port;
    try (PostgresServer pg = PostgresServer.start()) {
      port = pg.port();
      String url = pg.createDatabase();
      assertThat(url).startsWith("jdbc:postgresql://127.0.0.1:" + port + "/");
      try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE t (v text)");
        st.execute("INSERT INTO t VALUES ('kept')");
        try (ResultSet rs = st.executeQuery("SELECT v FROM t")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("kept");
        }
      }
    }
    assertThat(canConnect(port)).isFalse();
  }

  private static boolean canConnect(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
