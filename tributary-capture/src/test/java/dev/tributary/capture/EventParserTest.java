package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Events come out as they went in, plus capture's fields, for any JSON a client may send. */
class EventParserTest {

  private static final ObjectMapper EXACT = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();

  @Test
  void randomEventsKeepEveryFieldValueAndOrder() throws Exception {
    long seed = Long.getLong("capture.seed", System.nanoTime());
    System.out.println("EventParserTest seed " + seed + " (replay with -Dcapture.seed=" + seed + ")");
    Random random = new Random(seed);
    EventParser parser = new EventParser(1 << 20, new UuidV7());

    for (int round = 0; round < 200; round++) {
      List<ObjectNode> sent = new ArrayList<>();
      int events = 1 + random.nextInt(5);
      for (int i = 0; i < events; i++) sent.add(randomEvent(random));
      boolean ndjson = random.nextBoolean();
      boolean pretty = !ndjson && random.nextBoolean(); // whitespace between tokens, line breaks among them
      StringBuilder body = new StringBuilder(ndjson ? "" : "[");
      for (int i = 0; i < events; i++) {
        if (i > 0) body.append(ndjson ? "\n" : ",");
        body.append(pretty ? EXACT.writerWithDefaultPrettyPrinter().writeValueAsString(sent.get(i)) : EXACT.writeValueAsString(sent.get(i)));
      }
      if (!ndjson) body.append("]");
      byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);

      List<byte[]> stored = parser.parse(bytes, bytes.length, ndjson ? EventParser.Format.NDJSON : EventParser.Format.JSON,
          "2026-11-23T15:04:05.123Z", "web", null);

      assertThat(stored).as("seed %d round %d", seed, round).hasSize(events);
      for (int i = 0; i < events; i++) {
        assertThat(stored.get(i)).as("seed %d round %d event %d: one line, as the lake's NDJSON needs", seed, round, i)
            .doesNotContain((byte) '\n', (byte) '\r');
        ObjectNode out = (ObjectNode) EXACT.readTree(stored.get(i));
        assertThat(out.get("received_at").asText()).isEqualTo("2026-11-23T15:04:05.123Z");
        assertThat(out.get("app").asText()).isEqualTo("web");
        String id = out.get("event_id").asText();
        ObjectNode expected = (ObjectNode) EXACT.readTree(EXACT.writeValueAsString(sent.get(i))); // same number node types
        if (!expected.has("event_id")) out.remove("event_id");
        out.remove(List.of("received_at", "app"));
        assertThat(out).as("seed %d round %d event %d", seed, round, i).isEqualTo(expected);
        assertThat(names(out)).isEqualTo(names(expected));
        assertThat(id).isNotEmpty();
      }
    }
  }

  @Test
  void fieldsAreStoredAsSentButForWhitespaceBetweenTokens() throws Exception {
    String sent = "{ \"event\" : \"caf\\u00e9\",\n  \"n\": 1.50E+2, \"props\": { \"a b\" : [ 1 , \"x  y\" ] } ,\"app\":\"spoofed\" }";
    byte[] body = sent.getBytes(StandardCharsets.UTF_8);

    List<byte[]> stored = new EventParser(1 << 20, new UuidV7()).parse(body, body.length, EventParser.Format.JSON,
        "2026-11-23T15:04:05.123Z", "web", "10.0.0.1");

    assertThat(new String(stored.getFirst(), StandardCharsets.UTF_8))
        .startsWith("{\"event\":\"caf\\u00e9\",\"n\":1.50E+2,\"props\":{\"a b\":[1,\"x  y\"]},"
            + "\"received_at\":\"2026-11-23T15:04:05.123Z\",\"app\":\"web\",\"ip\":\"10.0.0.1\",\"event_id\":\"")
        .endsWith("\"}");
  }

  @Test
  void textThatIsNotWellFormedUtf8IsRefusedThoughItIsCopiedUndecoded() {
    EventParser parser = new EventParser(1 << 20, new UuidV7());
    for (byte[] bad : List.of(new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
      byte[] body = new byte[13 + bad.length];
      byte[] head = "{\"event\":\"a".getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(head, 0, body, 0, head.length);
      System.arraycopy(bad, 0, body, head.length, bad.length);
      body[head.length + bad.length] = '"';
      body[head.length + bad.length + 1] = '}';
      byte[] exact = java.util.Arrays.copyOf(body, head.length + bad.length + 2);

      assertThatThrownBy(() -> parser.parse(exact, exact.length, EventParser.Format.JSON, "2026-11-23T15:04:05.123Z", "web", null))
          .isInstanceOfSatisfying(Rejection.class, r -> {
            assertThat(r.status).isEqualTo(400);
            assertThat(r.getMessage()).contains("Invalid UTF-8"); // Jackson checks the strings it skips too
          });
    }
  }

  private static ObjectNode randomEvent(Random random) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    int before = random.nextInt(3);
    for (int i = 0; i < before; i++) event.set("f" + i + randomString(random, 3), randomValue(random, 2));
    event.put("event", "type-" + randomString(random, 1 + random.nextInt(8)));
    if (random.nextBoolean()) event.put("event_id", "id-" + random.nextLong());
    int after = random.nextInt(4);
    for (int i = 0; i < after; i++) event.set("g" + i + randomString(random, 3), randomValue(random, 3));
    return event;
  }

  private static JsonNode randomValue(Random random, int depth) {
    JsonNodeFactory f = JsonNodeFactory.withExactBigDecimals(true);
    return switch (random.nextInt(depth > 0 ? 9 : 7)) {
      case 0 -> f.textNode(randomString(random, random.nextInt(12)));
      case 1 -> f.numberNode(random.nextLong());
      case 2 -> f.numberNode(new BigInteger(100, random));
      case 3 -> f.numberNode(new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(40) - 20));
      case 4 -> f.booleanNode(random.nextBoolean());
      case 5 -> f.nullNode();
      case 6 -> f.numberNode(random.nextInt());
      case 7 -> {
        ArrayNode array = f.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) array.add(randomValue(random, depth - 1));
        yield array;
      }
      default -> {
        ObjectNode object = f.objectNode();
        for (int i = random.nextInt(4); i > 0; i--) object.set("k" + i + randomString(random, 2), randomValue(random, depth - 1));
        yield object;
      }
    };
  }

  /** Letters, escapes, control characters, non-ASCII and surrogate pairs. */
  private static String randomString(Random random, int length) {
    String[] pieces = {"a", "Z", "\"", "\\", "/", "\n", "\t", "\u0001", "é", "日本", "😀", " ", "event", "app"};
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) s.append(pieces[random.nextInt(pieces.length)]);
    return s.toString();
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
    return names;
  }
}
