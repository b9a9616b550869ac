package dev.tributary.bench;

import dev.tributary.capture.DurableLog;
import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import java.io.Closeable;
import java.nio.file.Path;

/** A durable log capture can run over, opened fresh in a scratch directory for each load. */
enum CaptureBackend {

  /** Tributary's spool, fsync {@code always}: group commit over concurrent requests. */
  SPOOL("spool") {
    @Override
    OpenLog open(Path dir) throws Exception {
      Spool spool = Spool.open(SpoolConfig.defaults(dir).withFsync(FsyncPolicy.ALWAYS).withMaxBytes(MAX_BYTES));
      return new OpenLog(DurableLog.of(spool), spool);
    }
  },

  /** The baseline: SQLite in WAL mode, {@code synchronous=FULL}, one transaction per request. */
  SQLITE("sqlite") {
    @Override
    OpenLog open(Path dir) throws Exception {
      SqliteDurableLog log = SqliteDurableLog.open(dir.resolve("events.db"), MAX_BYTES);
      return new OpenLog(log, log);
    }
  };

  private static final long MAX_BYTES = 32L << 30;

  final String label;

  CaptureBackend(String label) {
    this.label = label;
  }

  abstract OpenLog open(Path dir) throws Exception;

  record OpenLog(DurableLog log, Closeable resource) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      resource.close();
    }
  }
}
