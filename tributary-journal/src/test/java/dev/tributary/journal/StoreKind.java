package dev.tributary.journal;

import java.util.List;

/**
 * The eventual stores every journal test runs on (a {@code @EnumSource} parameter), each giving a
 * store of its kind on the shared servers, and a one-line form of its config for a child JVM's
 * command line.
 */
enum StoreKind {
  POSTGRESQL {
    @Override
    JournalStoreConfig fresh() {
      return JournalStoreConfig.postgres(SharedServers.createDatabase());
    }
  },
  CASSANDRA {
    @Override
    JournalStoreConfig fresh() {
      return SharedServers.sharedKeyspace();
    }
  };

  /** A store for one test, holding nothing of its topics: a new database, or the keyspace the tests share by topic. */
  abstract JournalStoreConfig fresh();

  /** {@code config} on one line, for {@link #parse}. */
  static String format(JournalStoreConfig config) {
    return switch (config) {
      case JournalStoreConfig.Postgres p -> p.jdbcUrl();
      case JournalStoreConfig.Cassandra c -> "cassandra " + String.join(",", c.contactPoints()) + " " + c.keyspace() + " "
          + c.localDc() + " " + c.segmentSize();
    };
  }

  static JournalStoreConfig parse(String line) {
    if (!line.startsWith("cassandra ")) return JournalStoreConfig.postgres(line);
    String[] f = line.split(" ");
    return JournalStoreConfig.Cassandra.of(List.of(f[1].split(",")), f[2]).withLocalDc(f[3]).withSegmentSize(Integer.parseInt(f[4]));
  }
}
