package dev.tributary.journal;

/** Where Kafka stored an action: its partition and offset. */
public record PartitionOffset(int partition, long offset) {
  @Override
  public String toString() {
    return partition + ":" + offset;
  }
}
