package dev.tributary.bus;

/** The limits on a write's body: messages end in {@code \n}, at most 1 MiB each, at most 4 MiB in all. */
public final class Messages {
  public static final int MAX_MESSAGE_BYTES = 1 << 20;
  public static final int MAX_BODY_BYTES = 4 << 20;

  private Messages() {}

  /** Throws a 400 or 413 {@link BusException} saying what is wrong with the first {@code length} bytes of {@code body}. */
  public static void check(byte[] body, int length) {
    if (length > MAX_BODY_BYTES) {
      throw new BusException(413, "body of " + length + " bytes is larger than the maximum of " + MAX_BODY_BYTES + " bytes");
    }
    if (length == 0) throw BusException.badRequest("empty body: send one or more messages, each ending in \\n");
    if (body[length - 1] != '\n') {
      throw BusException.badRequest("the body does not end in \\n: every message, the last one too, must end in \\n");
    }
    if (length <= MAX_MESSAGE_BYTES) return; // no message can be longer than the body
    int start = 0;
    for (int i = 0; i < length; i++) {
      if (body[i] != '\n') continue;
      if (i + 1 - start > MAX_MESSAGE_BYTES) {
        throw new BusException(413, "message at byte " + start + " is " + (i + 1 - start) + " bytes, more than the maximum of "
            + MAX_MESSAGE_BYTES + " bytes");
      }
      start = i + 1;
    }
  }
}
