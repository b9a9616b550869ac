package dev.tributary.refine;

import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * raw topic(s) → dedup → [reorder] → refined topic. Every store is RocksDB with a changelog
 * topic ({@code <application id>-<store>-changelog}), so state moves with its partition on a
 * rebalance and is rebuilt after a crash, and commits with the input offsets and the output.
 */
final class RefineTopology {
  private RefineTopology() {}

  static Topology build(RefineConfig c, RefineMetrics metrics) {
    Topology t = new Topology();
    t.addSource("raw", c.inputTopics().toArray(String[]::new));
    long window = c.dedupWindow().toMillis();
    t.addProcessor("dedup", () -> new DedupProcessor(window, metrics, !c.reorders()), "raw");
    t.addStateStore(Stores.windowStoreBuilder(
        Stores.persistentWindowStore(DedupProcessor.STORE, c.dedupWindow(), Duration.ofMillis(1), false),
        Serdes.String(), Serdes.ByteArray()), "dedup");
    String last = "dedup";
    if (c.reorders()) {
      Duration reorder = c.reorderWindow();
      t.addProcessor("reorder", () -> new ReorderProcessor(reorder, metrics), "dedup");
      t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ReorderProcessor.BUFFER),
          Serdes.Bytes(), Serdes.ByteArray()), "reorder");
      // Cached: the watermark changes with nearly every record, its changelog needs only the last value of a commit.
      t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ReorderProcessor.WATERMARK),
          Serdes.String(), Serdes.Long()).withCachingEnabled(), "reorder");
      last = "reorder";
    }
    t.addSink("refined", c.outputTopic(), last);
    return t;
  }
}
