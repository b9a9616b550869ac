package dev.tributary.lake;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Compresses Parquet pages with zstd-jni directly, one call per page: no Hadoop codec, stream
 * or pool in between, and the output depends only on the page bytes and the level. The files
 * are only written here, so decompression is not offered.
 */
final class ZstdPages implements CompressionCodecFactory, CompressionCodecFactory.BytesInputCompressor {

  private final int level;

  ZstdPages(int level) {
    this.level = level;
  }

  @Override public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    if (codec != CompressionCodecName.ZSTD) throw new IllegalArgumentException("only ZSTD is offered, not " + codec);
    return this;
  }

  @Override public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    throw new UnsupportedOperationException("lake files are only written");
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
