package dev.tributary.bus;

import java.nio.file.Path;

/** What {@code /read} answers: whole messages, either a range of a chunk file or bytes in hand. */
public sealed interface ReadResult {

  long length();

  /** {@code length} bytes of {@code file} from {@code offset}; sent from the file, never held in memory. */
  record FileRegion(Path file, long offset, long length) implements ReadResult {}

  /** Bytes already read, no more than the request's {@code max_size}. */
  record Bytes(byte[] bytes) implements ReadResult {
    @Override
    public long length() {
      return bytes.length;
    }
  }

  ReadResult EMPTY = new Bytes(new byte[0]);
}
