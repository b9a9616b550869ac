package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/**
 * Coverage-guided fuzzing of the PostHog and Segment bodies: their decoders (form {@code data=},
 * base64, LZ-string, gzip) and the mapping of the decoded messages into events (scripts/fuzz runs
 * them for a set time; the suite replays the inputs under ProtocolBodyFuzzTestInputs). Where a
 * test takes choices, they are the last bytes of the input and the body the bytes before.
 */
class ProtocolBodyFuzzTest {

  private static final int MAX_BODY_BYTES = 4096;
  private static final int MAX_EVENT_BYTES = 1024;
  private static final String RECEIVED_AT = "2026-11-23T15:04:05.123Z";
  private static final String[] CONTENT_TYPES = {"application/json", "text/plain", "application/x-www-form-urlencoded", null};
  private static final String[] COMPRESSIONS = {null, "gzip-js", "lz64", "base64", "none", "brotli"};

  private final PostHogProtocol postHog = new PostHogProtocol(null, MAX_EVENT_BYTES, MAX_BODY_BYTES, new UuidV7());
  private final SegmentProtocol segment = new SegmentProtocol(null, MAX_EVENT_BYTES, MAX_BODY_BYTES, new UuidV7());

  /**
   * For any PostHog body, content type and {@code compression}: decoding, reading and mapping it
   * either refuse it with a {@link Rejection} and nothing else, or give events; the decoded body
   * never exceeds the request limit, whatever it unfolds from (lz64 and gzip included), and no
   * event exceeds the per-event limit.
   */
  @FuzzTest
  void postHogBodiesDecodeWithinTheLimitOrAreRefused(FuzzedDataProvider data) {
    String contentType = CONTENT_TYPES[data.consumeInt(0, CONTENT_TYPES.length - 1)];
    String compression = COMPRESSIONS[data.consumeInt(0, COMPRESSIONS.length - 1)];
    boolean engage = data.consumeBoolean();
    byte[] all = data.consumeRemainingAsBytes();
    byte[] body = Arrays.copyOf(all, Math.min(all.length, MAX_BODY_BYTES)); // the raw body's limit holds before decoding
    try {
      RequestBody.Bytes json = PostHogBody.decode(body, body.length, contentType, compression, MAX_BODY_BYTES);
      assertThat(json.length()).isLessThanOrEqualTo(MAX_BODY_BYTES);
      Protocol.Parsed parsed = postHog.events(JsonMessages.read(json.bytes(), json.length()), engage, null, RECEIVED_AT, "10.0.0.1");
      assertThat(parsed.events()).isNotEmpty().allSatisfy(e -> assertThat(e.length).isLessThanOrEqualTo(MAX_EVENT_BYTES));
    } catch (Rejection r) {
      assertThat(r.getMessage()).isNotBlank();
    }
  }

  /**
   * For any Segment body, on {@code /v1/batch} or a single call: reading and mapping it either
   * refuse it with a {@link Rejection} and nothing else, or give one event a message, none over
   * the per-event limit.
   */
  @FuzzTest
  void segmentBodiesMapOrAreRefused(FuzzedDataProvider data) {
    String callType = data.pickValue(new String[] {"batch", "track", "identify", "page", "screen", "group", "alias"});
    byte[] body = data.consumeRemainingAsBytes();
    try {
      JsonMessages.Body read = JsonMessages.read(body, body.length);
      Protocol.Parsed parsed = segment.messages(read, callType.equals("batch") ? null : callType, null, RECEIVED_AT, "10.0.0.1");
      assertThat(parsed.events()).hasSize(read.messages().size())
          .allSatisfy(e -> assertThat(e.length).isLessThanOrEqualTo(MAX_EVENT_BYTES));
    } catch (Rejection r) {
      assertThat(r.getMessage()).isNotBlank();
    }
  }

  /**
   * decode(encode(x)) = x for the encodings PostHog's SDKs write that we can write too: a JSON
   * text sent raw, as base64, as base64 of gzip, and in a form's {@code data} field.
   */
  @FuzzTest
  void encodedJsonDecodesToItself(FuzzedDataProvider data) throws Exception {
    int how = data.consumeInt(0, 3);
    String text = "{\"event\":" + data.consumeRemainingAsString() + "}";
    byte[] json = text.getBytes(StandardCharsets.UTF_8);
    String sent = switch (how) {
      case 0 -> text;
      case 1 -> Base64.getEncoder().encodeToString(json);
      case 2 -> Base64.getEncoder().encodeToString(gzip(json));
      default -> "data=" + URLEncoder.encode(Base64.getEncoder().encodeToString(json), StandardCharsets.UTF_8);
    };
    byte[] body = sent.getBytes(StandardCharsets.UTF_8);
    String contentType = how == 3 ? "application/x-www-form-urlencoded" : "text/plain";
    RequestBody.Bytes decoded = PostHogBody.decode(body, body.length, contentType, how == 1 ? "base64" : null, 1 << 20);
    assertThat(Arrays.copyOf(decoded.bytes(), decoded.length())).isEqualTo(json);
  }

  /** For any text, LZ-string decompression refuses it with its own error or stays within its cap. */
  @FuzzTest
  void lzStringStaysWithinItsCap(FuzzedDataProvider data) {
    int cap = data.consumeInt(0, 2048);
    String text = data.consumeRemainingAsString();
    try {
      assertThat(LzString.decompressFromBase64(text, cap).length()).isLessThanOrEqualTo(cap);
    } catch (LzString.InvalidInput e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  private static byte[] gzip(byte[] bytes) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }
}
