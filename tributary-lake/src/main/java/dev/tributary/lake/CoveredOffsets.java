package dev.tributary.lake;

import dev.tributary.lake.LakeFileNamer.OffsetRange;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay rule: which re-read records are already in completed files. After a restart the
 * sink reads again from its acknowledged position {@code from}; records up to {@code horizon}
 * (the source's next offset at start, so above anything an earlier run can have written) may
 * already be in a completed file of their partition. The first time a partition directory is
 * met, it is listed once: completed files whose offsets overlap [from, horizon) are kept, and
 * temporary files (files an earlier run was writing when it stopped) are deleted. Memory is
 * bounded by the partitions met while replaying.
 */
final class CoveredOffsets {

  private static final Logger log = LoggerFactory.getLogger(CoveredOffsets.class);

  private final LakeStore store;
  private final LakeFileNamer namer;
  private final long from;
  private final long horizon;
  private final Map<Path, List<OffsetRange>> byPartition = new HashMap<>();

  CoveredOffsets(LakeStore store, LakeFileNamer namer, long from, long horizon) {
    this.store = store;
    this.namer = namer;
    this.from = from;
    this.horizon = horizon;
  }

  /** True when the record at {@code offset}, placed in {@code dir}, is already in a completed file. */
  boolean covers(Path dir, long offset) throws IOException {
    if (offset >= horizon) return false;
    List<OffsetRange> ranges = byPartition.get(dir);
    if (ranges == null) {
      ranges = list(dir);
      byPartition.put(dir, ranges);
    }
    for (OffsetRange r : ranges) {
      if (r.contains(offset)) return true;
    }
    return false;
  }

  boolean pastHorizon(long position) {
    return position >= horizon;
  }

  private List<OffsetRange> list(Path dir) throws IOException {
    List<OffsetRange> ranges = new ArrayList<>();
    for (String name : store.list(dir)) {
      if (namer.isTemporary(name)) {
        store.deleteLeftover(dir, name);
        log.info("deleted {}, left by a run that stopped while writing it; its records are being read again",
            store.describe(dir, name));
        continue;
      }
      namer.coveredRange(name).filter(this::overlapsReplay).ifPresent(ranges::add);
    }
    return ranges;
  }

  private boolean overlapsReplay(OffsetRange r) {
    if (r.last() >= horizon) {
      log.warn("lake file {} covers offsets up to {} but the spool has never written past {}: was the spool reset? "
          + "It is ignored for skipping", namer.completedName(r.first(), r.last()), r.last(), horizon - 1);
      return false;
    }
    return r.last() >= from;
  }
}
