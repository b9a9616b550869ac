package dev.tributary.capture;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
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
 * 408: the clock is the connection's, shared by its streams, and the stalled request may not even
 * have a complete header block, so there may be no stream Vert.x could answer on; the GOAWAY tells
 * the client which streams were not processed, so it can retry them on a new connection.
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
    if (answered) {
      context.close();
      return;
    }
    onExpiry.run();
    if (http2 != null) {
      http2.close();
      return;
    }
    // Written below Vert.x's HTTP codec: the request may not even have complete headers yet.
    byte[] body = ("{\"error\":\"the request was not received within " + timeoutMillis + " ms\"}").getBytes(StandardCharsets.UTF_8);
    byte[] head = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    context.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
  }
}
