package dev.tributary.lake;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The open lake files of one source (the spool, or later one Kafka partition): at most one per
 * partition directory, rolled once it holds {@code rollBytes} uncompressed or is
 * {@code rollAge} old. Records must be appended in increasing offset order. The source may be
 * acknowledged up to {@link #oldestOpenOffset()} − 1: everything below is in completed files.
 * Used by one thread.
 */
final class LakeWriter {

  /** Bounds native memory (a deflater per file): opening one more completes the oldest. */
  static final int MAX_OPEN_FILES = 256;

  private final Path root;
  private final LakeFileNamer namer;
  private final long rollBytes;
  private final long rollAgeNanos;
  private final Counter filesCompleted;
  private final Map<Path, LakeFile> open = new HashMap<>();

  LakeWriter(Path root, LakeFileNamer namer, long rollBytes, Duration rollAge, Counter filesCompleted) {
    this.root = root;
    this.namer = namer;
    this.rollBytes = rollBytes;
    this.rollAgeNanos = rollAge.toNanos();
    this.filesCompleted = filesCompleted;
  }

  void append(Path dir, long offset, byte[] line, long nowNanos) throws IOException {
    LakeFile file = open.get(dir);
    if (file == null) file = openFile(dir, offset, nowNanos);
    file.append(offset, line);
    if (file.uncompressedBytes() >= rollBytes) complete(file);
  }

  /** Completes every file at least {@code rollAge} old. */
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
  }

  /** The first offset of the oldest open file, or {@link Long#MAX_VALUE} when none is open. */
  long oldestOpenOffset() {
    long oldest = Long.MAX_VALUE;
    for (LakeFile f : open.values()) oldest = Math.min(oldest, f.firstOffset());
    return oldest;
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

  private LakeFile openFile(Path dir, long offset, long nowNanos) throws IOException {
    if (open.size() >= MAX_OPEN_FILES) {
      complete(open.values().stream().min(Comparator.comparingLong(LakeFile::openedAtNanos)).orElseThrow());
    }
    Fsync.createDirectories(root, dir);
    LakeFile file = LakeFile.open(dir, namer, offset, nowNanos);
    open.put(dir, file);
    return file;
  }

  private void complete(LakeFile file) throws IOException {
    open.remove(file.dir());
    try {
      file.complete(namer);
    } catch (IOException e) {
      file.abandon();
      throw e;
    }
    filesCompleted.increment();
  }
}
