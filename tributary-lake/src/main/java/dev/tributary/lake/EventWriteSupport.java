package dev.tributary.lake;

import dev.tributary.event.Envelope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * One enriched event as a Parquet row of the fixed lake schema ({@link #SCHEMA}): the envelope
 * as typed columns, every other top-level field in the {@code properties} map. One schema for
 * every file, so a query over many files never has to reconcile per-file columns. New columns
 * go last ({@code late}), so files written before them keep their columns' positions.
 */
final class EventWriteSupport extends WriteSupport<EventWriteSupport.Row> {

  static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message tributary_event {
        required binary %s (STRING);
        optional binary %s (STRING);
        required int64 %s (TIMESTAMP(MILLIS,true));
        optional binary %s (STRING);
        optional binary %s (STRING);
        optional binary %s (STRING);
        required group properties (MAP) {
          repeated group key_value {
            required binary key (STRING);
            optional binary value (STRING);
          }
        }
        optional boolean %s;
      }
      """.formatted(Envelope.EVENT, Envelope.EVENT_ID, Envelope.RECEIVED_AT, Envelope.APP, Envelope.DISTINCT_ID, Envelope.TIMESTAMP,
          Envelope.LATE));

  /** A reusable row: the encoder fills it, {@link #write} emits it. Absent fields are null. */
  static final class Row {
    String event;
    String eventId;
    long receivedAtMillis;
    String app;
    String distinctId;
    String timestamp;
    /** Refine's flag; null when the event has none. */
    Boolean late;
    /** Other top-level fields in their order; a field that appears twice keeps its last value. */
    final Map<String, String> properties = new LinkedHashMap<>();

    void clear() {
      event = eventId = app = distinctId = timestamp = null;
      late = null;
      receivedAtMillis = 0;
      properties.clear();
    }
  }

  private RecordConsumer out;

  @Override public WriteContext init(Configuration configuration) {
    return new WriteContext(SCHEMA, Map.of());
  }

  @Override public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(SCHEMA, Map.of());
  }

  @Override public String getName() {
    return "tributary";  // written as writer.model.name in the footer
  }

  @Override public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override public void write(Row row) {
    out.startMessage();
    string(Envelope.EVENT, 0, row.event);
    string(Envelope.EVENT_ID, 1, row.eventId);
    out.startField(Envelope.RECEIVED_AT, 2);
    out.addLong(row.receivedAtMillis);
    out.endField(Envelope.RECEIVED_AT, 2);
    string(Envelope.APP, 3, row.app);
    string(Envelope.DISTINCT_ID, 4, row.distinctId);
    string(Envelope.TIMESTAMP, 5, row.timestamp);
    out.startField("properties", 6);
    out.startGroup();
    if (!row.properties.isEmpty()) {
      out.startField("key_value", 0);
      for (Map.Entry<String, String> e : row.properties.entrySet()) {
        out.startGroup();
        string("key", 0, e.getKey());
        string("value", 1, e.getValue());
        out.endGroup();
      }
      out.endField("key_value", 0);
    }
    out.endGroup();
    out.endField("properties", 6);
    if (row.late != null) {
      out.startField(Envelope.LATE, 7);
      out.addBoolean(row.late);
      out.endField(Envelope.LATE, 7);
    }
    out.endMessage();
  }

  private void string(String field, int index, String value) {
    if (value == null) return;
    out.startField(field, index);
    out.addBinary(Binary.fromString(value));
    out.endField(field, index);
  }
}
