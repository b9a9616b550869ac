package dev.tributary.bus;

import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Quantity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus on one machine: {@code <data-dir>/<category>/} directories of chunk files (layout on
 * {@link Category}), written by one group-commit {@link ChunkWriter}. {@code <data-dir>/bus.lock}
 * holds an OS lock (and the holder's PID as text) while a process has the bus open.
 */
public final class LocalBus implements Bus {
  private static final Logger LOG = LoggerFactory.getLogger(LocalBus.class);
  static final String LOCK_FILE = "bus.lock";

  private final BusConfig config;
  private final ConcurrentMap<String, Category> categories = new ConcurrentHashMap<>();
  private final ChunkWriter writer;
  private final Thread writerThread;
  private final FileChannel lockChannel;

  private LocalBus(BusConfig config, FileChannel lockChannel) {
    this.config = config;
    this.lockChannel = lockChannel;
    this.writer = new ChunkWriter(config, this::categoryForWrite, categories.values());
    this.writerThread = Thread.ofPlatform().name("tributary-bus-writer").unstarted(writer);
  }

  /** Opens (creating if needed) the data directory, recovers every chunk's tail and starts the writer. */
  public static LocalBus open(BusConfig config) throws IOException {
    Files.createDirectories(config.dataDir());
    FileChannel lock = lock(config.dataDir());
    try {
      LocalBus bus = new LocalBus(config, lock);
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(config.dataDir(), Files::isDirectory)) {
        for (Path dir : dirs) {
          String name = dir.getFileName().toString();
          if (Names.isCategory(name)) bus.categories.put(name, Category.open(dir, config));
        }
      }
      bus.writerThread.start();
      LOG.info("bus open at {}: instance {}, {}, fsync {}, chunks up to {} bytes or {}",
          config.dataDir(), config.instance(), Quantity.of(bus.categories.size(), "category", "categories"), config.fsync(), config.maxChunkBytes(), config.rotateInterval());
      return bus;
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static FileChannel lock(Path dataDir) throws IOException {
    Path file = dataDir.resolve(LOCK_FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
      throw new IOException("bus data directory " + dataDir + " is in use by " + (holder.isEmpty() ? "another process" : "PID " + holder));
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    return ch;
  }

  private Category categoryForWrite(String name) {
    return categories.computeIfAbsent(name, n -> {
      try {
        return Category.create(config.dataDir(), n, config);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create category directory " + n, e);
      }
    });
  }

  @Override
  public CompletableFuture<Void> write(String category, byte[] body, int length) {
    Names.category(category);
    Messages.check(body, length);
    return config.fsync() instanceof FsyncPolicy.Never ? writer.writeNow(category, body, length) : writer.submit(category, body, length);
  }

  @Override
  public List<ChunkInfo> listChunks(String category, String reader) throws IOException {
    Category c = categories.get(Names.category(category));
    if (reader != null) Names.reader(reader);
    return c == null ? List.of() : c.list(reader);
  }

  @Override
  public List<String> listCategories() {
    List<String> names = new ArrayList<>(categories.keySet());
    names.sort(null);
    return names;
  }

  @Override
  public ReadResult read(String category, String chunk, long off, int maxSize, String reader) throws IOException {
    Category c = existing(category, chunk);
    Names.chunk(chunk);
    if (reader != null) Names.reader(reader);
    Chunk found = c.find(chunk, reader);
    long size = found.size;
    if (off >= size) return ReadResult.EMPTY;
    long end = Math.min(size, off + maxSize);
    if (end < size) end = lastMessageEnd(found, off, end);
    return new ReadResult.FileRegion(found.file, off, end - off);
  }

  /** The end of the last whole message in {@code [off, end)}, reading backwards in small blocks. */
  private static long lastMessageEnd(Chunk chunk, long off, long end) throws IOException {
    ByteBuffer block = ByteBuffer.allocate((int) Math.min(8192, end - off));
    try (FileChannel ch = FileChannel.open(chunk.file, StandardOpenOption.READ)) {
      for (long to = end; to > off; ) {
        long from = Math.max(off, to - block.capacity());
        block.clear().limit((int) (to - from));
        while (block.hasRemaining()) {
          if (ch.read(block, from + block.position()) < 0) throw new IOException("chunk " + chunk.fileName + " is shorter than its size");
        }
        for (int i = block.position() - 1; i >= 0; i--) {
          if (block.get(i) == '\n') return from + i + 1;
        }
        to = from;
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw BusException.notFound("chunk " + chunk.fileName + " not found (deleted meanwhile)");
    }
    throw BusException.badRequest("the buffer is too small to contain a single message: the message at byte " + off
        + " of chunk " + chunk.fileName + " is longer than max_size " + (end - off));
  }

  @Override
  public void ack(String category, String chunk, long size, String reader) throws IOException {
    Category c = existing(category, chunk);
    if (reader != null) Names.reader(reader);
    c.ack(Names.chunk(chunk), chunk, size, reader);
  }

  private Category existing(String category, String chunk) {
    Category c = categories.get(Names.category(category));
    if (c == null) {
      Names.chunk(chunk);
      throw BusException.notFound("category " + category + " does not exist");
    }
    return c;
  }

  /** Finishes queued writes, completes the chunks being written and releases the data directory. */
  @Override
  public void close() {
    writer.close();
    try {
      writerThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("could not release {}", LOCK_FILE, e);
    }
  }
}
