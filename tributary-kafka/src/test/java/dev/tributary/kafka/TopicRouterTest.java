package dev.tributary.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.Test;

class TopicRouterTest {

  @Test
  void oneTopicForEveryEvent() {
    TopicRouter r = new TopicRouter("events");
    assertThat(r.topicFor("signup")).isEqualTo("events");
    assertThat(r.topicFor(null)).isEqualTo("events");
  }

  @Test
  void templateRoutesByEventTypeAndSanitises() {
    TopicRouter r = new TopicRouter("events.{event}");
    assertThat(r.topicFor("signup")).isEqualTo("events.signup");
    assertThat(r.topicFor("Page View/été")).isEqualTo("events.Page_View__t_");
    assertThat(r.topicFor("")).isEqualTo("events.");
    assertThat(r.topicFor("x".repeat(400))).hasSize(249);
    assertThatThrownBy(() -> r.topicFor(null)).hasMessageContaining("no 'event' field");
  }

  @Test
  void everySanitisedNameIsValidForKafka() {
    for (String event : new String[] {".", "..", "", "a b", "ünï", "x".repeat(300), "ok-name_1.2"}) {
      String topic = TopicRouter.sanitise(event);
      Topic.validate(topic);
      assertThat(topic).isNotIn(".", "..");
    }
    assertThat(new TopicRouter("{event}").topicFor("..")).isEqualTo("__");
  }

  @Test
  void invalidTemplatesAreRefusedWithAClearMessage() {
    assertThatThrownBy(() -> new TopicRouter("events/{event}")).hasMessageContaining("invalid topic 'events/{event}'");
    assertThatThrownBy(() -> new TopicRouter("")).hasMessageContaining("invalid topic");
    assertThatThrownBy(() -> new TopicRouter("..")).hasMessageContaining("invalid topic");
  }

  @Test
  void recordIsKeyedByDistinctIdElseEventIdWithHeaders() {
    TopicRouter r = new TopicRouter("events.{event}");
    ProducerRecord<byte[], byte[]> withUser = OutgoingRecord.of(7, json(
        "{\"event\":\"buy\",\"event_id\":\"e1\",\"received_at\":\"2026-11-23T15:00:00.000Z\",\"app\":\"shop\",\"distinct_id\":\"u9\",\"props\":{\"event\":\"nested\"}}"), r, "node-a");
    assertThat(withUser.topic()).isEqualTo("events.buy");
    assertThat(text(withUser.key())).isEqualTo("u9");
    assertThat(text(withUser.headers().lastHeader("event_id").value())).isEqualTo("e1");
    assertThat(text(withUser.headers().lastHeader("received_at").value())).isEqualTo("2026-11-23T15:00:00.000Z");
    assertThat(text(withUser.headers().lastHeader("capture_node").value())).isEqualTo("node-a");
    assertThat(text(withUser.headers().lastHeader("spool_offset").value())).isEqualTo("7");

    ProducerRecord<byte[], byte[]> anonymous = OutgoingRecord.of(8, json("{\"event\":\"view\",\"event_id\":\"e2\",\"distinct_id\":null}"), r, "n");
    assertThat(text(anonymous.key())).isEqualTo("e2");
    assertThat(anonymous.headers().lastHeader("received_at")).isNull();

    // an event_id that breaks the rule (capture never stores one) is no id: neither key nor header
    for (String badId : new String[] {"42", "\"\"", "\"" + "x".repeat(129) + "\""}) {
      ProducerRecord<byte[], byte[]> noId = OutgoingRecord.of(9, json("{\"event\":\"view\",\"event_id\":" + badId + "}"), r, "n");
      assertThat(noId.key()).as(badId).isNull();
      assertThat(noId.headers().lastHeader("event_id")).as(badId).isNull();
    }
  }

  @Test
  void payloadsThatAreNotJsonObjectsCannotBeRouted() {
    TopicRouter r = new TopicRouter("events");
    assertThatThrownBy(() -> OutgoingRecord.of(1, json("[1,2]"), r, "n")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> OutgoingRecord.of(1, json("{\"event\":"), r, "n")).hasMessageContaining("malformed JSON at column 10");
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
