package dev.tributary.lake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tributary.event.CaptureTime;
import dev.tributary.event.Envelope;
import dev.tributary.event.EnvelopeFields;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * Writes enriched events as one Parquet file (format 2.x, parquet-java) into a channel, from
 * position 0.
 *
 * <p>The file: {@code PAR1}, row groups, the Thrift footer, its 4-byte little-endian length,
 * {@code PAR1}. Schema ({@link EventWriteSupport#SCHEMA}), the same for every file:
 * <pre>
 *   event        required STRING      the event's type
 *   event_id     optional STRING
 *   received_at  required INT64 TIMESTAMP(MILLIS, UTC)
 *   app          optional STRING
 *   distinct_id  optional STRING
 *   timestamp    optional STRING      the client's time as sent (unchecked, may be junk)
 *   properties   required MAP&lt;STRING, STRING&gt;  every other top-level field: a string as
 *                its text, anything else (number, boolean, object, array) as its JSON
 *                exactly as received, a JSON null as a null value
 *   late         optional BOOLEAN     refine's flag: true or false when the event holds that JSON
 *                boolean, null when absent; any other value stays in properties
 * </pre>
 * An envelope field of another JSON type than string keeps its JSON text, but for
 * {@code event_id}: its column holds only a valid id ({@link Envelope}'s rule), any other value
 * stays in {@code properties}. Pages are compressed
 * with zstd (level {@value #ZSTD_LEVEL}), dictionary-encoded where parquet-java finds it pays;
 * page v1 headers, statistics and column indexes as parquet-java writes them by default.
 *
 * <p><b>Deterministic:</b> the same events in the same order give the same bytes. The footer
 * holds no time or random id: {@code created_by} is parquet-java's fixed version string and
 * {@code writer.model.name} is {@code tributary}.
 *
 * <p><b>Memory:</b> a row group is held in memory (compressed pages, plus the open page of each
 * column uncompressed, at most about 1 MiB each) until it reaches {@link #ROW_GROUP_BYTES}, then
 * written to the channel. So an open encoder holds about {@code ROW_GROUP_BYTES} plus a few MiB,
 * whatever the file's size (a JVM with a 48 MiB heap writes files of any size).
 */
final class ParquetEncoder {

  /** Buffered (compressed) bytes at which a row group is written out. */
  static final long ROW_GROUP_BYTES = 16L << 20;
  static final int ZSTD_LEVEL = 3;

  private static final JsonFactory JSON = new JsonFactory();

  private final ChannelOutputFile file;
  private final ParquetWriter<EventWriteSupport.Row> writer;
  private final EventWriteSupport.Row row = new EventWriteSupport.Row();
  private long finishedSize = -1;

  private ParquetEncoder(ChannelOutputFile file, ParquetWriter<EventWriteSupport.Row> writer) {
    this.file = file;
    this.writer = writer;
  }

  static ParquetEncoder open(FileChannel channel) throws IOException {
    return open(channel, ROW_GROUP_BYTES);
  }

  /** With another row group bound, for tests that want many row groups from little data. */
  static ParquetEncoder open(FileChannel channel, long rowGroupBytes) throws IOException {
    ChannelOutputFile file = new ChannelOutputFile(channel);
    ParquetWriter<EventWriteSupport.Row> writer = new Builder(file)
        .withConf(new PlainParquetConfiguration())  // no Hadoop Configuration: nothing read from the classpath
        .withCodecFactory(new ZstdPages(ZSTD_LEVEL))
        .withCompressionCodec(CompressionCodecName.ZSTD)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withRowGroupSize(rowGroupBytes)
        // dictionaries only where values repeat: measured, a dictionary on every column costs a
        // quarter of the throughput (its lookups) and gains nothing after zstd on the others
        .withDictionaryEncoding(false)
        .withDictionaryEncoding(Envelope.EVENT, true)
        .withDictionaryEncoding(Envelope.APP, true)
        .withDictionaryEncoding("properties.key_value.key", true)
        // JSON values make long, useless min/max: keep the footer small
        .withStatisticsEnabled("properties.key_value.value", false)
        .build();
    return new ParquetEncoder(file, writer);
  }

  /**
   * Appends one event: a JSON object with a string {@code event} and an ISO-8601
   * {@code received_at}. Anything else is refused with an {@link IllegalArgumentException}
   * before the file is touched (the sink sends such records to {@code _errors} first).
   */
  void append(byte[] enrichedEventJson) throws IOException {
    if (finishedSize >= 0) throw new IllegalStateException("the file is finished");
    row.clear();
    String receivedAt = null;
    try (JsonParser p = JSON.createParser(enrichedEventJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("the event is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken token = p.nextToken();
        String value = token == JsonToken.VALUE_NULL ? null : valueText(p, token, enrichedEventJson);
        switch (name) {
          case Envelope.EVENT -> row.event = token == JsonToken.VALUE_STRING && !value.isEmpty() ? value : null;
          case Envelope.EVENT_ID -> {
            row.eventId = token == JsonToken.VALUE_STRING ? Envelope.eventIdOrNull(value) : null;
            if (row.eventId == null) row.properties.put(name, value);
            else row.properties.remove(name);
          }
          case Envelope.RECEIVED_AT -> receivedAt = token == JsonToken.VALUE_STRING ? value : null;
          case Envelope.APP -> row.app = value;
          case Envelope.DISTINCT_ID -> row.distinctId = value;
          case Envelope.TIMESTAMP -> row.timestamp = value;
          case Envelope.LATE -> {
            row.late = token.isBoolean() ? token == JsonToken.VALUE_TRUE : null;
            if (row.late == null) row.properties.put(name, value);
            else row.properties.remove(name);
          }
          default -> row.properties.put(name, value);
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("the event is not valid JSON: " + e.getOriginalMessage(), e);
    }
    long millis = receivedAt == null ? CaptureTime.NONE : CaptureTime.millis(receivedAt);
    String problem = EnvelopeFields.problem(row.event, receivedAt, millis);
    if (problem != null) throw new IllegalArgumentException("the event cannot be stored: " + problem);
    row.receivedAtMillis = millis;
    writer.write(row);
  }

  /** Writes the last row group and the footer; the channel stays open and unforced. */
  void finish() throws IOException {
    if (finishedSize >= 0) return;
    writer.close();
    finishedSize = file.bytesWritten();
  }

  /**
   * The file's size once finished; before that, the bytes already in the channel plus the
   * open row group's buffered size (compressed pages and open pages), which is close to what
   * it will take on disk but not exact, and without the footer.
   */
  long bytesWritten() {
    return finishedSize >= 0 ? finishedSize : writer.getDataSize();
  }

  /**
   * A string value as its text; any other value as its JSON exactly as received (numbers
   * keep their digits), cut from the input bytes: Jackson's byte offsets of a token's start and
   * of the position after it.
   */
  private static String valueText(JsonParser p, JsonToken token, byte[] json) throws IOException {
    if (token == JsonToken.VALUE_STRING) return p.getText();
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (token.isStructStart()) p.skipChildren();
    int end = (int) p.currentLocation().getByteOffset();
    return new String(json, start, end - start, StandardCharsets.UTF_8);
  }

  private static final class Builder extends ParquetWriter.Builder<EventWriteSupport.Row, Builder> {
    Builder(OutputFile file) {
      super(file);
    }

    @Override protected Builder self() {
      return this;
    }

    @Override protected WriteSupport<EventWriteSupport.Row> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
      return new EventWriteSupport();
    }

    @Override protected WriteSupport<EventWriteSupport.Row> getWriteSupport(org.apache.parquet.conf.ParquetConfiguration conf) {
      return new EventWriteSupport();
    }
  }
}
