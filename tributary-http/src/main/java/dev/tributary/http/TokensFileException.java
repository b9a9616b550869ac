package dev.tributary.http;

/** The tokens file cannot be used; the message names the file, the key and what is wrong with it. */
public final class TokensFileException extends Exception {

  TokensFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
