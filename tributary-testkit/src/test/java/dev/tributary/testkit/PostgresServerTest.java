package dev.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import org.junit.jupiter.api.Test;

class PostgresServerTest {
  @Test
  void startsAPrivateClusterThatTakesConnectionsAndStopsOnClose() throws Exception {
    int port;
    try (PostgresServer pg = PostgresServer.start()) {
      port = pg.port();
      String url = pg.createDatabase();
      assertThat(url).startsWith("jdbc:postgresql://127.0.0.1:" + port + "/");
      try (Socket s = new Socket("127.0.0.1", port)) {
        assertThat(s.isConnected()).isTrue();
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
