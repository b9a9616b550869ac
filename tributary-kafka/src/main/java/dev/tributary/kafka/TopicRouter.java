package dev.tributary.kafka;

import dev.tributary.event.Envelope;

/**
 * Chooses the Kafka topic of an event: one fixed topic, or a template where {@code {event}} stands
 * for the event type. Kafka accepts topic names of 1 to 249 characters from {@code A-Z a-z 0-9 . _ -},
 * other than {@code .} and {@code ..}; every other character of an event type becomes {@code _}.
 */
final class TopicRouter {
  static final String PLACEHOLDER = "{event}";
  static final int MAX_LENGTH = 249;

  private final String template;
  private final boolean perEvent;

  TopicRouter(String template) {
    this.template = template;
    this.perEvent = template.contains(PLACEHOLDER);
    String sample = template.replace(PLACEHOLDER, "x");
    if (template.isEmpty() || !sanitise(sample).equals(sample)) {
      throw new IllegalArgumentException("invalid topic '" + template + "': use 1-" + MAX_LENGTH
          + " of A-Z a-z 0-9 . _ - (and " + PLACEHOLDER + " for the event type), not '.' or '..'");
    }
  }

  boolean perEvent() {
    return perEvent;
  }

  /** The topic for an event of type {@code event} (may be null when the template does not use it). */
  String topicFor(String event) {
    if (!perEvent) return template;
    if (event == null) throw new IllegalArgumentException("the event has no '" + Envelope.EVENT + "' field (a non-empty string) to route it by");
    return sanitise(template.replace(PLACEHOLDER, event));
  }

  static String sanitise(String name) {
    StringBuilder out = new StringBuilder(Math.min(name.length(), MAX_LENGTH));
    for (int i = 0; i < name.length() && out.length() < MAX_LENGTH; i++) {
      char c = name.charAt(i);
      boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      out.append(legal ? c : '_');
    }
    String s = out.toString();
    if (s.isEmpty()) return "_";
    return s.equals(".") || s.equals("..") ? s.replace('.', '_') : s;
  }
}
