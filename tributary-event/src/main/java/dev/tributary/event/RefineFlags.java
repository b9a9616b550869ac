package dev.tributary.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The flags refine sets on a Kafka record as headers of value {@code true}, which the lake
 * stores as top-level fields of the same name, {@code "<name>":true}, so that they survive the
 * trip from Kafka into the files. Today one: {@link Envelope#LATE}.
 */
public final class RefineFlags {
  /** Every flag refine sets, by header (and field) name. */
  public static final List<String> NAMES = List.of(Envelope.LATE);
  /** A flag's header value. */
  public static final String TRUE = "true";

  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] COLON_TRUE = (":" + TRUE).getBytes(StandardCharsets.UTF_8);

  private RefineFlags() {}

  /**
   * {@code event} with {@code "<name>":true} as its last field; any top-level field of that name
   * it had is removed, so the flag is the only one (a JSON reader never sees a key twice). The
   * other fields keep their bytes; whitespace between fields is dropped. Throws
   * {@link IllegalArgumentException} when {@code event} is not one JSON object.
   */
  public static byte[] set(byte[] event, String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(event.length + name.length() + 8);
    out.write('{');
    try (JsonParser p = JSON.createParser(event)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object");
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        int start = (int) p.currentTokenLocation().getByteOffset();
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value.isStructStart()) p.skipChildren();
        else if (value == JsonToken.VALUE_STRING) p.getText(); // reads the string to its end
        int end = (int) p.currentLocation().getByteOffset();
        if (field.equals(name)) continue;
        out.write(event, start, end - start);
        out.write(',');
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) throw new IllegalArgumentException("not one JSON object");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable event: " + e.getMessage(), e);
    }
    out.write('"');
    out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
    out.write('"');
    out.writeBytes(COLON_TRUE);
    out.write('}');
    return out.toByteArray();
  }
}
