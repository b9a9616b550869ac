package dev.tributary.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@code expireAfter} into Purges (kafka-journal's PurgeExpired): journals whose last replicated
 * append was longer than its expireAfter ago are purged. A journal with unreplicated actions in its head
 * is left for a later round, so an append racing the expiry is not purged with it.
 */
public final class PurgeExpired implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PurgeExpired.class);
  private static final int BATCH = 1000;

  private final Journals journals;
  private final ScheduledExecutorService scheduler;

  private PurgeExpired(Journals journals, ScheduledExecutorService scheduler) {
    this.journals = journals;
    this.scheduler = scheduler;
  }

  /** For running {@link #runOnce()} on one's own schedule. */
  public PurgeExpired(Journals journals) {
    this(journals, null);
  }

  /** Runs {@link #runOnce()} every {@code every} until closed. */
  public static PurgeExpired schedule(Journals journals, Duration every) {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("journal-purge-expired").unstarted(r));
    PurgeExpired job = new PurgeExpired(journals, s);
    s.scheduleWithFixedDelay(() -> {
      try {
        job.runOnce();
      } catch (RuntimeException e) {
        log.warn("purging expired journals failed, retrying in {}: {}", every, e.getMessage());
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return job;
  }

  /** One round: purges up to 1,000 expired journals; returns how many. */
  public int runOnce() {
    int purged = 0;
    for (JournalKey key : journals.store().expired(Instant.now(), BATCH)) {
      Journal journal = journals.journal(key);
      if (!(journal.head(journal.mark()) instanceof HeadInfo.Empty)) continue;
      journal.purge();
      purged++;
    }
    if (purged > 0) log.info("purged {} expired journals", purged);
    return purged;
  }

  @Override
  public void close() {
    if (scheduler != null) scheduler.shutdownNow();
  }
}
