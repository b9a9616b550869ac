package dev.tributary.lake;

import com.github.luben.zstd.Zstd;
import dev.tributary.event.Envelope;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * Reads the {@code event_id} and {@code received_at} columns of a lake Parquet file (only those
 * two column chunks are read and decompressed), for the spool sink's dedup window. One row group's
 * two chunks at a time in memory.
 *
 * <p>Pages are found through the footer here rather than by parquet-java's {@code
 * ParquetFileReader}: its read options build a Hadoop codec factory, and the lake runs without
 * Hadoop (see the module's pom). The files are {@link ParquetEncoder}'s: page v1, zstd.
 */
final class ParquetEventIds {

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final MessageType IDS = Types.buildMessage()
      .addField(EventWriteSupport.SCHEMA.getType(Envelope.EVENT_ID))
      .addField(EventWriteSupport.SCHEMA.getType(Envelope.RECEIVED_AT)).named("ids");

  /** Receives each event that has an event_id. */
  interface Consumer {
    void accept(String eventId, long receivedAtMillis);
  }

  private ParquetEventIds() {}

  static void read(Path file, Consumer consumer) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(IDS, EventWriteSupport.SCHEMA);
      for (RowGroup group : footer(channel, file).getRow_groups()) {
        RowGroupPages pages = new RowGroupPages(group.getNum_rows());
        for (ColumnChunk chunk : group.getColumns()) {
          String name = chunk.getMeta_data().getPath_in_schema().getFirst();
          if (IDS.containsField(name)) pages.readers.put(name, chunkPages(channel, chunk.getMeta_data(), file));
        }
        RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(IDS));
        for (long i = 0; i < group.getNum_rows(); i++) {
          Group row = records.read();
          if (row.getFieldRepetitionCount(Envelope.EVENT_ID) > 0) {
            consumer.accept(row.getString(Envelope.EVENT_ID, 0), row.getLong(Envelope.RECEIVED_AT, 0));
          }
        }
      }
    }
  }

  private static FileMetaData footer(FileChannel channel, Path file) throws IOException {
    long size = channel.size();
    ByteBuffer tail = read(channel, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
    int length = tail.getInt();
    byte[] magic = new byte[4];
    tail.get(magic);
    if (!Arrays.equals(magic, MAGIC) || length <= 0 || length > size - 12) {
      throw new IOException(file + " is not a Parquet file (no footer)");
    }
    return Util.readFileMetaData(new ByteArrayInputStream(read(channel, size - 8 - length, length).array()));
  }

  private static ChunkPages chunkPages(FileChannel channel, ColumnMetaData meta, Path file) throws IOException {
    if (meta.getCodec() != CompressionCodec.ZSTD && meta.getCodec() != CompressionCodec.UNCOMPRESSED) {
      throw new IOException(file + ": column " + meta.getPath_in_schema() + " is compressed with " + meta.getCodec());
    }
    long start = meta.isSetDictionary_page_offset() && meta.getDictionary_page_offset() > 0
        ? Math.min(meta.getDictionary_page_offset(), meta.getData_page_offset()) : meta.getData_page_offset();
    InputStream in = new ByteArrayInputStream(read(channel, start, Math.toIntExact(meta.getTotal_compressed_size())).array());
    ChunkPages pages = new ChunkPages();
    while (in.available() > 0) {
      PageHeader header = Util.readPageHeader(in);
      byte[] stored = in.readNBytes(header.getCompressed_page_size());
      BytesInput bytes = BytesInput.from(meta.getCodec() == CompressionCodec.ZSTD
          ? Zstd.decompress(stored, header.getUncompressed_page_size()) : stored);
      switch (header.getType()) {
        case DICTIONARY_PAGE -> pages.dictionary = new DictionaryPage(bytes,
            header.getDictionary_page_header().getNum_values(), encoding(header.getDictionary_page_header().getEncoding()));
        case DATA_PAGE -> {
          DataPageHeader data = header.getData_page_header();
          pages.values += data.getNum_values();
          pages.data.add(new DataPageV1(bytes, data.getNum_values(), header.getUncompressed_page_size(),
              Statistics.createStats(IDS.getType(meta.getPath_in_schema().getFirst())), encoding(data.getRepetition_level_encoding()),
              encoding(data.getDefinition_level_encoding()), encoding(data.getEncoding())));
        }
        case INDEX_PAGE -> { }
        default -> throw new IOException(file + ": page type " + header.getType() + " is not read here");
      }
    }
    return pages;
  }

  private static Encoding encoding(org.apache.parquet.format.Encoding e) {
    return Encoding.valueOf(e.name());
  }

  private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) throw new IOException("unexpected end of file");
    }
    return buffer.flip();
  }

  private static final class ChunkPages implements PageReader {
    private final Deque<DataPage> data = new ArrayDeque<>();
    private DictionaryPage dictionary;
    private long values;

    @Override public DictionaryPage readDictionaryPage() { return dictionary; }
    @Override public long getTotalValueCount() { return values; }
    @Override public DataPage readPage() { return data.poll(); }
  }

  private record RowGroupPages(long rows, Map<String, PageReader> readers) implements PageReadStore {
    RowGroupPages(long rows) {
      this(rows, new HashMap<>());
    }

    @Override public PageReader getPageReader(ColumnDescriptor column) {
      return readers.get(column.getPath()[0]);
    }

    @Override public long getRowCount() {
      return rows;
    }
  }
}
