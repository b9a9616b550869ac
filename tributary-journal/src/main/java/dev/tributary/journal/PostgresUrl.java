package dev.tributary.journal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * The PostgreSQL JDBC URL the journal is given: checked before anything connects, and shown in
 * messages without its password (the user may be in the URL, as {@code ?user=app}).
 */
public final class PostgresUrl {
  static final String PREFIX = "jdbc:postgresql://";
  private static final Pattern PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");
  private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/@?:]*:)[^/@?]*@");

  private PostgresUrl() {}

  /** {@code url} when it is a PostgreSQL JDBC URL; otherwise an IllegalArgumentException that says what one looks like. */
  public static String check(String url) {
    if (url == null || !url.startsWith(PREFIX)) {
      throw new IllegalArgumentException("the PostgreSQL URL must start with " + PREFIX + ", e.g. " + PREFIX
          + "localhost:5432/app?user=app" + (url == null ? "" : "; got '" + withoutPassword(url) + "'"));
    }
    return url;
  }

  /**
   * {@code url} with {@code password} added as its {@code password} parameter, so that the
   * password need not be written into a URL on a command line; refused when the URL has one.
   */
  public static String withPassword(String url, String password) {
    check(url);
    if (!withoutPassword(url).equals(url)) {
      throw new IllegalArgumentException("the PostgreSQL URL " + withoutPassword(url) + " holds a password already; "
          + "give it in one place");
    }
    String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
    return url + (url.indexOf('?') < 0 ? "?" : "&") + "password=" + encoded;
  }

  /** {@code url} with any password replaced by ***, fit for logs and error messages. */
  public static String withoutPassword(String url) {
    return USER_INFO_PASSWORD.matcher(PASSWORD.matcher(url).replaceAll("$1***")).replaceFirst("$1***@");
  }

  /** What went wrong talking to the database at {@code url}, saying which database and whether it was the connection. */
  static String failure(String url, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    // SQLSTATE class 08: connection exception; 28: invalid authorization; 3D000: no such database.
    String what = state.startsWith("08") || state.startsWith("28") || state.equals("3D000") ? "cannot connect to" : "error from";
    return what + " PostgreSQL at " + withoutPassword(url) + ": " + e.getMessage();
  }
}
