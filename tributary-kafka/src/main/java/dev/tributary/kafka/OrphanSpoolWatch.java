package dev.tributary.kafka;

import dev.tributary.spool.SpoolFiles;
import dev.tributary.spool.SpoolLockedException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps scanning a directory for spools no live process holds ({@code ROOT/<x>} or
 * {@code ROOT/<x>/<y>}) and drains each. A held spool is tried again every scan (the lock costs
 * nothing) and reported once; a drained spool is not reopened until its files change.
 */
public final class OrphanSpoolWatch {
  private static final Logger log = LoggerFactory.getLogger(OrphanSpoolWatch.class);

  private final OrphanSpoolDrain drain;
  private final Path root;
  private final Path ownDeadLetters;
  private final Map<Path, String> settled = new HashMap<>();
  private final Set<Path> heldReported = new HashSet<>();

  /** @param ownDeadLetters the dead-letter spool the drains write to, never drained itself (may be null) */
  public OrphanSpoolWatch(OrphanSpoolDrain drain, Path root, Path ownDeadLetters) {
    this.drain = drain;
    this.root = root;
    this.ownDeadLetters = ownDeadLetters == null ? null : ownDeadLetters.toAbsolutePath().normalize();
  }

  /** Scans every {@code interval} until {@code stop} opens. */
  public void run(Duration interval, CountDownLatch stop) throws InterruptedException {
    while (stop.getCount() > 0) {
      for (Path dir : candidates()) {
        if (stop.getCount() == 0) break;
        drainIfChanged(dir);
      }
      stop.await(interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void drainIfChanged(Path dir) {
    String fingerprint = SpoolFiles.fingerprint(dir);
    if (fingerprint.equals(settled.get(dir))) return;
    try {
      OrphanSpoolDrain.Outcome o = drain.drain(dir, OrphanSpoolDrain.Progress.NONE);
      heldReported.remove(dir);
      log.info(o.summary());
      if (o.drained()) settled.put(dir, SpoolFiles.fingerprint(dir));
    } catch (SpoolLockedException e) {
      if (heldReported.add(dir)) log.info("spool {} is held by a live process ({}); skipped while it is", dir, SpoolFiles.holder(dir));
    } catch (IOException | RuntimeException e) {
      log.warn("could not drain spool {}; trying again at the next scan", dir, e);
    }
  }

  /** Spool directories at depth 1 or 2, except dead-letter spools and our own dead-letter directory. */
  List<Path> candidates() {
    List<Path> out = new ArrayList<>();
    for (Path child : directories(root)) {
      if (SpoolFiles.isSpool(child)) {
        out.add(child);
      } else {
        for (Path grandchild : directories(child)) if (SpoolFiles.isSpool(grandchild)) out.add(grandchild);
      }
    }
    out.removeIf(d -> OrphanSpoolDrain.isDeadLetterSpool(d) || d.toAbsolutePath().normalize().equals(ownDeadLetters));
    return out;
  }

  private static List<Path> directories(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      entries.forEach(out::add);
    } catch (IOException e) {
      log.debug("cannot list {}", dir, e);
    }
    out.sort(null);
    return out;
  }
}
