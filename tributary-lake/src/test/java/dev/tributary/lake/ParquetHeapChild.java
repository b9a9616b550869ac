package dev.tributary.lake;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Random;

/**
 * Writes {@code count} 1 KiB events, mostly random text that zstd cannot shrink much, into one
 * Parquet file with the default row group bound. Run by {@link ParquetHeapTest} in a child JVM
 * whose heap is smaller than the file, so it only finishes if row groups leave memory.
 * Args: file, count, seed.
 */
public final class ParquetHeapChild {

  private ParquetHeapChild() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    Random random = new Random(Long.parseLong(args[2]));
    byte[] noise = new byte[525];  // 700 characters of base64
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ParquetEncoder encoder = ParquetEncoder.open(channel);
      for (int i = 0; i < count; i++) {
        random.nextBytes(noise);
        String event = ParquetEvents.json(random, i, 250);
        event = event.substring(0, event.length() - 1) + ",\"noise\":\"" + Base64.getEncoder().encodeToString(noise) + "\"}";
        encoder.append(event.getBytes(StandardCharsets.UTF_8));
      }
      encoder.finish();
    }
  }
}
