package dev.tributary.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;

/**
 * A certificate chain and its private key as read from PEM files, checked to be what a TLS server
 * can present: certificates that parse and are valid now, a key that Vert.x reads (PKCS#8, or the
 * PKCS#1 and SEC1 forms cert-manager and openssl write) and that belongs to the first certificate.
 */
final class PemPair {

  /** Certificate chains and keys are a few KiB; a larger file is something else, and is not read whole. */
  static final long LARGEST_FILE = 1L << 20;
  private static final Pattern CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", Pattern.DOTALL);

  private final byte[] cert;
  private final byte[] key;
  private final X509Certificate leaf;

  private PemPair(byte[] cert, byte[] key, X509Certificate leaf) {
    this.cert = cert;
    this.key = key;
    this.leaf = leaf;
  }

  static PemPair read(Path certFile, Path keyFile) throws TlsFileException {
    return check(certFile, readFile(certFile, "certificate"), keyFile, readFile(keyFile, "key"));
  }

  static byte[] readFile(Path file, String what) throws TlsFileException {
    try {
      if (Files.isDirectory(file)) throw new TlsFileException(name(file, what) + ": is a directory, not a PEM file");
      long size = Files.size(file);
      if (size > LARGEST_FILE) {
        throw new TlsFileException(name(file, what) + ": is " + size + " bytes, larger than any PEM " + what + " file (at most " + LARGEST_FILE + ")");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new TlsFileException(name(file, what) + ": no such file");
    } catch (IOException e) {
      throw new TlsFileException(name(file, what) + ": cannot be read: " + e);
    }
  }

  static PemPair check(Path certFile, byte[] cert, Path keyFile, byte[] key) throws TlsFileException {
    X509Certificate leaf = certificates(certFile, cert).get(0);
    try {
      leaf.checkValidity(new Date());
    } catch (CertificateExpiredException e) {
      throw new TlsFileException(name(certFile, "certificate") + ": the certificate (" + subject(leaf) + ") expired at " + leaf.getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      throw new TlsFileException(name(certFile, "certificate") + ": the certificate (" + subject(leaf) + ") is not valid before "
          + leaf.getNotBefore().toInstant());
    }
    requireBelongs(keyFile, privateKey(certFile, cert, keyFile, key, leaf), certFile, leaf);
    return new PemPair(cert, key, leaf);
  }

  /** The chain in order, parsed block by block so that text around the blocks (as openssl writes it) is ignored. */
  private static List<X509Certificate> certificates(Path file, byte[] pem) throws TlsFileException {
    String text = new String(pem, StandardCharsets.US_ASCII);
    List<X509Certificate> chain = new ArrayList<>();
    Matcher m = CERTIFICATE.matcher(text);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(1).trim());
        chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new TlsFileException(name(file, "certificate") + ": certificate " + (chain.size() + 1) + " in it cannot be read: " + e.getMessage());
    }
    if (!chain.isEmpty()) return chain;
    if (text.contains("PRIVATE KEY-----")) {
      throw new TlsFileException(name(file, "certificate") + ": holds a private key, not a certificate (are the certificate and key files swapped?)");
    }
    throw new TlsFileException(name(file, "certificate") + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }

  /** Read as Vert.x reads it when it serves, so that what passes here is what it can serve. */
  private static PrivateKey privateKey(Path certFile, byte[] cert, Path keyFile, byte[] key, X509Certificate leaf) throws TlsFileException {
    String text = new String(key, StandardCharsets.US_ASCII);
    if (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new TlsFileException(name(keyFile, "key") + ": the key is encrypted; give it unencrypted (as cert-manager writes it), readable only by this user");
    }
    if (!text.contains("PRIVATE KEY-----") && text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new TlsFileException(name(keyFile, "key") + ": holds a certificate, not a private key (are the certificate and key files swapped?)");
    }
    try {
      KeyManagerFactory factory = keyCert(cert, key).getKeyManagerFactory(null);
      X509KeyManager manager = (X509KeyManager) factory.getKeyManagers()[0];
      String[] aliases = manager.getServerAliases(leaf.getPublicKey().getAlgorithm(), null);
      if (aliases == null || aliases.length == 0) throw new TlsFileException(name(keyFile, "key") + ": holds no key for the certificate in " + certFile);
      return manager.getPrivateKey(aliases[0]);
    } catch (TlsFileException e) {
      throw e;
    } catch (Exception e) {
      throw new TlsFileException(name(keyFile, "key") + ": cannot be used with the certificate in " + certFile + ": " + e.getMessage());
    }
  }

  /** Signs with the key and verifies with the certificate: a key of another pair of the same kind passes every other check. */
  private static void requireBelongs(Path keyFile, PrivateKey key, Path certFile, X509Certificate leaf) throws TlsFileException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) return;
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    boolean belongs;
    try {
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(leaf.getPublicKey());
      verify.update(probe);
      belongs = verify.verify(signature);
    } catch (GeneralSecurityException e) {
      belongs = false;
    }
    if (!belongs) {
      throw new TlsFileException(name(keyFile, "key") + ": the private key does not belong to the certificate (" + subject(leaf) + ") in " + certFile);
    }
  }

  private static String name(Path file, String what) {
    return "TLS " + what + " file " + file;
  }

  private static String subject(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }

  PemKeyCertOptions keyCert() {
    return keyCert(cert, key);
  }

  private static PemKeyCertOptions keyCert(byte[] cert, byte[] key) {
    return new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
  }

  boolean sameAs(byte[] otherCert, byte[] otherKey) {
    return Arrays.equals(cert, otherCert) && Arrays.equals(key, otherKey);
  }

  /** Who it names, which one it is and until when it holds: what an operator checks after a rotation. */
  String describe() {
    return "subject " + subject(leaf) + ", serial " + leaf.getSerialNumber().toString(16) + ", valid until " + leaf.getNotAfter().toInstant();
  }
}
