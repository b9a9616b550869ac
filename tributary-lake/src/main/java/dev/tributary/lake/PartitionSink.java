package dev.tributary.lake;

import java.io.IOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The lake side of one assigned Kafka partition: the lake core ({@link SourceLanding}) plus what
 * is committed and the recorded cut. A <em>cut</em> at offset X means "after the records below X, complete every open
 * file": the only completion that does not follow from the records themselves (the wall clock, a
 * revoke, a shutdown). It is committed to Kafka (in the offset metadata, {@code cut=X}) before
 * its files are published, so a member replaying from the committed offset completes the same
 * files at the same record. Used by the sink thread only.
 */
final class PartitionSink {

  static final String CUT = "cut=";

  final TopicPartition tp;
  final LakeWriter writer;
  private final SourceLanding landing;
  private final LakeTable table;
  private final String token;
  private final long horizon;
  private long committed;            // the committed offset: the next record a replay reads
  private long next;                 // the next offset to land
  private long replayCut;            // a cut read from Kafka, applied when the replay reaches it; -1 none
  private long recordedCut = -1;     // the latest cut this member committed or applied
  private long lastRecordMillis = -1;

  PartitionSink(TopicPartition tp, LakeTable table, String token, long committed, long horizon, long replayCut) {
    this.tp = tp;
    this.landing = new SourceLanding(table, new SourceLanding.Source(tp.topic(), tp.partition()), token, committed, horizon);
    this.writer = landing.writer;
    this.table = table;
    this.token = token;
    this.committed = committed;
    this.next = committed;
    this.horizon = horizon;
    this.replayCut = replayCut > committed ? replayCut : -1;
  }

  static long cutOf(String metadata) {
    if (metadata == null || !metadata.startsWith(CUT)) return -1;
    try {
      return Long.parseLong(metadata.substring(CUT.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  void place(ConsumerRecord<byte[], byte[]> r, long nowNanos) throws IOException {
    if (replayCut >= 0 && r.offset() >= replayCut) {
      writer.completeAll();
      recordedCut = replayCut;
      replayCut = -1;
    }
    next = r.offset() + 1;
    byte[] value = RecordValue.of(r);
    SourceLanding.Placed placed = landing.place(r.offset(), Placement.of(value), r.timestamp());
    if (placed == null) return;
    landing.land(placed, r.offset(), value, r.timestamp(), nowNanos);
    if (placed.placement() instanceof Placement.Event e) lastRecordMillis = e.receivedAt().toEpochMilli();
  }

  /** Records a cut at the next offset; the caller commits it, then calls {@link #completeAtCut}. */
  long cutHere() {
    return next;
  }

  void completeAtCut(long cut) throws IOException {
    recordedCut = cut;
    writer.completeAll();
  }

  /** The offset safe to commit: every record below it is in a completed file (or skipped as already there). */
  long safeOffset() {
    return Math.min(writer.oldestOpenOffset(), next);
  }

  String metadataFor(long offset) {
    long cut = Math.max(recordedCut, replayCut);
    return cut > offset ? CUT + cut : "";
  }

  long committed() {
    return committed;
  }

  void committed(long offset) {
    committed = offset;
  }

  long next() {
    return next;
  }

  /** The received_at up to which every record of this partition is in the lake, or -1 when unknown. */
  long completeUpToMillis(boolean caughtUp, long nowMillis) {
    long oldestOpen = writer.oldestOpenRecordMillis();
    if (writer.openFiles() > 0) return oldestOpen == Long.MAX_VALUE ? -1 : oldestOpen - 1;
    return caughtUp ? nowMillis : lastRecordMillis;
  }

  /** Drops the open files and starts again from the committed offset, as a new member would. */
  PartitionSink restart() {
    writer.abandonAll();
    return new PartitionSink(tp, table, token, committed, horizon, Math.max(recordedCut, replayCut));
  }

  /**
   * Drops the open files. Their records are then in no file, so nothing past the committed offset
   * is safe to commit any more: a commit after this (the revoke as the consumer closes) must not
   * skip them for the next owner.
   */
  void abandon() {
    writer.abandonAll();
    next = committed;
  }
}
