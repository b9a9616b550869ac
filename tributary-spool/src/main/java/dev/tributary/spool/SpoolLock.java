package dev.tributary.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code spool.lock}: an OS lock held for as long as a process has the spool open, holding
 * that process's PID as text so a second opener can say who holds it. The lock, not the file,
 * is what counts: a stale file left by a killed process does not block anyone.
 *
 * <p>Opens from this same process are refused from memory, before the file is touched: Linux
 * file locks belong to the process, and closing any descriptor of the file would drop the lock
 * the first opener holds.
 */
final class SpoolLock implements AutoCloseable {
  static final String FILE = "spool.lock";
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private SpoolLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  static SpoolLock acquire(Path dir) throws IOException {
    Path key = dir.toRealPath();
    if (!HELD_HERE.add(key)) {
      throw new SpoolLockedException(dir, "PID " + ProcessHandle.current().pid() + ", this process");
    }
    try {
      return lock(dir, key);
    } catch (IOException | RuntimeException e) {
      HELD_HERE.remove(key);
      throw e;
    }
  }

  private static SpoolLock lock(Path dir, Path key) throws IOException {
    Path file = dir.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock = ch.tryLock();
    if (lock == null) {
      ch.close();
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
      throw new SpoolLockedException(dir, holder.isEmpty() ? "unknown PID" : "PID " + holder);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    return new SpoolLock(key, ch, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      HELD_HERE.remove(key);
    }
  }
}
