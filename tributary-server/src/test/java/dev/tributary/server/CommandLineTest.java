package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as a user meets it: help, configuration layering and its errors, the spool tools. */
class CommandLineTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Tributary.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void helpListsTheCommands() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("serve", "send", "spool", "drain", "dead-letters", "bench");
  }

  @Test
  void flagsOverrideEnvironmentWhichOverridesTheFile() throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "port: 9000\nfsync: never\nbind: 127.0.0.2\n");
    ServeSettings s = ServeSettings.resolve(file, Map.of("TRIBUTARY_FSYNC", "interval=5", "TRIBUTARY_BIND", "127.0.0.3"),
        Map.of("bind", "127.0.0.4"));
    assertThat(s.port()).isEqualTo(9000);
    assertThat(s.fsync().toString()).isEqualTo("interval=5");
    assertThat(s.bind()).isEqualTo("127.0.0.4");
    assertThat(s.lake()).isEqualTo(Path.of("./tributary-data/lake"));
    assertThat(s.describe()).contains("fsync: interval=5   # environment variable TRIBUTARY_FSYNC", "port: 9000   # config file");
  }

  @Test
  void printConfigShowsTheEffectiveSettings() {
    assertThat(run("serve", "--print-config", "--port", "7000", "--data-dir", dir.toString())).isZero();
    assertThat(out.toString()).contains("port: 7000   # flag --port", "lake: " + dir.resolve("lake"));
  }

  @Test
  void aWrongValueNamesTheKeyTheSourceAndTheAcceptedValues() throws Exception {
    assertThat(run("serve", "--fsync", "sometimes")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'fsync'", "flag --fsync", "sometimes", "always, never, interval=<milliseconds>");
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "prot: 8080\n");
    assertThatThrownBy(() -> ServeSettings.resolve(file, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key 'prot'").hasMessageContaining("port");
    assertThatThrownBy(() -> ServeSettings.resolve(null, Map.of("TRIBUTARY_SPOOL_MAX_BYTES", "lots"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRIBUTARY_SPOOL_MAX_BYTES").hasMessageContaining("10GiB");
  }

  @Test
  void spoolVerifyPassesAHealthySpoolAndFailsADamagedOne() throws Exception {
    Path spoolDir = dir.resolve("spool");
    try (Spool spool = Spool.open(SpoolConfig.defaults(spoolDir))) {
      for (int i = 0; i < 10; i++) spool.append(("{\"event\":\"e" + i + "\"}").getBytes(StandardCharsets.UTF_8)).get();
      spool.cursor("lake").acknowledge(3);
    }
    assertThat(run("spool", "verify", spoolDir.toString())).isZero();
    assertThat(out.toString()).contains("OK, 10 records in 1 segments, 1 cursors");
    assertThat(run("spool", "inspect", spoolDir.toString())).isZero();
    assertThat(out.toString()).contains("00000000000000000000.seg", "lake", "6");
    try (RandomAccessFile f = new RandomAccessFile(spoolDir.resolve("00000000000000000000.seg").toFile(), "rw")) {
      f.seek(40);
      int b = f.read();
      f.seek(40);
      f.write(b ^ 0x10);
    }
    assertThat(run("spool", "verify", spoolDir.toString())).isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString()).contains("corrupt record at position 40");
  }
}
