package dev.tributary.bus;

import dev.tributary.spool.Directories;
import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Quantity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One category of a {@link LocalBus}: a directory of chunk files, with acknowledgements per reader.
 *
 * <p>On disk, {@code <data-dir>/<category>/} holds:
 * <ul>
 *   <li>{@code <instance>-chunk<9 digits>}: a chunk, exactly the raw messages written to it,
 *       concatenated; every message ends in byte {@code 0x0A} ({@code \n}). No header, no index, no
 *       padding: byte {@code off} of {@code /read} is byte {@code off} of the file. A write's body is
 *       appended whole to one chunk, never split. After a crash the file may end in part of a batch
 *       that was never answered; opening the bus cuts it after its last {@code \n}.</li>
 *   <li>{@code <instance>-chunk<9 digits>.deleted}: an empty tombstone of the newest deleted
 *       chunk of that instance, kept so chunk numbers never repeat (a client's saved cursor names a
 *       chunk); older tombstones are removed.</li>
 *   <li>{@code readers/<reader>}: the chunks that reader acknowledged, one chunk name and
 *       {@code \n} per line, UTF-8, appended and forced per acknowledgement; a line without its
 *       {@code \n} (cut by a crash) is ignored. The file's existence registers the reader.</li>
 * </ul>
 *
 * <p>The chunk being written belongs to the {@link ChunkWriter} thread (the {@code writer*}
 * methods); the map of chunks and the acknowledgements are guarded by this object's lock.
 */
final class Category {
  private static final Logger LOG = LoggerFactory.getLogger(Category.class);
  static final String READERS_DIR = "readers";
  private static final int SCAN_BLOCK = 64 << 10;
  /** Small writes are gathered here so a batch of them costs one system call, not one each. */
  private static final int STAGING_BYTES = 256 << 10;

  final String name;
  final Path dir;
  private final BusConfig config;
  private final TreeMap<String, Chunk> chunks = new TreeMap<>();
  private final Map<String, Set<String>> readerAcks = new TreeMap<>();
  private final Map<String, Long> newestTombstone = new HashMap<>();
  private long nextIndex;

  // Owned by the writer thread.
  private Chunk active;
  private FileChannel out;
  private ByteBuffer staging;
  private long written; // in the file; more may be staged
  private long activeSinceMillis;

  private Category(String name, Path dir, BusConfig config) {
    this.name = name;
    this.dir = dir;
    this.config = config;
  }

  /** Creates the directory of a new category, durably. */
  static Category create(Path dataDir, String name, BusConfig config) throws IOException {
    Path dir = dataDir.resolve(name);
    Files.createDirectories(dir);
    Directories.force(dataDir);
    return new Category(name, dir, config);
  }

