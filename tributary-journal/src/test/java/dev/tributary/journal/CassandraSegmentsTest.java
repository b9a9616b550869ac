package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** kafka-journal's segment arithmetic, on the examples its own documentation gives, and the Cassandra config's checks. */
class CassandraSegmentsTest {

  @Test
  void journalSegmentsAreRunsOfSegmentSizeSequenceNumbers() {
    assertThat(CassandraStore.segment(45629, 10_000)).isEqualTo(4);
    assertThat(CassandraStore.segment(1, 10_000)).isZero();
    assertThat(CassandraStore.segment(10_000, 10_000)).isZero();
    assertThat(CassandraStore.segment(10_001, 10_000)).isEqualTo(1);
  }

  @Test
  void theMetajournalSegmentIsTheLowerCaseIdsHashModuloTheSegments() {
    assertThat(CassandraStore.metaSegment("journal ID", 10_000)).isEqualTo(5668);
    assertThat(CassandraStore.metaSegment("JOURNAL id", 10_000)).isEqualTo(5668);
    // A hash of Integer.MIN_VALUE stays positive: abs is taken of the remainder as a long.
    assertThat(CassandraStore.metaSegment("polygenelubricants", 10_000)).isEqualTo(3648);
    assertThat(CassandraStore.metaSegment("journal ID", 100)).isEqualTo(68);
  }

  @Test
  void aBadContactPointKeyspaceOrSegmentSizeIsRefusedWithWhatIsExpected() {
    assertThatThrownBy(() -> JournalStoreConfig.Cassandra.of(List.of("localhost"), "journal"))
        .hasMessageContaining("host:port").hasMessageContaining("'localhost'");
    assertThatThrownBy(() -> JournalStoreConfig.Cassandra.of(List.of("h:9042"), "journal; DROP"))
        .hasMessageContaining("keyspace");
    assertThatThrownBy(() -> JournalStoreConfig.Cassandra.of(List.of("h:9042"), "j").withSegmentSize(1))
        .hasMessageContaining("at least 2");
    assertThatThrownBy(() -> JournalStoreConfig.Cassandra.of(List.of("h:9042"), "j").withCredentials("u", null))
        .hasMessageContaining("password");
  }
}
