package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.PostgresExtension;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code tributary journal ...} against a real broker and a real PostgreSQL. */
class JournalCommandTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();

  record Result(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  static Result run(Object command, String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private static Result append(String stdin, String... args) {
    JournalCommand.Append append = new JournalCommand.Append();
    append.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    return run(append, args);
  }

  @Test
  void appendReadDeletePurgeAndReplicateFromTheCommandLine() throws Exception {
    String db = postgres.createDatabase();
    String[] target = {"--kafka", kafka.bootstrapServers(), "--postgres", db, "--id", "cart-1", "--topic", "journal-cli"};

    Result appended = append("{\"seqNr\":1,\"tags\":[\"new\"],\"payload\":{\"sku\":\"a\"}}\n"
        + "{\"payload\":\"plain text\",\"payloadType\":\"text\"}\n\n{\"payload\":[1,2]}\n", target);
    assertThat(appended.exit()).as(appended.err()).isZero();
    assertThat(appended.out()).contains("\"partition\":0").contains("\"from\":1,\"to\":3");

    Result read = run(new JournalCommand(), concat("read", target));
    assertThat(read.exit()).as(read.err()).isZero();
    assertThat(read.lines()).containsExactly(
        "{\"seqNr\":1,\"tags\":[\"new\"],\"payload\":{\"sku\":\"a\"}}",
        "{\"seqNr\":2,\"tags\":[],\"payloadType\":\"text\",\"payload\":\"plain text\"}",
        "{\"seqNr\":3,\"tags\":[],\"payload\":[1,2]}");

    Result bad = append("{\"payload\":1}\n{not json\n", target);
    assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("standard input line 2").contains("not JSON").contains("nothing was appended");
    Result gap = append("{\"seqNr\":9,\"payload\":1}\n", target);
    assertThat(gap.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(gap.err()).contains("seqNr 9 where 4 comes next");
    assertThat(run(new JournalCommand(), concat("pointer", target)).out().trim()).isEqualTo("3");

    assertThat(run(new JournalCommand(), concat("delete", concat("--to", concat("1", target)))).exit()).isZero();
    assertThat(run(new JournalCommand(), concat("read", concat("--from", concat("1", target)))).lines())
        .extracting(l -> l.substring(0, 10)).containsExactly("{\"seqNr\":2", "{\"seqNr\":3");

    JournalCommand.Replicate replicate = new JournalCommand.Replicate();
    CompletableFuture<Result> replicating = CompletableFuture.supplyAsync(() -> run(replicate,
        "--kafka", kafka.bootstrapServers(), "--postgres", db, "--topics", "journal-cli", "--purge-expired-every", "0s"));
    try (Connection c = DriverManager.getConnection(db)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(c, "SELECT count(*) FROM journal WHERE id = 'cart-1'") == 2);
    } finally {
      replicate.stop();
    }
    Result replicated = replicating.get();
    assertThat(replicated.exit()).as(replicated.err()).isZero();
    assertThat(run(new JournalCommand(), concat("read", target)).lines()).hasSize(2);

    assertThat(run(new JournalCommand(), concat("purge", target)).exit()).isZero();
    assertThat(run(new JournalCommand(), concat("pointer", target)).out().trim()).isEqualTo("none");
    assertThat(run(new JournalCommand(), concat("read", target)).out()).isEmpty();
  }

  @Test
  void theJournalCommandIsListedAndExplainsItself() {
    Result help = run(new Tributary(), "journal", "--help");
    assertThat(help.out()).contains("replicate", "append", "read", "pointer", "delete", "purge");
    Result missing = run(new Tributary(), "journal", "read", "--kafka", "x:1");
    assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("--postgres").contains("--id");
  }

  private static long count(Connection c, String sql) throws Exception {
    try (ResultSet r = c.createStatement().executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static String[] concat(String first, String... rest) {
    String[] out = new String[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }
}
