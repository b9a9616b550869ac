package dev.tributary.journal;

import java.util.Objects;

/** Identifies one journal: its id (the Kafka record key) on one topic. */
public record JournalKey(String topic, String id) {
  public JournalKey {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(id, "id");
    if (topic.isEmpty() || id.isEmpty()) throw new IllegalArgumentException("a journal needs a non-empty topic and id");
  }

  @Override
  public String toString() {
    return topic + "/" + id;
  }
}
