package dev.tributary.lake;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The process {@link LakeCrashTest} kills: a spool with the lake sink, fed with events as capture
 * would (its own event_ids, some of them client retries of ids acknowledged in earlier rounds),
 * printing {@code ack <event_id>} once each append is durable. One event in five has no
 * event_id (only a unique {@code k}), so only the offset rule can keep it from landing twice.
 * Runs until killed.
 *
 * <p>Arguments: spool dir, lake (directory or s3://), format, S3 endpoint or {@code -}, upload dir,
 * file of ids acknowledged so far, round, seed.
 */
public final class LakeCrashChild {

  static final String KEYLESS = "-k";
  static final String[] TYPES = {"click", "page_view", "signup", "a/b", "caf\u00e9"};

  public static void main(String[] args) throws Exception {
    Path spoolDir = Path.of(args[0]);
    LakeTarget target = new LakeTarget(args[1], LakeFormat.parse(args[2]), args[3].equals("-") ? null : URI.create(args[3]),
        true);
    List<String> acked = Files.exists(Path.of(args[5])) ? Files.readAllLines(Path.of(args[5])) : List.of();
    int round = Integer.parseInt(args[6]);
    Random random = new Random(Long.parseLong(args[7]));
    PrintStream out = System.out;
    Spool spool = Spool.open(SpoolConfig.defaults(spoolDir));
    LakeConfig config = LakeConfig.defaults(target).withUploadDir(Path.of(args[4])).withRollBytes(4_000)
        .withRollAge(Duration.ofMillis(150));
    SpoolLakeSink.start(spool, config, new SimpleMeterRegistry());
    for (int seq = 0; ; seq++) {
      int n = 1 + random.nextInt(20);
      List<byte[]> batch = new ArrayList<>();
      List<String> fresh = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String type = TYPES[random.nextInt(TYPES.length)];
        if (!acked.isEmpty() && random.nextInt(10) == 0) {
          String id = acked.get(random.nextInt(acked.size()));
          if (!id.endsWith(KEYLESS)) batch.add(Events.bytes(type, id, now, -1));  // a client retry
        } else if (random.nextInt(5) == 0) {
          String key = "r" + round + "-" + seq + "-" + i + KEYLESS;
          fresh.add(key);
          batch.add(Events.withoutId(type, key, now));
        } else {
          String id = "r" + round + "-" + seq + "-" + i;
          fresh.add(id);
          batch.add(Events.bytes(type, id, now, i));
        }
      }
      if (batch.isEmpty()) continue;
      spool.append(batch).get();
      for (String id : fresh) out.println("ack " + id);
      out.flush();
      Thread.sleep(2 + random.nextInt(6));  // about 2,000 events/s: enough to roll a file every few ms, few for the final run
    }
  }
}
