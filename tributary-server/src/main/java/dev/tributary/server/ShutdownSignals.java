package dev.tributary.server;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT: the first starts a graceful drain, the second ends the process at once.
 * Handled as signals rather than a shutdown hook because a JVM ignores further signals once its
 * hooks run, and an operator's second Ctrl-C must work. The spool is durable, so stopping
 * early loses nothing: the next start resumes from the cursors.
 */
final class ShutdownSignals {
  private static final Logger log = LoggerFactory.getLogger(ShutdownSignals.class);
  static final int FORCED_EXIT = 143;

  private ShutdownSignals() {}

  static void install(Runnable drain) {
    install(drain, "draining (send it again to stop at once; the spool keeps what is not landed)",
        "stopping now; what is not in the lake yet stays in the spool for the next start");
  }

  /** {@code onFirst} and {@code onSecond} say, in the log, what each signal does for this command. */
  static void install(Runnable drain, String onFirst, String onSecond) {
    AtomicInteger received = new AtomicInteger();
    SignalHandler handler = signal -> {
      if (received.incrementAndGet() == 1) {
        log.info("SIG{} received: {}", signal.getName(), onFirst);
        Thread.ofPlatform().name("tributary-drain").start(drain);
      } else {
        log.warn("second SIG{}: {}", signal.getName(), onSecond);
        Runtime.getRuntime().halt(FORCED_EXIT);
      }
    };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);
  }
}
