package dev.tributary.testkit;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a running {@link S3Server}, started before its first test and stopped (its
 * data deleted) after its last: {@code @RegisterExtension static final S3Extension s3 = new S3Extension();}.
 * It also sets the system properties {@code aws.accessKeyId}, {@code aws.secretAccessKey} and
 * {@code aws.region}, so AWS SDK clients of the test JVM find the server's credentials through
 * their default chains; {@link #childEnvironment} gives the same to child processes.
 */
public final class S3Extension implements BeforeAllCallback, AfterAllCallback {
  private S3Server server;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    server = S3Server.start(Files.createTempDirectory("tributary-s3-"));
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
    System.setProperty("aws.region", "us-east-1");
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) server.closeAndDelete();
  }

  public S3Server server() {
    if (server == null) throw new IllegalStateException("S3Proxy starts before the first test of the class");
    return server;
  }

  public URI endpoint() {
    return server().endpoint();
  }

  /** Environment variables for a child JVM that talks to this server through the SDK's default chains. */
  public static java.util.Map<String, String> childEnvironment() {
    return java.util.Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY,
        "AWS_REGION", "us-east-1");
  }
}
