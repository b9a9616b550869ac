package dev.tributary.server;

import dev.tributary.testkit.KafkaBroker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tributary dev}: the whole pipeline on one machine, to try it. A real Kafka broker runs as
 * a child process with its data in {@code <data-dir>/kafka}, and {@code serve} forwards to it in
 * this process. Ctrl-C drains serve into the broker first, then stops the broker.
 *
 * <p>The broker keeps its topics across runs ({@link KafkaBroker#startOrResume}); delete
 * {@code <data-dir>/kafka} for an empty one.
 */
@Command(name = "dev", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Try the whole pipeline: start a local Kafka broker (a child JVM, data in <data-dir>/kafka, kept across runs) and serve forwarding to it.",
        "Prints the broker's bootstrap address for your consumers. Ctrl-C drains serve into Kafka, then stops both.",
        "The broker's jars come from the local Maven repository of the build (see docs/kafka.md)."})
final class DevCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DevCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port of the capture API (default 8080)") String port;
  @Option(names = "--data-dir", description = "spool, dead letters and Kafka's data (default ./tributary-dev)") String dataDir = "./tributary-dev";
  @Option(names = "--topic", description = "Kafka topic, or a template like events.{event} (default events)") String topic;
  @Option(names = "--lake-too", description = "land events in the local lake <data-dir>/lake as well") boolean lakeToo;

  @Override
  public Integer call() throws Exception {
    ShutdownSignals.hold();
    try {
      // Checked before the broker's seconds of start: the real address is only known after.
      ServeCommand.forwarderConfig(ServeSettings.resolve(null, System.getenv(), flags("127.0.0.1:9092")));
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary dev: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    Path kafkaDir = Path.of(dataDir).resolve("kafka").toAbsolutePath().normalize();
    log.info("starting a Kafka broker in {} (takes a few seconds; delete the directory for an empty broker)", kafkaDir);
    try (KafkaBroker broker = KafkaBroker.startOrResume(kafkaDir)) {
      ServeSettings settings = ServeSettings.resolve(null, System.getenv(), flags(broker.bootstrapServers()));
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Kafka bootstrap: %s   (topic %s, broker log %s)%n", broker.bootstrapServers(), settings.topic(),
          kafkaDir.resolve("broker.log"));
      out.printf("Capture API:     http://%s:%d/v1/events   Ctrl-C drains into Kafka and stops both%n", settings.bind(), settings.port());
      out.flush();
      int code = ServeCommand.serve(settings, ServeCommand.forwarderConfig(settings));
      log.info("serve stopped (exit {}); stopping the Kafka broker", code);
      return code;
    }
  }

  private Map<String, String> flags(String bootstrap) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("data_dir", dataDir);
    flags.put("kafka", bootstrap);
    if (port != null) flags.put("port", port);
    if (topic != null) flags.put("topic", topic);
    if (lakeToo) flags.put("embedded_lake", "true");
    return flags;
  }
}