  /** Opens an existing category: cuts torn tails, every chunk is complete, numbering continues after the newest. */
  static Category open(Path dir, BusConfig config) throws IOException {
    Category c = new Category(dir.getFileName().toString(), dir, config);
    List<Path> tombstones = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String file = p.getFileName().toString();
        Names.ChunkName chunk = Names.parseChunk(file);
        if (chunk != null && Files.isRegularFile(p)) {
          long size = recoverTail(p);
          c.chunks.put(file, new Chunk(chunk, p, size, true, Files.getLastModifiedTime(p).toMillis()));
          c.noteIndex(chunk);
        } else if (file.endsWith(Names.TOMBSTONE_SUFFIX)
            && (chunk = Names.parseChunk(file.substring(0, file.length() - Names.TOMBSTONE_SUFFIX.length()))) != null) {
          tombstones.add(p);
          c.noteIndex(chunk);
          c.newestTombstone.merge(chunk.instance(), chunk.index(), Math::max);
        }
      }
    }
    c.dropOlderTombstones(tombstones);
    c.loadReaders();
    return c;
  }

  private void noteIndex(Names.ChunkName chunk) {
    if (chunk.instance().equals(config.instance())) nextIndex = Math.max(nextIndex, chunk.index() + 1);
  }

  /**
   * Cuts the file after its last {@code \n}: what follows is part of a batch a crash interrupted,
   * never answered. Reads backwards in blocks, so memory stays bounded whatever the tail.
   */
  static long recoverTail(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long end = size;
      ByteBuffer block = ByteBuffer.allocate(SCAN_BLOCK);
      long keep = 0;
      scan:
      while (end > 0) {
        long start = Math.max(0, end - SCAN_BLOCK);
        block.clear().limit((int) (end - start));
        while (block.hasRemaining()) {
          if (ch.read(block, start + block.position()) < 0) break;
        }
        for (int i = block.position() - 1; i >= 0; i--) {
          if (block.get(i) == '\n') {
            keep = start + i + 1;
            break scan;
          }
        }
        end = start;
      }
      if (keep < size) {
        LOG.warn("chunk {}: cut {} bytes of a torn tail (a write interrupted by a crash, never acknowledged)", file, size - keep);
        ch.truncate(keep);
        ch.force(true);
      }
      return keep;
    }
  }

  private void loadReaders() throws IOException {
    Path readers = dir.resolve(READERS_DIR);
    if (!Files.isDirectory(readers)) return;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(readers)) {
      for (Path p : entries) {
        String reader = p.getFileName().toString();
        if (!Names.isCategory(reader)) continue;
        Set<String> acked = new HashSet<>();
        String text = Files.readString(p, StandardCharsets.UTF_8);
        int start = 0;
        for (int nl; (nl = text.indexOf('\n', start)) >= 0; start = nl + 1) {
          String chunk = text.substring(start, nl);
          if (chunks.containsKey(chunk)) acked.add(chunk);
        }
        readerAcks.put(reader, acked);
      }
    }
  }

  // ---- reading side, any thread ----

  synchronized List<ChunkInfo> list(String reader) throws IOException {
    Set<String> acked = reader == null ? Set.of() : register(reader);
    List<ChunkInfo> list = new ArrayList<>(chunks.size());
    for (Chunk c : chunks.values()) {
      if (!acked.contains(c.fileName)) list.add(c.info());
    }
    return list;
  }

  /** The chunk as {@code reader} sees it: 404 when missing or already acknowledged by that reader. */
  synchronized Chunk find(String chunk, String reader) throws IOException {
    Chunk c = chunks.get(chunk);
    if (c == null || (reader != null && register(reader).contains(chunk))) {
      throw BusException.notFound("chunk " + chunk + " not found in category " + this.name
          + (c == null ? "" : " (reader " + reader + " acknowledged it)"));
    }
    return c;
  }

  /**
   * Acknowledges a complete chunk. Without a reader it is deleted at once, as Chukcha does; with
   * one, once every registered reader has acknowledged it. Acknowledging a deleted chunk again is
   * accepted, so a client that retries after a lost answer is not stuck.
   */
  synchronized void ack(Names.ChunkName name, String chunk, long size, String reader) throws IOException {
    Chunk c = chunks.get(chunk);
    if (c == null) {
      Long tombstone = newestTombstone.get(name.instance());
      if (tombstone != null && name.index() <= tombstone) return;
      throw BusException.notFound("chunk " + chunk + " not found in category " + this.name);
    }
    if (!c.complete) {
      throw BusException.conflict("chunk " + chunk + " is still being written: only a complete chunk can be acknowledged");
    }
    if (size < c.size) {
      throw BusException.conflict("size " + size + " is short of chunk " + chunk + "'s size " + c.size
          + ": read the chunk to its end before acknowledging it");
    }
    if (reader == null) {
      delete(c, "acknowledged");
      return;
    }
    Set<String> acked = register(reader);
    if (acked.add(chunk)) {
      try (FileChannel ch = FileChannel.open(readerFile(reader), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        ch.write(ByteBuffer.wrap((chunk + "\n").getBytes(StandardCharsets.UTF_8)));
        ch.force(false);
      }
    }
    if (readerAcks.values().stream().allMatch(s -> s.contains(chunk))) delete(c, "acknowledged by every reader");
  }

  private Set<String> register(String reader) throws IOException {
    Set<String> acked = readerAcks.get(reader);
    if (acked != null) return acked;
    Path readers = Files.createDirectories(dir.resolve(READERS_DIR));
    Files.write(readerFile(reader), new byte[0], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    Directories.force(readers);
    Directories.force(dir);
    acked = new HashSet<>();
    readerAcks.put(reader, acked);
    LOG.info("category {}: reader {} registered; chunks are now deleted once every registered reader acknowledges them", name, reader);
    return acked;
  }

  private Path readerFile(String reader) {
    return dir.resolve(READERS_DIR).resolve(reader);
  }

  /** Deletes a complete chunk, leaving the tombstone that keeps its number taken. */
  private void delete(Chunk c, String why) throws IOException {
    chunks.remove(c.fileName);
    for (Set<String> acked : readerAcks.values()) acked.remove(c.fileName);
    Long previous = newestTombstone.get(c.name.instance());
    if (previous == null || previous < c.name.index()) {
      Files.write(dir.resolve(c.fileName + Names.TOMBSTONE_SUFFIX), new byte[0], StandardOpenOption.CREATE);
      newestTombstone.put(c.name.instance(), c.name.index());
    }
    try {
      Files.delete(c.file);
    } catch (NoSuchFileException e) {
      // already gone; the tombstone is what counts
    }
    if (previous != null && previous < c.name.index()) {
      Files.deleteIfExists(dir.resolve(new Names.ChunkName(c.name.instance(), previous).fileName() + Names.TOMBSTONE_SUFFIX));
    }
    Directories.force(dir);
    LOG.debug("category {}: chunk {} deleted ({})", name, c.fileName, why);
  }

  private void dropOlderTombstones(List<Path> tombstones) throws IOException {
    for (Path p : tombstones) {
      String file = p.getFileName().toString();
      Names.ChunkName chunk = Names.parseChunk(file.substring(0, file.length() - Names.TOMBSTONE_SUFFIX.length()));
      if (chunk.index() < newestTombstone.get(chunk.instance())) Files.deleteIfExists(p);
    }
  }

  /**
   * Deletes complete chunks past the retention limits, acknowledged or not: those last written
   * before {@code now - age}, then the oldest while the category holds more than its byte limit.
   */
  synchronized int enforceRetention(long nowMillis) throws IOException {
    List<Chunk> complete = new ArrayList<>(chunks.values().stream().filter(c -> c.complete).toList());
    complete.sort(Comparator.comparingLong((Chunk c) -> c.lastWriteMillis).thenComparing(c -> c.fileName));
    long total = chunks.values().stream().mapToLong(c -> c.size).sum();
    int deleted = 0;
    for (Chunk c : complete) {
      boolean old = config.retentionAge() != null && c.lastWriteMillis < nowMillis - config.retentionAge().toMillis();
      boolean over = config.retentionBytes() > 0 && total > config.retentionBytes();
      if (!old && !over) break;
      delete(c, "retention");
      total -= c.size;
      deleted++;
    }
    if (deleted > 0) LOG.info("category {}: retention deleted {}", name, Quantity.of(deleted, "chunk"));
    return deleted;
  }

  // ---- writing side, the ChunkWriter thread only ----

  /** Makes sure a chunk can take {@code bytes} more: starts one if none, or if this batch would overfill it. */
  void writerPrepare(long bytes) throws IOException {
    long size = written + (staging == null ? 0 : staging.position());
    if (active != null && size > 0 && size + bytes > config.maxChunkBytes()) writerSeal();
    if (active == null) writerStartChunk();
  }

  void writerAppend(byte[] body, int length) throws IOException {
    if (staging == null) staging = ByteBuffer.allocateDirect(STAGING_BYTES);
    if (length > staging.remaining()) writerFlush();
    if (length > staging.capacity()) {
      writeFully(ByteBuffer.wrap(body, 0, length));
    } else {
      staging.put(body, 0, length);
    }
  }

  /** Writes what is staged to the file. */
  void writerFlush() throws IOException {
    if (staging == null || staging.position() == 0) return;
    staging.flip();
    writeFully(staging);
    staging.clear();
  }

  private void writeFully(ByteBuffer data) throws IOException {
    while (data.hasRemaining()) written += out.write(data, written);
  }

  void writerForce() throws IOException {
    writerFlush();
    if (out != null) out.force(false);
  }

  /** Makes what was flushed visible to readers; called once it is durable under the policy. */
  void writerPublish() {
    if (active == null || active.size == written) return;
    active.size = written;
    active.lastWriteMillis = System.currentTimeMillis();
  }

  /** Completes a non-empty chunk older than the rotation interval and starts the next, so readers can acknowledge it. */
  void writerRotateIfOld(long nowMillis) throws IOException {
    if (active != null && written > 0 && nowMillis - activeSinceMillis >= config.rotateInterval().toMillis()) {
      writerSeal();
      writerStartChunk();
    }
  }

  /** After a failed write: cuts the chunk back to its last published size and completes it. */
  void writerRollBack() throws IOException {
    if (staging != null) staging.clear();
    if (active == null) return;
    written = active.size;
    out.truncate(written);
    writerSeal();
  }

  void writerClose() throws IOException {
    if (active != null) writerSeal();
  }

  private void writerSeal() throws IOException {
    writerFlush();
    if (!(config.fsync() instanceof FsyncPolicy.Never)) out.force(false);
    writerPublish();
    out.close();
    out = null;
    active.complete = true;
    active = null;
  }

  private void writerStartChunk() throws IOException {
    Names.ChunkName next = new Names.ChunkName(config.instance(), nextIndex);
    Path file = dir.resolve(next.fileName());
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      Directories.force(dir);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    nextIndex++;
    out = channel;
    written = 0;
    activeSinceMillis = System.currentTimeMillis();
    active = new Chunk(next, file, 0, false, activeSinceMillis);
    synchronized (this) {
      chunks.put(active.fileName, active);
    }
  }
}
