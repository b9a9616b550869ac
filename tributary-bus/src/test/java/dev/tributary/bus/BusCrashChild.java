package dev.tributary.bus;

import dev.tributary.spool.FsyncPolicy;
import java.nio.file.Path;

/** A bus in a child JVM for {@link BusCrashTest}: prints {@code listening <port>}, then serves until killed. */
public final class BusCrashChild {
  public static void main(String[] args) throws Exception {
    BusConfig config = BusConfig.defaults(Path.of(args[0]), "crash").withFsync(FsyncPolicy.ALWAYS)
        .withRotation(Long.parseLong(args[1]), BusConfig.DEFAULT_ROTATE_INTERVAL);
    LocalBus bus = LocalBus.open(config);
    BusServer server = BusServer.start(bus, "127.0.0.1", 0);
    System.out.println("listening " + server.port());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
