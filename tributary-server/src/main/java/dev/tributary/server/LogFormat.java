package dev.tributary.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every command writes its log lines to stderr: {@code text} (logback.xml's pattern, an
 * ISO-8601 time with its zone) or {@code json}, one object per line from Logback's
 * {@link JsonEncoder} for collectors that parse rather than grep. Chosen by {@code --log-format},
 * else {@code TRIBUTARY_LOG_FORMAT}, before the command logs anything.
 */
enum LogFormat {
  TEXT,
  JSON;

  static final String VARIABLE = "TRIBUTARY_LOG_FORMAT";
  /** The appender of logback.xml whose encoder {@link #JSON} replaces. */
  private static final String APPENDER = "STDERR";

  /** The format named by {@code name} (any case); the message names {@code source} and the choices. */
  static LogFormat parse(String name, String source) throws ConfigException {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": unknown log format '" + name + "'; use text or json");
    }
  }

  /** The format of {@code flag} if given, else of {@link #VARIABLE} in {@code env}, else text. */
  static LogFormat chosen(String flag, java.util.Map<String, String> env) throws ConfigException {
    if (flag != null) return parse(flag, "--log-format");
    String variable = env.get(VARIABLE);
    return variable == null || variable.isBlank() ? TEXT : parse(variable, VARIABLE);
  }

  void apply() {
    if (this == TEXT) return;
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (!(root.getAppender(APPENDER) instanceof ConsoleAppender<ILoggingEvent> stderr)) {
      throw new IllegalStateException("logback.xml has no console appender named " + APPENDER);
    }
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    // The message as a reader sees it; the template, its arguments and logback's own context are noise in a collector.
    encoder.setWithFormattedMessage(true);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithContext(false);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.start();
    stderr.stop();
    stderr.setEncoder(encoder);
    stderr.start();
  }
}
