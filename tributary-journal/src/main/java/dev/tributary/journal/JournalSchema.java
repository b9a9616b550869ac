package dev.tributary.journal;

import org.flywaydb.core.Flyway;

/** Creates or upgrades the journal's tables (Flyway, migrations in dev/tributary/journal/db). */
public final class JournalSchema {
  private JournalSchema() {}

  /** Brings the database at {@code jdbcUrl} to the current schema; safe to call from many processes at once. */
  public static void migrate(String jdbcUrl) {
    Flyway.configure().dataSource(jdbcUrl, null, null).locations("classpath:dev/tributary/journal/db")
        .table("journal_schema_history").load().migrate();
  }
}
