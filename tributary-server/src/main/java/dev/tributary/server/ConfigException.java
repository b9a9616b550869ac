package dev.tributary.server;

/** A configuration value is wrong; the message names the key, where the value came from, and what is accepted. */
final class ConfigException extends Exception {
  ConfigException(String message) {
    super(message);
  }
}
