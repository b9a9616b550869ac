package dev.tributary.lake;

import java.io.IOException;

/**
 * Turns records into the bytes of one lake file, written to a file channel from position 0.
 * {@link #finish()} completes the format (a compression trailer, a Parquet footer) but neither
 * forces nor closes the channel: {@link LakeFile} does that, so every format is made durable and
 * published the same way.
 */
interface RecordEncoder {

  /** One enriched event (a JSON object, no trailing newline). */
  void append(byte[] record) throws IOException;

  void finish() throws IOException;

  /** Frees native resources after a failure; the bytes written so far are thrown away. */
  void discard();
}
