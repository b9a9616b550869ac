package dev.tributary.bus;

import java.nio.file.Path;

/**
 * One chunk file. Its size is the published size: bytes durable under the fsync policy, always at
 * a message boundary; the file may briefly be longer while a batch is being written.
 */
final class Chunk {
  final Names.ChunkName name;
  final String fileName;
  final Path file;
  volatile long size;
  volatile boolean complete;
  volatile long lastWriteMillis;

  Chunk(Names.ChunkName name, Path file, long size, boolean complete, long lastWriteMillis) {
    this.name = name;
    this.fileName = file.getFileName().toString();
    this.file = file;
    this.size = size;
    this.complete = complete;
    this.lastWriteMillis = lastWriteMillis;
  }

  ChunkInfo info() {
    return new ChunkInfo(fileName, complete, size);
  }
}
