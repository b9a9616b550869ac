package dev.tributary.capture;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request, headers and body, does not arrive within the request
 * timeout, so slow clients (slowloris) cannot hold connections: the clock starts at the first byte
 * of a request and stops once capture has read its body. The idle timeout alone would not do,
 * since one byte every few seconds keeps a connection from ever being idle.
 *
 * <p>Sits below Vert.x's HTTP codec in the connection's Netty pipeline, because Vert.x shows a
 * request only once its headers are complete: first in plain HTTP, right after the TLS handler
 * over HTTPS, so that it times decrypted bytes and its 408 is encrypted. Vert.x calls the
 * connection handler only after the TLS handshake and ALPN, so the TLS handler is in place then.
 *
 * <p>Over HTTP/2 (ALPN {@code h2}) expiry closes the connection with a GOAWAY instead of answering
 * 408, and only when a stream's request is still arriving then: the clock is the connection's,
 * shared by its streams, so answering one stream would leave the others as slow as they were, and
 * the connection is what a slow client holds. A header block trickled in before its stream opens
 * is left to the idle timeout and to Netty's header size limits.
 *
 * <p>All methods run on the connection's event loop.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {

  private final long timeoutMillis;
  private final Runnable onExpiry;
  private final HttpConnection http2;
  private ChannelHandlerContext context;
  private ScheduledFuture<?> timer;
  private boolean answered;

  /** {@code http2}: the HTTP/2 connection to close on expiry, or null over HTTP/1.x. */
  private RequestDeadline(long timeoutMillis, Runnable onExpiry, HttpConnection http2) {
    this.timeoutMillis = timeoutMillis;
    this.onExpiry = onExpiry;
    this.http2 = http2;
  }

  /** Adds a deadline to the connection; Vert.x's HTTP connections are {@link ConnectionBase}s. */
  static void install(HttpConnection connection, long timeoutMillis, Runnable onExpiry) {
    if (!(connection instanceof ConnectionBase base)) return;
    HttpConnection http2 = connection.protocolVersion() == HttpVersion.HTTP_2 ? connection : null;
    RequestDeadline deadline = new RequestDeadline(timeoutMillis, onExpiry, http2);
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandlerContext tls = pipeline.context(SslHandler.class);
    if (tls == null) {
      pipeline.addFirst(deadline);
    } else {
      pipeline.addAfter(tls.name(), null, deadline);
    }
  }

  /** The connection's deadline, or a no-op one when none is installed. */
  static RequestDeadline of(HttpConnection connection) {
    RequestDeadline deadline = connection instanceof ConnectionBase base
        ? base.channel().pipeline().get(RequestDeadline.class) : null;
    return deadline == null ? new RequestDeadline(0, () -> { }, null) : deadline;
  }

  /** The request's body has been read: stop the clock. */
  void bodyRead() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** A response to the request is on its way, so expiry just closes the connection. */
  void answered() {
    answered = true;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (timer == null) {
      answered = false;
      timer = ctx.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    bodyRead();
    ctx.fireChannelInactive();
  }

  private void expire() {
    timer = null;
    if (http2 != null) {
      expireHttp2();
      return;
    }
    if (answered) {
      context.close();
      return;
    }
    onExpiry.run();
    // Written below Vert.x's HTTP codec: the request may not even have complete headers yet.
    byte[] body = ("{\"error\":\"the request was not received within " + timeoutMillis + " ms\"}").getBytes(StandardCharsets.UTF_8);
    byte[] head = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    context.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Clients send frames between requests too (SETTINGS acknowledgements, WINDOW_UPDATE, PING), and
   * those start the clock: only a stream whose request is still arriving makes the expiry a timeout.
   */
  private void expireHttp2() {
    Http2ConnectionHandler frames = context.pipeline().get(Http2ConnectionHandler.class);
    if (frames == null || !receiving(frames.connection())) return;
    onExpiry.run();
    http2.close();
  }

  private static boolean receiving(Http2Connection connection) {
    try {
      return connection.forEachActiveStream(stream -> !stream.state().remoteSideOpen()) != null;
    } catch (Http2Exception e) {
      throw new IllegalStateException("only the visitor could throw, and it does not", e);
    }
  }
}
