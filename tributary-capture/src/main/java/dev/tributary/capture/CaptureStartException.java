package dev.tributary.capture;

/** Capture cannot start: the address is taken, the tokens file is wrong, or auth is off on a public address. */
public final class CaptureStartException extends Exception {

  public CaptureStartException(String message) {
    super(message);
  }

  public CaptureStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
