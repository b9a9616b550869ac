package dev.tributary.server;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT: the first starts a graceful stop, the second ends the process at once with
 * the shell's code for a death by that signal (128 + its number: 130 for Ctrl-C, 143 for SIGTERM).
 * Handled as signals rather than a shutdown hook because a JVM ignores further signals once its
 * hooks run, and an operator's second Ctrl-C must work. Each command says, in the log, what the
 * first signal does and what stopping at once leaves behind, for it.
 */
final class ShutdownSignals {
  private static final Logger log = LoggerFactory.getLogger(ShutdownSignals.class);
  private static final AtomicInteger received = new AtomicInteger();
  private static Runnable stop;
  private static String onFirst = "stopping (send it again to stop at once)";
  private static String onSecond = "stopping now";
  private static boolean pending;

  private ShutdownSignals() {}

  /**
   * Takes the signals from now on, before the command is ready to stop gracefully: a server is
   * ready (its health check answers) a moment before it has its drain, and a SIGTERM in between
   * must not kill it. A signal that comes before {@link #install} is acted on there.
   */
  static synchronized void hold() {
    Signal.handle(new Signal("TERM"), ShutdownSignals::received);
    Signal.handle(new Signal("INT"), ShutdownSignals::received);
  }

  /**
   * Runs {@code drain} at the first SIGTERM/SIGINT (at once if one came since {@link #hold});
   * {@code first} and {@code second} say, in the log, what each signal does for this command.
   */
  static synchronized void install(Runnable drain, String first, String second) {
    hold();
    stop = drain;
    onFirst = first;
    onSecond = second;
    if (pending) start(drain);
  }

  private static synchronized void received(Signal signal) {
    if (received.incrementAndGet() > 1) {
      log.warn("second SIG{}: {}", signal.getName(), onSecond);
      Runtime.getRuntime().halt(exitCode(signal));
    }
    log.info("SIG{} received: {}", signal.getName(), onFirst);
    if (stop != null) {
      start(stop);
    } else {
      pending = true;
    }
  }

  /** What a shell reports for a process killed by {@code signal}, which is what stopping at once amounts to. */
  static int exitCode(Signal signal) {
    return 128 + signal.getNumber();
  }

  private static void start(Runnable drain) {
    Thread.ofPlatform().name("tributary-drain").start(drain);
  }
}
