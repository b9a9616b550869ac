package dev.tributary.bus;

/**
 * A request the bus refuses, with the HTTP status that says why: 400 bad parameter or name,
 * 404 no such chunk, 409 a chunk state that forbids it, 413 past a size limit.
 */
public final class BusException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public BusException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  static BusException badRequest(String message) {
    return new BusException(400, message);
  }

  static BusException notFound(String message) {
    return new BusException(404, message);
  }

  static BusException conflict(String message) {
    return new BusException(409, message);
  }
}
