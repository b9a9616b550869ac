package dev.tributary.lake;

import java.nio.file.Path;

/**
 * The table a sink writes, shared by all its sources: the store, the directory layout, the format,
 * the record rules that complete files, and the meters.
 */
record LakeTable(LakeStore store, PartitionPath partitions, LakeFormat format, LakeWriter.Rolls rolls,
                 LakeMeters meters) {

  LakeTable(LakeStore store, String table, PathFormat layout, LakeFormat format, LakeWriter.Rolls rolls, LakeMeters meters) {
    this(store, new PartitionPath(Path.of(table), layout), format, rolls, meters);
  }
}
