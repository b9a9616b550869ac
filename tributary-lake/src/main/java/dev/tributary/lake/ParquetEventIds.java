package dev.tributary.lake;

import dev.tributary.event.Envelope;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * Reads the {@code event_id} and {@code received_at} columns of a lake Parquet file (only those
 * two are decompressed), for the spool sink's dedup window. One row group at a time in memory.
 */
final class ParquetEventIds {

  /** Receives each event that has an event_id. */
  interface Consumer {
    void accept(String eventId, long receivedAtMillis);
  }

  private ParquetEventIds() {}

  static void read(Path file, Consumer consumer) throws IOException {
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new ZstdPages(ParquetEncoder.ZSTD_LEVEL)).build();
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
      MessageType schema = reader.getFileMetaData().getSchema();
      MessageType ids = Types.buildMessage().addField(schema.getType(Envelope.EVENT_ID))
          .addField(schema.getType(Envelope.RECEIVED_AT)).named("ids");
      reader.setRequestedSchema(ids);
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(ids, schema);
      for (PageReadStore rows; (rows = reader.readNextRowGroup()) != null; ) {
        RecordReader<Group> records = io.getRecordReader(rows, new GroupRecordConverter(ids));
        for (long i = 0; i < rows.getRowCount(); i++) {
          Group row = records.read();
          if (row.getFieldRepetitionCount(Envelope.EVENT_ID) > 0) {
            consumer.accept(row.getString(Envelope.EVENT_ID, 0), row.getLong(Envelope.RECEIVED_AT, 0));
          }
        }
      }
    }
  }
}
