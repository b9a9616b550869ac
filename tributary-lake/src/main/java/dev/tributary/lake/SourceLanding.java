package dev.tributary.lake;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lake side of one source (the spool, or one Kafka partition), the part both sinks share.
 * Per record, in offset order: place it (its event partition, or {@code _errors} by the source's
 * record time), skip it if a completed file of that directory already covers its offset (only
 * while replaying offsets an earlier run may have written, below {@code horizon}), otherwise
 * append it, or its error line, to the directory's open file. What a sink adds in between (the
 * spool sink's event_id window) goes between {@link #place} and {@link #land}.
 */
final class SourceLanding {

  private static final Logger log = LoggerFactory.getLogger(SourceLanding.class);

  /** A source of offsets: the spool ({@link #SPOOL}), or a Kafka topic partition. */
  record Source(String topic, int partition) {
    static final Source SPOOL = new Source(null, -1);

    /** The prefix of its file names: {@code part} for the spool, {@code <topic>+<partition>} for Kafka. */
    String filePrefix() {
      return topic == null ? "part" : topic + "+" + partition;
    }

    @Override public String toString() {
      return topic == null ? "spool" : topic + "-" + partition;
    }
  }

  /** Where a record goes. */
  record Placed(Placement placement, Path dir) {}

  final LakeWriter writer;
  private final Source source;
  private final PartitionPath partitions;
  private final LakeMeters meters;
  private CoveredOffsets covered;  // null once past the replay horizon

  /** Reads from offset {@code from}; offsets below {@code horizon} may be in files of an earlier run. */
  SourceLanding(LakeTable table, Source source, String token, long from, long horizon) {
    LakeFileNamer namer = new LakeFileNamer(source.filePrefix(), table.format(), token);
    this.writer = new LakeWriter(table.store(), table.format(), namer, table.rolls(), table.meters());
    this.source = source;
    this.partitions = table.partitions();
    this.meters = table.meters();
    this.covered = new CoveredOffsets(table.store(), namer, from, horizon);
  }

  /**
   * Where the record goes, or null when a completed file already holds it. {@code placement} is
   * {@link Placement#of} the record's payload; {@code sourceMillis} is the source's time of the
   * record (spool append, Kafka timestamp), which places error records.
   */
  Placed place(long offset, Placement placement, long sourceMillis) throws IOException {
    Path dir = switch (placement) {
      case Placement.Event e -> partitions.ofEvent(e.type(), e.receivedAt());
      case Placement.Unplaceable u -> partitions.ofError(sourceMillis);
    };
    boolean landed = covered != null && covered.covers(dir, offset);
    if (covered != null && covered.pastHorizon(offset + 1)) covered = null;
    if (landed) {
      meters.replaySkipped().increment();
      return null;
    }
    return new Placed(placement, dir);
  }

  /** Appends what {@link #place} placed: the event, or an error line that says why it could not be placed. */
  void land(Placed placed, long offset, byte[] payload, long sourceMillis, long nowNanos) throws IOException {
    switch (placed.placement()) {
      case Placement.Event e -> {
        writer.append(placed.dir(), offset, e.line(), e.receivedAt().toEpochMilli(), nowNanos);
        meters.eventsWritten().increment();
      }
      case Placement.Unplaceable u -> {
        writer.appendError(placed.dir(), offset, ErrorLine.of(u.reason(), source, offset, sourceMillis, payload), nowNanos);
        meters.errorsWritten().increment();
        log.debug("{} offset {} written to _errors: {}", source, offset, u.reason());
      }
    }
  }
}
