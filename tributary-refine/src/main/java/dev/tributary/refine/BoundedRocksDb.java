package dev.tributary.refine;

import java.util.Map;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;
import org.apache.kafka.streams.state.RocksDBConfigSetter;

/**
 * Puts every RocksDB instance of the process (one per store segment per task, so their number
 * grows with partitions and the dedup window) under one shared block cache and one write-buffer
 * budget, so off-heap memory stays near {@link #MEMORY_CONFIG} bytes (default 64 MiB, a quarter of
 * it for memtables) whatever the window and the partition count: the rest of the state is on disk.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
  /** Streams property: the off-heap bytes all stores share. */
  public static final String MEMORY_CONFIG = "tributary.refine.rocksdb.memory.bytes";
  static final long DEFAULT_MEMORY = 64L << 20;

  private static Cache cache;
  private static WriteBufferManager writeBuffers;

  private static synchronized void share(long bytes) {
    if (cache != null) return;
    cache = new LRUCache(bytes, -1, false, 0.1);
    writeBuffers = new WriteBufferManager(bytes / 4, cache);
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object configured = configs.get(MEMORY_CONFIG);
    share(configured == null ? DEFAULT_MEMORY : Long.parseLong(configured.toString()));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(writeBuffers);
    options.setMaxWriteBufferNumber(2);
    options.setWriteBufferSize(8L << 20);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and write-buffer manager are shared by every store of the process: never closed here.
  }
}
