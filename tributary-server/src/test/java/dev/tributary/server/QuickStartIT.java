package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, run as written in an empty working directory: its {@code ./tributary}
 * command through the launcher and the jar that {@code package} built (no path flags, so the
 * relative defaults; port 8080, which its curl uses), its curl command line through bash and the
 * real curl, SIGTERM, then its DuckDB query over its glob. Commands, request, answer, glob and
 * query are all read from README.md, so this test follows the README when it changes. An
 * integration test (failsafe, after {@code package}) because it runs the executable jar. A port
 * 8080 in use on the machine fails the test with serve's "cannot listen" line.
 */
class QuickStartIT {
  private static final Path README = Path.of("..", "README.md").toAbsolutePath().normalize();
  private static final Path LAUNCHER = README.resolveSibling("tributary");
  private static final int README_PORT = 8080;
  @TempDir Path work;

  @Test
  void theQuickStartLandsTheCurlsEventWhereTheReadmesQueryFindsIt() throws Exception {
    String section = section("## Quick start");
    List<String> serve = tributaryCommand(section, "serve");
    Curl curl = Curl.parse(codeBlocks(section, "sh").stream().filter(b -> b.contains("curl ")).findFirst().orElseThrow());
    try (ServeProcess server = ServeProcess.command(work, work.resolve("serve.log"), launcher(serve))) {
      server.awaitReady(README_PORT);
      curl.sendAndExpectTheReadmesAnswer(work);
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit after SIGTERM:\n%s", server.output()).isZero();
    }
    String glob = firstMatch(section, "`\\./([^`]*event_type=<type>[^`]*)`");
    assertThat(lakeFiles(work)).as("a file where the README says events land: %s", glob)
        .anyMatch(f -> work.relativize(f).toString().matches(globRegex(glob)));
    assertThat(readmeQuery(readmeSql(section))).containsExactly(curl.eventType() + " 1");
  }

  /** "With Kafka": {@code ./tributary dev}, the same curl, and the README's query over {@code ./tributary-dev/lake}. */
  @Test
  void theDevPipelineLandsTheCurlsEventInItsDocumentedLake() throws Exception {
    String quickStart = section("## Quick start");
    String kafka = section("## With Kafka");
    List<String> dev = tributaryCommand(kafka, "dev");
    String lake = firstMatch(kafka, "the lake sink → `\\./([^`]+)`");
    Curl curl = Curl.parse(codeBlocks(quickStart, "sh").stream().filter(b -> b.contains("curl ")).findFirst().orElseThrow());
    try (ServeProcess process = ServeProcess.command(work, work.resolve("dev.log"), launcher(dev))) {
      process.awaitReady(README_PORT);
      curl.sendAndExpectTheReadmesAnswer(work);
      Awaitility.await("a lake file in " + lake).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
          .until(() -> !lakeFiles(work.resolve(lake)).isEmpty());
      assertThat(process.terminate(Duration.ofSeconds(120))).as("exit after SIGTERM:\n%s", process.output()).isZero();
    }
    String sql = readmeSql(quickStart);
    String quickStartLake = firstMatch(sql, "'(tributary-data/lake)/");
    assertThat(readmeQuery(sql.replace(quickStartLake, lake))).containsExactly(curl.eventType() + " 1");
  }

  private static List<String> launcher(List<String> arguments) {
    assertThat(LAUNCHER.resolveSibling("tributary-server/target/tributary.jar"))
        .as("the executable jar (built by package, before this integration test)").isRegularFile();
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(arguments);
    return command;
  }

