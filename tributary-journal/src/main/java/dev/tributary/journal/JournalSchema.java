package dev.tributary.journal;

import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/** Creates or upgrades the journal's tables (Flyway, migrations in dev/tributary/journal/db). */
public final class JournalSchema {
  private JournalSchema() {}

  /**
   * Brings the database at {@code jdbcUrl} to the current schema; safe to call from many processes at once.
   * A failure is a {@link JournalStoreException} that names the database (without its password) and
   * PostgreSQL's own reason, rather than Flyway's wrapping of it.
   */
  public static void migrate(String jdbcUrl) {
    try {
      Flyway.configure().dataSource(PostgresUrl.check(jdbcUrl), null, null).locations("classpath:dev/tributary/journal/db")
          .table("journal_schema_history").load().migrate();
    } catch (FlywayException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SQLException sql) throw new JournalStoreException(PostgresUrl.failure(jdbcUrl, sql), e);
      }
      throw new JournalStoreException("could not create or upgrade the journal tables in PostgreSQL at "
          + PostgresUrl.withoutPassword(jdbcUrl) + ": " + e.getMessage(), e);
    }
  }
}
