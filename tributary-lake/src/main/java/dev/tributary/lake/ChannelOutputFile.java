package dev.tributary.lake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Parquet's output as a {@link FileChannel} the caller owns, written from position 0 through a
 * 64 KiB buffer, so parquet-java needs neither Hadoop's {@code FileSystem} nor a path. Closing
 * the stream (parquet-java does when it has written the footer) flushes but leaves the channel
 * open and unforced: forcing and renaming are the lake file's business.
 */
final class ChannelOutputFile implements OutputFile {

  private static final int BUFFER = 64 * 1024;

  private final FileChannel channel;
  private Stream stream;

  ChannelOutputFile(FileChannel channel) {
    this.channel = channel;
  }

  @Override public PositionOutputStream create(long blockSizeHint) {
    return createOrOverwrite(blockSizeHint);
  }

  @Override public PositionOutputStream createOrOverwrite(long blockSizeHint) {
    if (stream != null) throw new IllegalStateException("one file per channel");
    stream = new Stream(channel);
    return stream;
  }

  /** Bytes written (buffered or in the channel) so far. */
  long bytesWritten() {
    return stream == null ? 0 : stream.getPos();
  }

  @Override public boolean supportsBlockSize() {
    return false;
  }

  @Override public long defaultBlockSize() {
    return 0;
  }

  static final class Stream extends PositionOutputStream {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private long flushed;

    Stream(FileChannel channel) {
      this.channel = channel;
    }

    @Override public long getPos() {
      return flushed + buffer.position();
    }

    @Override public void write(int b) throws IOException {
      if (!buffer.hasRemaining()) flush();
      buffer.put((byte) b);
    }

    @Override public void write(byte[] b, int off, int len) throws IOException {
      if (len > buffer.remaining()) {
        flush();
        if (len >= BUFFER) {  // a compressed page: straight to the channel, no copy
          writeFully(ByteBuffer.wrap(b, off, len));
          return;
        }
      }
      buffer.put(b, off, len);
    }

    @Override public void flush() throws IOException {
      buffer.flip();
      writeFully(buffer);
      buffer.clear();
    }

    @Override public void close() throws IOException {
      flush();
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) flushed += channel.write(bytes, flushed);
    }
  }
}