  /** The README's query, its relative glob resolved in the scratch directory; rows as "event_type count" (the last column). */
  private List<String> readmeQuery(String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
      st.execute("SET file_search_path = '" + work + "'");
      try (ResultSet rs = st.executeQuery(sql.strip().replaceAll(";$", ""))) {
        while (rs.next()) rows.add(rs.getString("event_type") + " " + rs.getLong(rs.getMetaData().getColumnCount()));
      }
    }
    return rows;
  }

  private static String readmeSql(String section) {
    List<String> sql = codeBlocks(section, "sql");
    assertThat(sql).as("the DuckDB query in the README").hasSize(1);
    return sql.getFirst();
  }

  /** The arguments of the README's {@code ./tributary <command>} line, comment dropped. */
  private static List<String> tributaryCommand(String section, String command) {
    for (String block : codeBlocks(section, "sh")) {
      for (String line : block.split("\n")) {
        List<String> words = Curl.words(line.replaceAll("\\s+#.*$", ""));
        if (words.size() >= 2 && words.get(0).equals("./tributary") && words.get(1).equals(command)) {
          return words.subList(1, words.size());
        }
      }
    }
    throw new AssertionError("no './tributary " + command + "' line in the README section:\n" + section);
  }

  private static String section(String heading) throws IOException {
    String readme = Files.readString(README);
    int start = readme.indexOf("\n" + heading + "\n");
    assertThat(start).as("'%s' in %s", heading, README).isNotNegative();
    int end = readme.indexOf("\n## ", start + heading.length() + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static List<String> codeBlocks(String text, String language) {
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(text);
    while (m.find()) blocks.add(m.group(1));
    return blocks;
  }

  private static String firstMatch(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in:\n%s", regex, text).isTrue();
    return m.group(1);
  }

  /** The README's path pattern as a regex: {@code <type>}, {@code <YYYY-MM-DD>} and {@code <HH>} stand for values, {@code *} for a name. */
  private static String globRegex(String glob) {
    StringBuilder out = new StringBuilder();
    Matcher m = Pattern.compile("<type>|<YYYY-MM-DD>|<HH>|\\*").matcher(glob);
    int last = 0;
    while (m.find()) {
      out.append(Pattern.quote(glob.substring(last, m.start()))).append(switch (m.group()) {
        case "<YYYY-MM-DD>" -> "\\d{4}-\\d{2}-\\d{2}";
        case "<HH>" -> "\\d{2}";
        default -> "[^/]+";
      });
      last = m.end();
    }
    return out.append(Pattern.quote(glob.substring(last))).toString();
  }

  private static List<Path> lakeFiles(Path dir) throws IOException {
    return LakeFiles.completed(dir);
  }

  /** The README's curl command line, its body and URL as curl will send them, and the answer the comment under it shows. */
  private record Curl(String commandLine, String body, String answer) {

    static Curl parse(String block) {
      String command = block.replace("\\\n", " ");
      int at = command.indexOf("curl ");
      String line = command.substring(at, command.indexOf('\n', at));
      List<String> words = words(line);
      String body = null;
      URI url = null;
      for (int i = 1; i < words.size(); i++) {
        String w = words.get(i);
        switch (w) {
          case "-H" -> i++;
          case "-d" -> body = words.get(++i);
          case "-s" -> { }
          default -> {
            assertThat(w).as("a curl argument this test knows").startsWith("http");
            url = URI.create(w);
          }
        }
      }
      Matcher answer = Pattern.compile("\n# (\\{.*})").matcher(command.substring(at));
      assertThat(answer.find()).as("the answer shown under the curl").isTrue();
      assertThat(url.getPort()).as("the README's port").isEqualTo(README_PORT);
      return new Curl(line, body, answer.group(1));
    }

    /** Runs the README's line as a user's shell does, in {@code work}, with the real curl. */
    void sendAndExpectTheReadmesAnswer(Path work) throws Exception {
      Process p = new ProcessBuilder("bash", "-c", commandLine).directory(work.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("curl's exit code; it printed: %s", out).isZero();
      assertThat(out.replace(" ", "").strip()).isEqualTo(answer.replace(" ", ""));
    }

    String eventType() {
      Matcher m = Pattern.compile("\"event\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
      assertThat(m.find()).as("an event type in the README's body %s", body).isTrue();
      return m.group(1);
    }

    /** Shell words: whitespace-separated, single and double quotes removed (enough for the README's lines). */
    static List<String> words(String line) {
      List<String> words = new ArrayList<>();
      StringBuilder word = null;
      char quote = 0;
      for (char c : line.toCharArray()) {
        if (quote != 0) {
          if (c == quote) quote = 0;
          else word.append(c);
        } else if (c == '\'' || c == '"') {
          quote = c;
          if (word == null) word = new StringBuilder();
        } else if (Character.isWhitespace(c)) {
          if (word != null) words.add(word.toString());
          word = null;
        } else {
          if (word == null) word = new StringBuilder();
          word.append(c);
        }
      }
      if (word != null) words.add(word.toString());
      return words;
    }
  }
}
