package dev.tributary.http;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Answers an HTTP/1.1 or HTTP/2 request refused before its whole body was read so that a client still
 * sending the body reads the answer.
 *
 * <p>Closing a connection while the client is still sending loses the answer: the kernel answers
 * the unread or still arriving bytes with a reset, the client's next write fails, and clients
 * such as Java's HttpClient then report that failure or an empty read ("header parser received no
 * bytes") instead of the answer waiting in their socket. So, as production servers do, the rest of
 * the body is read and dropped: a rest of known length within {@code keptBytes} keeps the
 * connection for the next request; a longer one, one of unknown length (chunked) or one the client
 * waits to be invited to send ({@code Expect: 100-continue}) gets {@code Connection: close} on the
 * answer, the server half-closes once the answer is written (so a client waiting for the answer
 * sees its end), keeps dropping what comes, and closes when the body ends or the client closes.
 * Bounded: past {@value #LINGER_FACTOR} times {@code keptBytes} dropped, or {@code linger} after
 * the refusal, the connection is closed whatever comes.
 */
public final class RefusedBody {

  /** How many {@code keptBytes} are dropped at most on a connection that closes. */
  static final int LINGER_FACTOR = 16;
  /** The HTTP/2 error code NO_ERROR. */
  private static final long NO_ERROR = 0;

  private final HttpServerRequest request;
  private final long maxDropped;
  private long dropped;

  private RefusedBody(HttpServerRequest request, long maxDropped) {
    this.request = request;
    this.maxDropped = maxDropped;
  }

  /**
   * Writes the answer of a refused request with {@code answer}, and takes over the rest of its
   * body: from now on its chunks are dropped, and {@code bodyEnded} runs once the body has ended.
   * Call it before anything of the answer is written, on the request's event loop.
   */
  public static void answer(HttpServerRequest request, long keptBytes, Duration linger, Runnable bodyEnded,
                            Supplier<Future<Void>> answer) {
    if (request.isEnded()) {
      answer.get();
      return;
    }
    if (request.version() == HttpVersion.HTTP_2) {
      answerStream(request, bodyEnded, answer);
      return;
    }
    long declared = contentLength(request);
    boolean keep = declared >= 0 && declared <= keptBytes && !"100-continue".equalsIgnoreCase(request.getHeader("Expect"));
    RefusedBody body = new RefusedBody(request, keep ? keptBytes : LINGER_FACTOR * keptBytes);
    Channel channel = ((ConnectionBase) request.connection()).channel();
    ScheduledFuture<?> deadline = channel.eventLoop().schedule(body::close, linger.toMillis(), TimeUnit.MILLISECONDS);
    request.handler(chunk -> body.drop(chunk.length()));
    request.endHandler(v -> {
      deadline.cancel(false);
      bodyEnded.run();
      if (!keep) body.close();
    });
    if (keep) {
      answer.get();
      return;
    }
    request.response().putHeader("Connection", "close");
    answer.get().onSuccess(v -> {
      if (channel instanceof DuplexChannel duplex && channel.isActive()) duplex.shutdownOutput();
    });
  }

  /**
   * HTTP/2 (HTTPS with ALPN) ends just the request's stream and keeps the connection, which other
   * requests share: the answer, then a reset with NO_ERROR, which RFC 9113 (8.1) defines as
   * "stop sending, the answer is complete". A {@code Connection} header would be a protocol error there.
   */
  private static void answerStream(HttpServerRequest request, Runnable bodyEnded, Supplier<Future<Void>> answer) {
    request.handler(chunk -> { });
    request.endHandler(v -> bodyEnded.run());
    answer.get().onComplete(done -> {
      if (!request.isEnded()) {
        request.response().reset(NO_ERROR);
        bodyEnded.run();
      }
    });
  }

  private void drop(int bytes) {
    dropped += bytes;
    if (dropped > maxDropped) close();
  }

  private void close() {
    request.connection().close();
  }

  private static long contentLength(HttpServerRequest request) {
    String header = request.getHeader("Content-Length");
    if (header == null || request.getHeader("Transfer-Encoding") != null) return -1;
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
