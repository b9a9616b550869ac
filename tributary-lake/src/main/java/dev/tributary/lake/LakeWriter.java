package dev.tributary.lake;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open lake files of one source (the spool, or one Kafka partition): at most one per
 * partition directory. Records must be appended in increasing offset order (checked: a file's
 * name states the offsets it covers, so a record out of order would be skipped or landed twice on
 * a replay); {@link #abandonAll} starts the order over, as the source is then read again. The source may be
 * acknowledged up to {@link #oldestOpenOffset()} − 1: everything below is in completed files.
 *
 * <p>A file is completed by rules that depend only on the records (so a replay from the same
 * first offset completes it at the same record): {@link Rolls#bytes} uncompressed bytes,
 * {@link Rolls#records} records, a record of the source whose record time is
 * {@link Rolls#recordAge} past the file's first record time, or a file past the format's
 * {@link LakeFormat#maxOpenFiles} open ones (the one with the lowest first offset is completed). The
 * wall-clock age ({@link #completeDue}, {@link #nextDeadlineNanos}) is left to the caller, who
 * must make such a completion safe (see docs/lake.md). Used by one thread.
 */
final class LakeWriter {

  /** Error lines are JSON of any payload, so {@code _errors} is NDJSON whatever the format of the events. */
  static final LakeFormat ERROR_FORMAT = LakeFormat.NDJSON_GZIP;
  private static final Logger log = LoggerFactory.getLogger(LakeWriter.class);

  /** The record-driven completion rules; {@code recordAge} null for none. */
  record Rolls(long bytes, int records, Duration recordAge, Duration wallAge) {
    static Rolls of(long bytes, Duration wallAge) {
      return new Rolls(bytes, Integer.MAX_VALUE, null, wallAge);
    }
  }

  private final LakeStore store;
  private final LakeFormat format;
  private final LakeFileNamer namer;
  private final LakeFileNamer errorNamer;
  private final long rollBytes;
  private final int rollRecords;
  private final long recordAgeMillis;
  private final long rollAgeNanos;
  private final LakeMeters meters;
  private final Map<Path, LakeFile> open = new HashMap<>();
  private long nextRecordDeadline = Long.MAX_VALUE;
  private long lastOffset = -1;

  LakeWriter(LakeStore store, LakeFormat format, LakeFileNamer namer, Rolls rolls, LakeMeters meters) {
    this.store = store;
    this.format = format;
    this.namer = namer.withFormat(format);
    this.errorNamer = namer.withFormat(ERROR_FORMAT);
    this.rollBytes = rolls.bytes();
    this.rollRecords = rolls.records();
    this.recordAgeMillis = rolls.recordAge() == null ? Long.MAX_VALUE : rolls.recordAge().toMillis();
    this.rollAgeNanos = rolls.wallAge().toNanos();
    this.meters = meters;
  }

  /** Appends an event; {@code recordMillis} is its record time ({@code received_at}). */
  void append(Path dir, long offset, byte[] line, long recordMillis, long nowNanos) throws IOException {
    append(dir, offset, line, recordMillis, nowNanos, format);
  }

  /** Appends an error line (in {@link #ERROR_FORMAT}). */
  void appendError(Path dir, long offset, byte[] line, long nowNanos) throws IOException {
    append(dir, offset, line, Long.MAX_VALUE, nowNanos, ERROR_FORMAT);
  }

  private void append(Path dir, long offset, byte[] line, long recordMillis, long nowNanos, LakeFormat f)
      throws IOException {
    if (offset <= lastOffset) {
      throw new IllegalStateException("offset " + offset + " appended after offset " + lastOffset
          + ": a lake writer takes the records of its source in increasing offset order");
    }
    lastOffset = offset;
    if (recordMillis != Long.MAX_VALUE && recordMillis >= nextRecordDeadline) completeOlderThan(recordMillis);
    LakeFile file = open.get(dir);
    if (file == null) file = openFile(dir, offset, recordMillis, nowNanos, f);
    file.append(offset, line);
    if (file.uncompressedBytes() >= rollBytes || file.records() >= rollRecords) complete(file);
  }

  /** Completes every file at least {@code rollAge} old by the wall clock. */
  void completeDue(long nowNanos) throws IOException {
    for (LakeFile file : List.copyOf(open.values())) {
      if (nowNanos - file.openedAtNanos() >= rollAgeNanos) complete(file);
    }
  }

  void completeAll() throws IOException {
    List<LakeFile> files = new ArrayList<>(open.values());
    files.sort(Comparator.comparingLong(LakeFile::firstOffset));
    for (LakeFile file : files) complete(file);
  }

  /** Drops every open file; their records must be read again from the source. */
  void abandonAll() {
    open.values().forEach(LakeFile::abandon);
    open.clear();
    nextRecordDeadline = Long.MAX_VALUE;
    lastOffset = -1;
  }

  /** The first offset of the oldest open file, or {@link Long#MAX_VALUE} when none is open. */
  long oldestOpenOffset() {
    long oldest = Long.MAX_VALUE;
    for (LakeFile f : open.values()) oldest = Math.min(oldest, f.firstOffset());
    return oldest;
  }

  /** The first record time of the open file of lowest first offset, or {@link Long#MAX_VALUE}. */
  long oldestOpenRecordMillis() {
    return open.values().stream().min(Comparator.comparingLong(LakeFile::firstOffset))
        .map(LakeFile::firstRecordMillis).orElse(Long.MAX_VALUE);
  }

  /** When {@link #completeDue} next has work, or {@link Long#MAX_VALUE} when no file is open. */
  long nextDeadlineNanos() {
    long next = Long.MAX_VALUE;
    for (LakeFile f : open.values()) next = Math.min(next, f.openedAtNanos() + rollAgeNanos);
    return next;
  }

  int openFiles() {
    return open.size();
  }

  private void completeOlderThan(long recordMillis) throws IOException {
    List<LakeFile> due = new ArrayList<>();
    for (LakeFile f : open.values()) {
      if (f.firstRecordMillis() != Long.MAX_VALUE && recordMillis - f.firstRecordMillis() >= recordAgeMillis) due.add(f);
    }
    due.sort(Comparator.comparingLong(LakeFile::firstOffset));
    for (LakeFile f : due) complete(f);
    updateRecordDeadline();
  }

  private void updateRecordDeadline() {
    long next = Long.MAX_VALUE;
    for (LakeFile f : open.values()) {
      if (f.firstRecordMillis() != Long.MAX_VALUE && recordAgeMillis != Long.MAX_VALUE) {
        next = Math.min(next, f.firstRecordMillis() + recordAgeMillis);
      }
    }
    nextRecordDeadline = next;
  }

  private LakeFile openFile(Path dir, long offset, long recordMillis, long nowNanos, LakeFormat f) throws IOException {
    if (open.size() >= format.maxOpenFiles()) {
      complete(open.values().stream().min(Comparator.comparingLong(LakeFile::firstOffset)).orElseThrow());
    }
    LakeFile file = LakeFile.open(store, f, dir, f == format ? namer : errorNamer, offset, recordMillis, nowNanos);
    open.put(dir, file);
    if (recordMillis != Long.MAX_VALUE && recordAgeMillis != Long.MAX_VALUE) {
      nextRecordDeadline = Math.min(nextRecordDeadline, recordMillis + recordAgeMillis);
    }
    return file;
  }

  private void complete(LakeFile file) throws IOException {
    open.remove(file.dir());
    boolean published;
    try {
      published = file.complete(store);
    } catch (IOException e) {
      file.abandon();
      throw e;
    }
    if (!published) {
      log.info("{} was already published (a replay or an earlier member wrote the same records); kept it",
          store.describe(file.dir(), file.completedName()));
    } else if (file.firstRecordMillis() != Long.MAX_VALUE) { // error files have no record time
      meters.freshness().record(Math.max(0, System.currentTimeMillis() - file.firstRecordMillis()), TimeUnit.MILLISECONDS);
    }
    meters.filesCompleted().increment();
  }
}
