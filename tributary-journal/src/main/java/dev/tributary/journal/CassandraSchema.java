package dev.tributary.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kafka-journal's Cassandra schema, created and versioned as kafka-journal does it: the keyspace
 * when it is missing, the tables that are missing, and the schema version in {@code setting} under
 * {@code schema-version} (the index of the last of kafka-journal's migrations applied). Tables
 * created here are at the latest version. An existing keyspace is never altered unless asked to
 * ({@code migrate}): an older version is refused with what to do.
 */
final class CassandraSchema {
  private static final Logger log = LoggerFactory.getLogger(CassandraSchema.class);
  static final String VERSION_KEY = "schema-version";

  private CassandraSchema() {}

  /** kafka-journal's migrations, in its order; the schema version is the index of the last one applied. */
  static List<String> migrations(String ks) {
    return List.of(
        "ALTER TABLE " + ks + ".journal ADD headers map<text, text>",
        "ALTER TABLE " + ks + ".journal ADD version TEXT",
        "DROP TABLE IF EXISTS " + ks + ".metadata",
        pointer2(ks),
        "ALTER TABLE " + ks + ".journal ADD meta_record_id UUID",
        "ALTER TABLE " + ks + ".metajournal ADD record_id UUID",
        "DROP TABLE IF EXISTS " + ks + ".pointer",
        "DROP TABLE IF EXISTS " + ks + ".metadata",
        "DROP TABLE IF EXISTS " + ks + ".pointer");
  }

  static int latestVersion() {
    return migrations("k").size() - 1;
  }

  /** The tables by name, each with the statements that create it (in kafka-journal's order of creation). */
  static Map<String, List<String>> tables(String ks) {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    tables.put("journal", List.of("CREATE TABLE IF NOT EXISTS " + ks + ".journal (id TEXT, topic TEXT, segment BIGINT, seq_nr BIGINT,"
            + " partition INT, offset BIGINT, timestamp TIMESTAMP, origin TEXT, version TEXT, meta_record_id UUID,"
            + " tags SET<TEXT>, metadata TEXT, payload_type TEXT, payload_txt TEXT, payload_bin BLOB, headers MAP<TEXT, TEXT>,"
            + " PRIMARY KEY ((id, topic, segment), seq_nr, timestamp))"));
    tables.put("pointer2", List.of(pointer2(ks)));
    tables.put("setting", List.of("CREATE TABLE IF NOT EXISTS " + ks + ".setting (key TEXT PRIMARY KEY, value TEXT, timestamp TIMESTAMP,"
            + " origin TEXT, metadata TEXT)"));
    tables.put("metajournal", List.of("CREATE TABLE IF NOT EXISTS " + ks + ".metajournal (id TEXT, topic TEXT, segment BIGINT,"
            + " partition INT, offset BIGINT, segment_size INT, seq_nr BIGINT, delete_to BIGINT, created TIMESTAMP,"
            + " created_date DATE, updated TIMESTAMP, expire_after DURATION, expire_on DATE, record_id UUID, origin TEXT,"
            + " properties MAP<TEXT,TEXT>, metadata TEXT, PRIMARY KEY ((topic, segment), id))",
            "CREATE INDEX IF NOT EXISTS metajournal_created_date_idx ON " + ks + ".metajournal (created_date)",
            "CREATE INDEX IF NOT EXISTS metajournal_expire_on_idx ON " + ks + ".metajournal (expire_on)"));
    return tables;
  }

  private static String pointer2(String ks) {
    return "CREATE TABLE IF NOT EXISTS " + ks + ".pointer2 (topic text, partition int, offset bigint, created timestamp,"
        + " updated timestamp, PRIMARY KEY ((topic, partition)))";
  }

  /** Creates what is missing and checks the version; returns the schema version in force. */
  static int setUp(CqlSession session, JournalStoreConfig.Cassandra config, String origin) {
    String ks = config.keyspace();
    Optional<KeyspaceMetadata> keyspace = session.getMetadata().getKeyspace(ks);
    if (keyspace.isEmpty()) {
      log.info("creating Cassandra keyspace {} with replication {}", ks, config.replication());
      execute(session, "CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = " + config.replication());
    }
    Map<String, List<String>> tables = tables(ks);
    List<String> missing = tables.keySet().stream()
        .filter(t -> keyspace.isEmpty() || keyspace.get().getTable(t).isEmpty()).toList();
    boolean fresh = missing.size() == tables.size();
    if (!missing.isEmpty()) log.info("creating Cassandra tables {} in keyspace {}", missing, ks);
    for (String t : missing) tables.get(t).forEach(cql -> execute(session, cql));
    Row row = session.execute(SimpleStatement.newInstance("SELECT value FROM " + ks + ".setting WHERE key = ?", VERSION_KEY)).one();
    Integer version = row == null ? null : parse(row.getString("value"));
    int latest = latestVersion();
    if (version == null && fresh) {
      setVersion(session, ks, latest, origin);
      return latest;
    }
    int from = version == null ? -1 : version;
    if (from >= latest) return from;
    if (!config.migrate()) {
      throw new JournalStoreException("the journal tables in Cassandra keyspace " + ks + " are at kafka-journal schema version "
          + (version == null ? "unknown (no " + VERSION_KEY + " setting)" : version) + ", this store needs " + latest
          + "; allow the upgrade (migrate, --cassandra-migrate) once, or upgrade them with kafka-journal", null);
    }
    List<String> migrations = migrations(ks);
    for (int v = from + 1; v <= latest; v++) {
      try {
        execute(session, migrations.get(v));
      } catch (RuntimeException e) {
        // As kafka-journal does: a step whose change is there already (a column added by hand) fails harmlessly.
        log.info("schema migration {} of keyspace {} changed nothing: {}", v, ks, e.getMessage());
      }
      setVersion(session, ks, v, origin);
    }
    log.info("upgraded Cassandra keyspace {} from kafka-journal schema version {} to {}", ks, from, latest);
    return latest;
  }

  private static Integer parse(String value) {
    try {
      return Integer.valueOf(value.trim());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void setVersion(CqlSession session, String ks, int version, String origin) {
    session.execute(SimpleStatement.newInstance("INSERT INTO " + ks + ".setting (key, value, timestamp, origin) VALUES (?, ?, ?, ?)",
        VERSION_KEY, String.valueOf(version), Instant.now(), origin));
  }

  private static void execute(CqlSession session, String cql) {
    session.execute(SimpleStatement.newInstance(cql).setTimeout(java.time.Duration.ofSeconds(60)));
  }
}
