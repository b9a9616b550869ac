package dev.tributary.http;

/** A TLS certificate or key file cannot be used; the message names the file and what is wrong with it. */
public final class TlsFileException extends Exception {

  TlsFileException(String message) {
    super(message);
  }
}
