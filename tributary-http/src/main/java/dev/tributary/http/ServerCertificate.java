package dev.tributary.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate an HTTPS listener presents (HTTP/2 and HTTP/1.1 offered by ALPN), read from a
 * PEM certificate chain file and a PEM private key file, and swapped in when the files change on
 * disk, as cert-manager and the kubelet rotate them (they replace a {@code ..data} symlink, so the
 * files are polled by content rather than watched). Connections already open keep the certificate
 * they started with; new ones get the new one; the listener never closes.
 *
 * <p>A changed pair that cannot be used (unreadable, not PEM, expired, a key of another
 * certificate) leaves the current certificate in place, with one WARN saying why. A pair is judged
 * only when it reads the same on two polls in a row, since a rotation that writes the certificate
 * and then the key shows a mismatched pair in between.
 */
public final class ServerCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(ServerCertificate.class);
  private static final long UPDATE_SECONDS = 30;

  private final Path certFile;
  private final Path keyFile;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private volatile PemPair current;
  private ServerSSLOptions sslOptions;
  /** What the last poll found unusable (its content and why); reported once the next poll finds the same. */
  private String unusable;
  private boolean reported;

  private ServerCertificate(Path certFile, Path keyFile, PemPair current) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.current = current;
  }

  /** Reads and checks the pair; the message of the exception names the file and what is wrong with it. */
  public static ServerCertificate read(Path certFile, Path keyFile) throws TlsFileException {
    return new ServerCertificate(certFile, keyFile, PemPair.read(certFile, keyFile));
  }

  /** Makes {@code options} those of an HTTPS listener with the current certificate; call before creating each server. */
  public synchronized HttpServerOptions secure(HttpServerOptions options) {
    options.setSsl(true).setUseAlpn(true).setKeyCertOptions(current.keyCert());
    sslOptions = options.getSslOptions().copy();
    return options;
  }

  /** A server listening with options from {@link #secure}: it gets the certificates read from now on. */
  public void serving(HttpServer server) {
    servers.add(server);
  }

  /** Polls the files every {@code interval} for as long as {@code vertx} runs, on a worker thread. */
  public void watch(Vertx vertx, Duration interval) {
    vertx.setPeriodic(interval.toMillis(), id -> vertx.executeBlocking(() -> {
      reload();
      return null;
    }));
  }

  /** Subject, serial and expiry of the certificate new connections get. */
  public String describe() {
    return current.describe();
  }

  /** One poll: a changed, usable pair goes to every server; a changed, unusable one is reported. Runs on one thread at a time. */
  synchronized void reload() {
    byte[] cert = null;
    byte[] key = null;
    try {
      cert = PemPair.readFile(certFile, "certificate");
      key = PemPair.readFile(keyFile, "key");
      if (current.sameAs(cert, key)) {
        unusable = null;
        return;
      }
      PemPair next = PemPair.check(certFile, cert, keyFile, key);
      update(next);
      current = next;
      unusable = null;
      LOG.info("TLS certificate reloaded from {} and {}: new connections get {}", certFile, keyFile, next.describe());
    } catch (TlsFileException e) {
      String seen = Arrays.hashCode(cert) + "/" + Arrays.hashCode(key) + ": " + e.getMessage();
      if (!seen.equals(unusable)) {
        unusable = seen;
        reported = false;
      } else if (!reported) {
        reported = true;
        LOG.warn("TLS certificate files changed but cannot be used, still serving the previous certificate ({}): {}", current.describe(),
            e.getMessage());
      }
    }
  }

  private void update(PemPair next) throws TlsFileException {
    ServerSSLOptions options = Objects.requireNonNull(sslOptions, "secure() was not called").copy().setKeyCertOptions(next.keyCert());
    try {
      for (HttpServer server : servers) {
        Future<Boolean> updated = server.updateSSLOptions(options);
        updated.toCompletionStage().toCompletableFuture().get(UPDATE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TlsFileException("interrupted while swapping in the certificate of " + certFile);
    } catch (Exception e) {
      throw new TlsFileException("the server refused the certificate of " + certFile + " and " + keyFile + ": " + e.getMessage());
    }
  }
}
