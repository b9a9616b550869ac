package dev.tributary.bus;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP API serves: a local bus on chunk files ({@link LocalBus}) or one on Kafka. Names are validated here, so a bad name is a {@link BusException} with
 * status 400 whoever calls. {@code reader} may be null: Chukcha's one shared acknowledgement.
 */
public interface Bus extends AutoCloseable {

  /**
   * Appends the first {@code length} bytes of {@code body} (checked by {@link Messages#check}) as
   * one batch; completes once durable. The bus may keep {@code body} until then.
   */
  CompletableFuture<Void> write(String category, byte[] body, int length);

  default CompletableFuture<Void> write(String category, byte[] messages) {
    return write(category, messages, messages.length);
  }

  List<ChunkInfo> listChunks(String category, String reader) throws IOException;

  List<String> listCategories() throws IOException;

  /** Whole messages of the chunk from byte {@code off}, at most {@code maxSize} bytes; empty at the end. */
  ReadResult read(String category, String chunk, long off, int maxSize, String reader) throws IOException;

  /** Acknowledges a complete chunk read to its end ({@code size} at least its size). */
  void ack(String category, String chunk, long size, String reader) throws IOException;

  @Override
  void close();
}
