package dev.tributary.spool;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The child JVM the crash tests kill. Its stdout carries only protocol lines, each written whole
 * and flushed after the fact it reports; logs go to stderr.
 *
 * <ul>
 *   <li>{@code append DIR SEGMENT_BYTES ID_BASE SEED THREADS}: threads append single records and
 *       batches with fsync {@code always}; per completed append it prints
 *       {@code ack <first offset> <id> <id> ...}, one id per record of the append.
 *   <li>{@code ack DIR SEGMENT_BYTES SEED}: reads cursor {@code crash} and acknowledges in a loop,
 *       printing {@code ack-begin N} before and {@code ack-done N} after each acknowledgement.
 *   <li>{@code hold DIR}: opens the spool, prints {@code held <pid>}, and keeps it open until
 *       stdin ends.
 *   <li>{@code try-open DIR}: prints {@code opened} or {@code refused <message>} and exits.
 * </ul>
 * It ends itself when stdin ends, so a dead test never leaves it running.
 */
public final class SpoolCrashChild {

  static final String CURSOR = "crash";
  static final int IN_FLIGHT_PER_THREAD = 8;
  static final int MAX_FILLER = 300;

  private static final PrintStream OUT =
      new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), true, StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    System.setOut(System.err);
    Thread.ofPlatform().daemon().start(SpoolCrashChild::exitWhenStdinEnds);
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "append" -> append(config(dir, Long.parseLong(args[2])), Long.parseLong(args[3]), Long.parseLong(args[4]), Integer.parseInt(args[5]));
      case "ack" -> acknowledge(config(dir, Long.parseLong(args[2])), Long.parseLong(args[3]));
      case "hold" -> hold(SpoolConfig.defaults(dir));
      case "try-open" -> tryOpen(SpoolConfig.defaults(dir));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  static SpoolConfig config(Path dir, long segmentBytes) {
    return new SpoolConfig(dir, segmentBytes, SpoolConfig.DEFAULT_MAX_BYTES, FsyncPolicy.ALWAYS);
  }

  private static void append(SpoolConfig config, long idBase, long seed, int threads) throws Exception {
    Spool spool = Spool.open(config);
    List<Thread> appenders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long firstId = idBase + t * 100_000_000L;
      Random random = new Random(seed * 31 + t);
      appenders.add(Thread.ofPlatform().name("appender-" + t).start(() -> appendForever(spool, firstId, random)));
    }
    for (Thread t : appenders) t.join();
  }

  private static void appendForever(Spool spool, long firstId, Random random) {
    Semaphore inFlight = new Semaphore(IN_FLIGHT_PER_THREAD);
    long id = firstId;
    try {
      while (true) {
        inFlight.acquire();
        int size = random.nextInt(3) == 0 ? 2 + random.nextInt(7) : 1;
        long batchId = id;
        List<byte[]> batch = new ArrayList<>(size);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < size; i++, id++) {
          batch.add(new CrashPayload(id, batchId, i, size).encode(random.nextInt(MAX_FILLER + 1)));
          line.append(' ').append(id);
        }
        CompletableFuture<Long> done = size == 1 ? spool.append(batch.get(0)) : spool.append(batch);
        done.whenComplete((offset, failure) -> {
          inFlight.release();
          if (failure == null) {
            OUT.println("ack " + offset + line);
          } else {
            System.err.println("append failed: " + failure);
          }
        });
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void acknowledge(SpoolConfig config, long seed) throws IOException, InterruptedException {
    Random random = new Random(seed);
    Spool spool = Spool.open(config);
    SpoolCursor cursor = spool.cursor(CURSOR);
    while (true) {
      List<SpoolRecord> read = cursor.poll(1 + random.nextInt(3), Long.MAX_VALUE, Duration.ZERO);
      if (read.isEmpty()) {
        List<byte[]> more = new ArrayList<>();
        for (int i = 0; i < 200; i++) more.add(new byte[20]);
        spool.append(more).join();
        continue;
      }
      long offset = read.get(read.size() - 1).offset();
      OUT.println("ack-begin " + offset);
      cursor.acknowledge(offset);
      OUT.println("ack-done " + offset);
    }
  }

  private static void hold(SpoolConfig config) throws IOException, InterruptedException {
    Spool.open(config);
    OUT.println("held " + ProcessHandle.current().pid());
    Thread.currentThread().join();
  }

  private static void tryOpen(SpoolConfig config) throws IOException {
    try {
      Spool.open(config).close();
      OUT.println("opened");
    } catch (SpoolLockedException e) {
      OUT.println("refused " + e.getMessage());
    }
    System.exit(0);
  }

  private static void exitWhenStdinEnds() {
    try {
      while (System.in.read() >= 0) {
        // the parent writes nothing; it only keeps the pipe open while it lives
      }
    } catch (IOException e) {
      // same as end of input
    }
    Runtime.getRuntime().halt(2);
  }
}
