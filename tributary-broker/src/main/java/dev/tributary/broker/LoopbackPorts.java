package dev.tributary.broker;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for servers started (and restarted) as child processes: the Kafka broker of
 * {@code tributary dev}, and in tests brokers, PostgreSQL, S3Proxy and {@code serve}.
 *
 * <p>Why not {@code new ServerSocket(0)}: that port comes from the kernel's ephemeral range, the same
 * range every outgoing connection takes its local port from. Between the pick and the child's bind,
 * or while a killed broker is down, a client's connection (a Kafka client reconnecting to that very
 * port even connects to itself) can hold it, and the server then fails with "address in use". Ports
 * below the ephemeral range are never handed out by the kernel, so only another explicit bind can
 * take them; within this JVM no port is handed out twice.
 */
public final class LoopbackPorts {

  private static final int LOWEST = 10_000;
  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

  private LoopbackPorts() {}

  /** A loopback port below the ephemeral range that nothing listens on now and that this JVM has not handed out before. */
  public static int unused() {
    int top = ephemeralLow();
    int span = top - LOWEST;
    int start = ThreadLocalRandom.current().nextInt(span);
    for (int i = 0; i < span; i++) {
      int port = LOWEST + (start + i) % span;
      if (handedOut.add(port)) {
        if (bindable(port)) return port;
      }
    }
    throw new IllegalStateException("no unused port between " + LOWEST + " and " + top);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of {@code net.ipv4.ip_local_port_range} (32768 by default). */
  private static int ephemeralLow() {
    // Files.readString trusts the size procfs reports and returned a single character here.
    try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      return Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
