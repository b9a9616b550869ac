package dev.tributary.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class one private PostgreSQL cluster ({@link PostgresServer}), started before its first
 * test and deleted after its last. Use as {@code @RegisterExtension static final PostgresExtension
 * postgres = new PostgresExtension();} and {@code postgres.createDatabase()} for a fresh database per test.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {
  private PostgresServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = PostgresServer.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) server.close();
  }

  /** A new empty database; its JDBC URL. */
  public String createDatabase() {
    return server().createDatabase();
  }

  public PostgresServer server() {
    if (server == null) throw new IllegalStateException("PostgreSQL starts before the first test of the class");
    return server;
  }
}
