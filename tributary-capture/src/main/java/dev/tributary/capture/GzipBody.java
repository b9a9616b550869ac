package dev.tributary.capture;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Inflates a gzip request body in small steps and stops as soon as the output passes the limit,
 * so a body that inflates to gigabytes (a gzip bomb) costs at most the limit in memory.
 */
final class GzipBody {

  private static final int STEP = 64 * 1024;

  private GzipBody() {}

  /** The inflated bytes (the array may be longer than the content). */
  static RequestBody.Bytes inflate(byte[] compressed, int length, long limit) throws Rejection {
    byte[] out = new byte[(int) Math.min(limit + 1, Math.max(STEP, length * 4L))];
    int size = 0;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed, 0, length), STEP)) {
      while (true) {
        if (size == out.length) {
          out = Arrays.copyOf(out, (int) Math.min(limit + 1, (long) out.length * 2));
        }
        int n = in.read(out, size, out.length - size);
        if (n < 0) break;
        size += n;
        if (size > limit) throw tooLarge(limit);
      }
    } catch (IOException e) {
      throw new Rejection(400, "the body is not valid gzip (Content-Encoding: gzip): " + e.getMessage());
    }
    return new RequestBody.Bytes(out, size);
  }

  private static Rejection tooLarge(long limit) {
    return new Rejection(413, "the request body inflates to more than the limit of " + limit
        + " bytes; send fewer events per request");
  }
}
