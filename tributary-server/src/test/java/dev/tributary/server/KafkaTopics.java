package dev.tributary.server;

import dev.tributary.kafka.SpoolForwarder;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolCursor;
import dev.tributary.testkit.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads topics back from the real broker, and a stopped server's spool, as an operator would check them. */
final class KafkaTopics {
  private KafkaTopics() {}

  /** Every record of {@code topic}, from the beginning to the end offsets at the time of the call. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    return TopicReader.readAll(bootstrap, topic);
  }

  static List<String> eventIds(String bootstrap, String topic) {
    return readAll(bootstrap, topic).stream().map(r -> header(r, "event_id")).toList();
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return TopicReader.header(r, name);
  }

  static byte[] event(String eventId, int padding) {
    return ("{\"event\":\"signup\",\"event_id\":\"" + eventId + "\",\"received_at\":\"2026-11-23T15:00:00.000Z\",\"distinct_id\":\"u-"
        + eventId + "\",\"props\":{\"pad\":\"" + "x".repeat(padding) + "\"}}").getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** Where the forwarder's cursor stands in a spool no process holds, against the spool's end. */
  record Forwarded(long committed, long nextOffset) {
    long behind() {
      return nextOffset - committed;
    }
  }

  static Forwarded forwarded(Path spoolDir) throws IOException {
    try (Spool spool = Spool.open(SpoolConfig.defaults(spoolDir));
         SpoolCursor cursor = spool.cursor(SpoolForwarder.CURSOR)) {
      return new Forwarded(cursor.committed(), spool.nextOffset());
    }
  }
}
