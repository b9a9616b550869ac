package dev.tributary.journal;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Where the journal's eventual store is: PostgreSQL, or Cassandra in kafka-journal's schema. */
public sealed interface JournalStoreConfig {

  static JournalStoreConfig postgres(String jdbcUrl) {
    return new Postgres(jdbcUrl);
  }

  /** A PostgreSQL database (the tables are created or upgraded by Flyway). */
  record Postgres(String jdbcUrl) implements JournalStoreConfig {
    public Postgres {
      PostgresUrl.check(jdbcUrl);
    }

    @Override
    public String toString() {
      return "PostgreSQL at " + PostgresUrl.withoutPassword(jdbcUrl);
    }
  }

  /**
   * A Cassandra cluster, in kafka-journal's tables ({@code journal}, {@code metajournal},
   * {@code pointer2}, {@code setting}) of {@code keyspace}, so that kafka-journal and Tributary can
   * share it. A missing keyspace is created with {@code replication} (a CQL replication map); an
   * existing one is used as it is. Missing tables are created; tables of an older kafka-journal
   * schema version are altered only when {@code migrate} is set. {@code localDc}: the driver's local
   * datacenter; {@code username}/{@code password}: null without authentication. Every statement is
   * run at {@code LOCAL_QUORUM}. {@code segmentSize}: events per {@code journal} partition for new
   * journals (kafka-journal's default 10,000; a journal keeps the size it was created with).
   */
  record Cassandra(List<String> contactPoints, String keyspace, String localDc, String username, String password,
                   String replication, boolean migrate, int segmentSize) implements JournalStoreConfig {
    public static final String DEFAULT_LOCAL_DC = "datacenter1";
    public static final String DEFAULT_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
    public static final int DEFAULT_SEGMENT_SIZE = 10_000;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s:,]+:\\d{1,5}");

    public Cassandra {
      contactPoints = List.copyOf(contactPoints);
      if (contactPoints.isEmpty()) throw new IllegalArgumentException("Cassandra needs at least one contact point, host:port");
      for (String c : contactPoints) {
        if (!HOST_PORT.matcher(c).matches()) {
          throw new IllegalArgumentException("a Cassandra contact point is host:port, e.g. localhost:9042; got '" + c + "'");
        }
      }
      if (keyspace == null || !NAME.matcher(keyspace).matches()) {
        throw new IllegalArgumentException("a Cassandra keyspace is a letter then up to 47 letters, digits or _; got '" + keyspace + "'");
      }
      Objects.requireNonNull(localDc, "localDc");
      Objects.requireNonNull(replication, "replication");
      if ((username == null) != (password == null)) throw new IllegalArgumentException("a Cassandra username needs a password, and the other way round");
      if (segmentSize < 2) throw new IllegalArgumentException("segmentSize must be at least 2 (kafka-journal's minimum), was " + segmentSize);
    }

    /** {@code contactPoints} host:port, datacenter {@value #DEFAULT_LOCAL_DC}, no credentials, replication factor 1 for a new keyspace. */
    public static Cassandra of(List<String> contactPoints, String keyspace) {
      return new Cassandra(contactPoints, keyspace, DEFAULT_LOCAL_DC, null, null, DEFAULT_REPLICATION, false, DEFAULT_SEGMENT_SIZE);
    }

    public Cassandra withLocalDc(String dc) {
      return new Cassandra(contactPoints, keyspace, dc, username, password, replication, migrate, segmentSize);
    }

    public Cassandra withCredentials(String user, String pass) {
      return new Cassandra(contactPoints, keyspace, localDc, user, pass, replication, migrate, segmentSize);
    }

    public Cassandra withReplication(String cqlMap) {
      return new Cassandra(contactPoints, keyspace, localDc, username, password, cqlMap, migrate, segmentSize);
    }

    public Cassandra withMigrate(boolean allowed) {
      return new Cassandra(contactPoints, keyspace, localDc, username, password, replication, allowed, segmentSize);
    }

    public Cassandra withSegmentSize(int size) {
      return new Cassandra(contactPoints, keyspace, localDc, username, password, replication, migrate, size);
    }

    @Override
    public String toString() {
      return "Cassandra at " + String.join(",", contactPoints) + " keyspace " + keyspace;
    }
  }
}
