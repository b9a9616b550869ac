package dev.tributary.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No class outside this module names an envelope field as a string literal: a name written out
 * elsewhere is a second copy of the contract that a change here would miss. Scans the main
 * sources of every other module of the build. The benchmarks may write envelope names inside the
 * synthetic JSON bodies (and SQL) they generate, not elsewhere.
 */
class EnvelopeNamesHaveOneHomeTest {

  /**
   * Literals that spell an envelope field's name but mean something else, per file (relative to
   * the build's root): each with why.
   */
  private static final Map<String, Set<String>> OTHER_MEANINGS = Map.of(
      // Segment's and PostHog's own message fields and request parameters, which capture maps to the envelope
      "tributary-capture/src/main/java/dev/tributary/capture/SegmentProtocol.java", Set.of("event", "timestamp", "ip"),
      "tributary-capture/src/main/java/dev/tributary/capture/PostHogProtocol.java", Set.of("event", "distinct_id", "timestamp", "ip"),
      // a meter tag
      "tributary-capture/src/main/java/dev/tributary/capture/CaptureMetrics.java", Set.of("protocol"),
      // the unit of a count in a message; a request a user can type, in the help text
      "tributary-server/src/main/java/dev/tributary/server/SendCommand.java", Set.of("event"),
      "tributary-server/src/main/java/dev/tributary/server/Tributary.java", Set.of("event"),
      // an error line's field: the Kafka record's time
      "tributary-lake/src/main/java/dev/tributary/lake/ErrorLine.java", Set.of("timestamp"));

  @Test
  void noOtherModuleNamesAnEnvelopeFieldInAStringLiteral() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> found = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module : modules.filter(m -> m.getFileName().toString().startsWith("tributary-")).sorted().toList()) {
        Path sources = module.resolve("src/main/java");
        if (module.getFileName().toString().equals("tributary-event") || !Files.isDirectory(sources)) continue;
        boolean bench = module.getFileName().toString().equals("tributary-bench");
        try (Stream<Path> files = Files.walk(sources)) {
          for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
            String relative = root.relativize(file).toString();
            for (JavaLiterals.Literal l : JavaLiterals.of(Files.readString(file))) {
              String name = bench ? bareName(l) : envelopeName(l);
              if (name != null && !OTHER_MEANINGS.getOrDefault(relative, Set.of()).contains(name)) {
                found.add(relative + ":" + l.line() + " names \"" + name + "\"");
              }
            }
          }
        }
      }
    }
    assertThat(found).as("envelope field names outside tributary-event; use dev.tributary.event.Envelope's constants").isEmpty();
  }

  @Test
  void theScanFindsNamesInLiteralsJsonTextAndTextBlocksButNotInComments() {
    String source = """
        class X {
          // "event_id" in a comment
          /* "app" in a block comment */
          String a = "event_id";
          String b = "{\\"received_at\\":1}";
          String c = \"""
              {"distinct_id": 1}
              \""";
          char d = '"';
          String e = "events";
        }
        """;
    List<String> hits = JavaLiterals.of(source).stream().filter(l -> envelopeName(l) != null)
        .map(l -> l.line() + ":" + envelopeName(l)).toList();
    assertThat(hits).containsExactly("4:event_id", "5:received_at", "6:distinct_id");
  }

  /** The envelope field a literal is, whole; else null. */
  private static String bareName(JavaLiterals.Literal literal) {
    return names().contains(literal.text()) ? literal.text() : null;
  }

  /** The envelope field a literal names: all of it, or quoted inside it (JSON written as text); else null. */
  private static String envelopeName(JavaLiterals.Literal literal) {
    for (String name : names()) {
      if (literal.text().equals(name) || literal.text().contains("\\\"" + name + "\\\"")
          || literal.textBlock() && literal.text().contains("\"" + name + "\"")) {
        return name;
      }
    }
    return null;
  }

  private static List<String> names() {
    List<String> names = new ArrayList<>();
    for (Field f : Envelope.class.getFields()) {
      if (f.getType() == String.class && Modifier.isStatic(f.getModifiers())) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return names;
  }
}
