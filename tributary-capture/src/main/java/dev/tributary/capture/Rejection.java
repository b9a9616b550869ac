package dev.tributary.capture;

import java.util.Map;

/**
 * Why a request is refused: the HTTP status, a message saying what is wrong, and where (extra
 * fields of the JSON error body, such as {@code line} and {@code column}).
 */
final class Rejection extends Exception {

  final int status;
  /** What is wrong without where it is (no "event 3:" or "line 2" prefix), for a caller that says where itself. */
  final String reason;
  final Map<String, Object> details;
  /** Seconds for a {@code Retry-After} header, or 0 for none. */
  final long retryAfterSeconds;

  Rejection(int status, String message) {
    this(status, message, Map.of());
  }

  Rejection(int status, String message, Map<String, Object> details) {
    this(status, message, details, 0);
  }

  Rejection(int status, String message, Map<String, Object> details, long retryAfterSeconds) {
    this(status, message, message, details, retryAfterSeconds);
  }

  Rejection(int status, String message, String reason, Map<String, Object> details, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.reason = reason;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
