package dev.tributary.lake;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Compresses Parquet pages with zstd-jni directly, one call per page: no Hadoop codec, stream
 * or pool in between, and the output depends only on the page bytes and the level. Decompresses
 * them the same way, for the two columns the spool sink reads back ({@link ParquetEventIds}).
 */
final class ZstdPages implements CompressionCodecFactory, CompressionCodecFactory.BytesInputCompressor,
    CompressionCodecFactory.BytesInputDecompressor {

  private final int level;

  ZstdPages(int level) {
    this.level = level;
  }

  @Override public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    if (codec != CompressionCodecName.ZSTD) throw new IllegalArgumentException("only ZSTD is offered, not " + codec);
    return this;
  }

  @Override public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    if (codec != CompressionCodecName.ZSTD) throw new IllegalArgumentException("only ZSTD is offered, not " + codec);
    return this;
  }

  @Override public BytesInput decompress(BytesInput page, int uncompressedSize) throws IOException {
    return BytesInput.from(Zstd.decompress(page.toByteArray(), uncompressedSize));
  }

  @Override public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
      throws IOException {
    byte[] compressed = new byte[compressedSize];
    input.get(compressed);
    output.put(Zstd.decompress(compressed, uncompressedSize));
  }

  @Override public BytesInput compress(BytesInput page) throws IOException {
    return BytesInput.from(Zstd.compress(page.toByteArray(), level));
  }

  @Override public CompressionCodecName getCodecName() {
    return CompressionCodecName.ZSTD;
  }

  @Override public void release() {
    // nothing pooled
  }
}
