package dev.tributary.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test certificate authority made with openssl, and server certificates it signs for 127.0.0.1
 * and localhost, laid out as the kubelet mounts a cert-manager secret: {@code tls.crt} and
 * {@code tls.key} are symlinks into {@code ..data}, itself a symlink to a timestamped directory
 * that a rotation replaces in one rename.
 */
public final class TestCertificates {
  private final Path dir;
  private final AtomicInteger issued = new AtomicInteger();
  public final Path ca;

  private TestCertificates(Path dir) {
    this.dir = dir;
    this.ca = dir.resolve("ca.crt");
  }

  public static TestCertificates authority(Path dir) throws Exception {
    Files.createDirectories(dir);
    TestCertificates c = new TestCertificates(dir);
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
        "-out", "ca.crt", "-days", "2", "-subj", "/CN=Tributary test CA");
    return c;
  }

  /** A client TLS context that trusts this authority, and only it. */
  public SSLContext trusting() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(ca)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  /**
   * A new directory holding {@code tls.crt} and {@code tls.key} for {@code commonName}. {@code rsa}
   * writes an RSA key in PKCS#1 (cert-manager's default), otherwise an EC key in PKCS#8.
   */
  public Path issue(String commonName, boolean rsa) throws Exception {
    Path out = Files.createDirectories(dir.resolve("issued-" + issued.incrementAndGet()));
    if (rsa) {
      openssl(out, "genrsa", "-traditional", "-out", "tls.key", "2048");
    } else {
      openssl(out, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "tls.key");
    }
    openssl(out, "req", "-new", "-key", "tls.key", "-out", "tls.csr", "-subj", "/CN=" + commonName);
    Files.writeString(out.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(out, "x509", "-req", "-in", "tls.csr", "-CA", ca.toString(), "-CAkey", dir.resolve("ca.key").toString(), "-set_serial",
        String.valueOf(1000 + issued.get()), "-days", "1", "-extfile", "san.ext", "-out", "tls.crt");
    return out;
  }

  /** Mounts {@code issued} at {@code mount} as the kubelet first does. */
  public static void mount(Path mount, Path issued) throws IOException {
    Files.createDirectories(mount);
    Path version = copy(mount, issued, "..first");
    Files.createSymbolicLink(mount.resolve("..data"), version.getFileName());
    Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data/tls.crt"));
    Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data/tls.key"));
  }

  /** Swaps {@code ..data} to a copy of {@code issued} in one rename, as the kubelet's atomic writer does. */
  public static void rotate(Path mount, Path issued, String version) throws IOException {
    Path copy = copy(mount, issued, version);
    Path next = Files.createSymbolicLink(mount.resolve("..data_tmp"), copy.getFileName());
    Files.move(next, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
  }

  private static Path copy(Path mount, Path issued, String version) throws IOException {
    Path target = Files.createDirectories(mount.resolve(version));
    Files.copy(issued.resolve("tls.crt"), target.resolve("tls.crt"));
    Files.copy(issued.resolve("tls.key"), target.resolve("tls.key"));
    return target;
  }

  private static void openssl(Path workDir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(command + " failed:\n" + output);
  }
}
