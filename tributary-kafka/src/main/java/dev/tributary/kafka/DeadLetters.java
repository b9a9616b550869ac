package dev.tributary.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolCursor;
import dev.tributary.spool.SpoolRecord;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter spool: records Kafka refused for good (too large, invalid topic, not authorized),
 * each with the broker's reason, kept until replayed. Replayed records are acknowledged through
 * the cursor {@code replay}; {@link #list} shows the ones after it.
 *
 * <p>Each spool record's payload is one UTF-8 JSON object:
 * <pre>
 * {"dead_at": "2026-11-23T15:04:05.123Z",   ISO-8601 UTC, when it was set aside
 *  "spool_offset": 1234,                     offset in the capture spool
 *  "topic": "events.signup",                 the topic it was meant for
 *  "error": "org.apache.kafka.common.errors.RecordTooLargeException",
 *  "reason": "The request included a message larger than the max message size the server will accept.",
 *  "payload": "{\"event\":\"signup\",...}"}  the spool record, as a JSON string (it is UTF-8 JSON itself)
 * </pre>
 */
public final class DeadLetters implements Closeable {
  static final String REPLAY_CURSOR = "replay";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration NO_WAIT = Duration.ZERO;

  private final Spool spool;
  private final boolean ownsSpool;
  private final SpoolCursor cursor;

  private DeadLetters(Spool spool, boolean ownsSpool) throws IOException {
    this.spool = spool;
    this.ownsSpool = ownsSpool;
    this.cursor = spool.cursor(REPLAY_CURSOR);
  }

  /** Opens the dead-letter spool in {@code dir} (it must not be open in another process, e.g. a running forwarder). */
  public static DeadLetters open(Path dir) throws IOException {
    Spool s = Spool.open(SpoolConfig.defaults(dir));
    try {
      return new DeadLetters(s, true);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** A view over a dead-letter spool the forwarder holds open. */
  static DeadLetters over(Spool spool) throws IOException {
    return new DeadLetters(spool, false);
  }

  /** Sets a record aside; the future completes once the dead letter is durable. */
  CompletableFuture<Long> add(long spoolOffset, String topic, Throwable error, byte[] payload) {
    ObjectNode o = JSON.createObjectNode();
    o.put("dead_at", Instant.now().toString());
    o.put("spool_offset", spoolOffset);
    o.put("topic", topic);
    o.put("error", error.getClass().getName());
    o.put("reason", String.valueOf(error.getMessage()));
    o.put("payload", new String(payload, StandardCharsets.UTF_8));
    try {
      return spool.append(JSON.writeValueAsBytes(o));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Up to {@code limit} dead letters not yet replayed, oldest first. */
  public synchronized List<DeadLetter> list(int limit) throws IOException {
    List<DeadLetter> out = new ArrayList<>();
    cursor.rewind();
    try {
      List<SpoolRecord> batch;
      while (out.size() < limit && !(batch = cursor.poll(limit - out.size(), 4 << 20, NO_WAIT)).isEmpty()) {
        for (SpoolRecord r : batch) out.add(decode(r));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      cursor.rewind();
    }
    return out;
  }

  /** The dead letter at {@code offset} of the dead-letter spool, if it is there and not replayed. */
  public synchronized Optional<DeadLetter> show(long offset) throws IOException {
    cursor.rewind();
    try {
      List<SpoolRecord> batch;
      while (!(batch = cursor.poll(1000, 4 << 20, NO_WAIT)).isEmpty()) {
        for (SpoolRecord r : batch) {
          if (r.offset() == offset) return Optional.of(decode(r));
          if (r.offset() > offset) return Optional.empty();
        }
      }
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      cursor.rewind();
    }
  }

  /** Dead letters not yet replayed. */
  public long count() {
    return spool.usage().cursors().stream().filter(c -> c.name().equals(REPLAY_CURSOR))
        .mapToLong(c -> c.records()).findFirst().orElse(0);
  }

  /** What a replay did. */
  public record ReplayResult(long delivered, long deadAgain) {}

  /**
   * Sends every dead letter to Kafka again (routed by {@code config}, e.g. after the topic's size
   * limit was raised), one at a time. One Kafka refuses again is set aside again with the new
   * reason. Stops with an exception at the first other error, leaving the rest in place.
   * {@code progress} is told the running totals after each one.
   */
  public synchronized ReplayResult replay(ForwarderConfig config, Consumer<ReplayResult> progress) throws IOException {
    TopicRouter router = new TopicRouter(config.topic());
    long delivered = 0, deadAgain = 0;
    long end = spool.nextOffset();
    cursor.rewind();
    try (Producer<byte[], byte[]> producer = new KafkaProducer<>(ProducerSettings.producer(config),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      List<SpoolRecord> batch;
      while (!(batch = cursor.poll(100, 4 << 20, NO_WAIT)).isEmpty()) {
        for (SpoolRecord r : batch) {
          if (r.offset() >= end) return new ReplayResult(delivered, deadAgain);
          DeadLetter d = decode(r);
          ProducerRecord<byte[], byte[]> out;
          try {
            out = OutgoingRecord.of(d.spoolOffset(), d.payload(), router, config.nodeId());
          } catch (IllegalArgumentException unroutable) {
            add(d.spoolOffset(), config.topic(), unroutable, d.payload()).get();
            deadAgain++;
            cursor.acknowledge(r.offset());
            progress.accept(new ReplayResult(delivered, deadAgain));
            continue;
          }
          try {
            producer.send(out).get();
            delivered++;
          } catch (ExecutionException e) {
            if (!SpoolForwarder.neverAccepted(e.getCause())) throw new IOException("replay stopped at dead letter " + r.offset() + ": " + e.getCause(), e.getCause());
            add(d.spoolOffset(), out.topic(), e.getCause(), d.payload()).get();
            deadAgain++;
          }
          cursor.acknowledge(r.offset());
          progress.accept(new ReplayResult(delivered, deadAgain));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("replay interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("could not set a dead letter aside again", e.getCause());
    } finally {
      cursor.rewind();
    }
    return new ReplayResult(delivered, deadAgain);
  }

  private static DeadLetter decode(SpoolRecord r) {
    try {
      JsonNode o = JSON.readTree(r.payload());
      return new DeadLetter(r.offset(), Instant.parse(o.path("dead_at").asText()), o.path("spool_offset").asLong(),
          o.path("topic").asText(), o.path("error").asText(), o.path("reason").asText(),
          o.path("payload").asText().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("dead letter at offset " + r.offset() + " is not valid JSON", e);
    }
  }

  @Override
  public void close() {
    cursor.close();
    if (ownsSpool) spool.close();
  }
}
