package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Schema creation and versioning as kafka-journal does it, on the shared Cassandra node: an existing
 * keyspace is used as it is, and tables of an older kafka-journal version are altered only when allowed.
 */
class CassandraSchemaTest {

  @Test
  void tablesOfAnOlderVersionAreRefusedUntouchedThenUpgradedWhenAllowed() {
    JournalStoreConfig.Cassandra config = SharedServers.createKeyspace()
        .withReplication("{'class': 'NetworkTopologyStrategy', 'elsewhere': 3}");
    String ks = config.keyspace();
    try (CqlSession cql = session(config)) {
      // kafka-journal's first schema, from before its versions: no headers, version or meta_record_id in journal, no record_id
      // in metajournal, no schema-version setting (version 0 would mean its first migration, adding headers, was done).
      cql.execute("CREATE KEYSPACE " + ks + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      cql.execute("CREATE TABLE " + ks + ".journal (id TEXT, topic TEXT, segment BIGINT, seq_nr BIGINT, partition INT, offset BIGINT,"
          + " timestamp TIMESTAMP, origin TEXT, tags SET<TEXT>, metadata TEXT, payload_type TEXT, payload_txt TEXT, payload_bin BLOB,"
          + " PRIMARY KEY ((id, topic, segment), seq_nr, timestamp))");
      cql.execute("CREATE TABLE " + ks + ".metajournal (id TEXT, topic TEXT, segment BIGINT, partition INT, offset BIGINT,"
          + " segment_size INT, seq_nr BIGINT, delete_to BIGINT, created TIMESTAMP, created_date DATE, updated TIMESTAMP,"
          + " expire_after DURATION, expire_on DATE, origin TEXT, properties MAP<TEXT,TEXT>, metadata TEXT,"
          + " PRIMARY KEY ((topic, segment), id))");
      cql.execute("CREATE INDEX metajournal_created_date_idx ON " + ks + ".metajournal (created_date)");
      cql.execute("CREATE INDEX metajournal_expire_on_idx ON " + ks + ".metajournal (expire_on)");
      cql.execute("CREATE TABLE " + ks + ".setting (key TEXT PRIMARY KEY, value TEXT, timestamp TIMESTAMP, origin TEXT, metadata TEXT)");

      assertThatThrownBy(() -> JournalStore.open(config, 1, "schema-test", null)).isInstanceOf(JournalStoreException.class)
          .hasMessageContaining("keyspace " + ks).hasMessageContaining("schema version unknown").hasMessageContaining("needs 8")
          .hasMessageContaining("--cassandra-migrate");
      assertThat(columns(cql, ks, "journal")).doesNotContain("headers", "version", "meta_record_id");

      JournalStore.open(config.withMigrate(true), 1, "schema-test", null).close();
      cql.refreshSchema();
      assertThat(columns(cql, ks, "journal")).contains("headers", "version", "meta_record_id");
      assertThat(columns(cql, ks, "metajournal")).contains("record_id");
      assertThat(cql.execute("SELECT value FROM " + ks + ".setting WHERE key = 'schema-version'").one().getString(0)).isEqualTo("8");
      assertThat(cql.getMetadata().getKeyspace(ks).orElseThrow().getReplication()).as("the existing keyspace, unaltered")
          .containsEntry("replication_factor", "1").doesNotContainKey("elsewhere");

      JournalStore.open(config, 1, "schema-test", null).close(); // now current: no flag needed
    }
  }

  private static java.util.Set<String> columns(CqlSession cql, String ks, String table) {
    cql.refreshSchema();
    return cql.getMetadata().getKeyspace(ks).orElseThrow().getTable(table).orElseThrow().getColumns().keySet().stream()
        .map(CqlIdentifier::asInternal).collect(java.util.stream.Collectors.toSet());
  }

  private static CqlSession session(JournalStoreConfig.Cassandra config) {
    String point = config.contactPoints().getFirst();
    int colon = point.lastIndexOf(':');
    return CqlSession.builder().addContactPoint(new InetSocketAddress(point.substring(0, colon), Integer.parseInt(point.substring(colon + 1))))
        .withLocalDatacenter(config.localDc())
        // DDL waits for schema agreement: on a busy machine more than the driver's 2 s.
        .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30)).build())
        .build();
  }
}
