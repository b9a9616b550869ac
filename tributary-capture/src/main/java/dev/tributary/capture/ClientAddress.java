package dev.tributary.capture;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The address of the client that sent a request: the connection's peer, or, only when that peer
 * is a trusted proxy ({@code trusted_proxies}), the address the proxies recorded. Proxies append
 * to {@code X-Forwarded-For} (or {@code Forwarded: for=}, read when there is no
 * {@code X-Forwarded-For}), and anything left of the hops a trusted proxy added was written by the
 * client and may be forged, so the hops are read from the right: the first one that is not a
 * trusted proxy is the client. When every hop is trusted the leftmost is taken; a hop that is not
 * an address (a proxy's "unknown" or an obfuscated name) stops the walk at the last address known.
 */
final class ClientAddress {

  private final List<Cidr> trusted;

  private ClientAddress(List<Cidr> trusted) {
    this.trusted = trusted;
  }

  /** From {@code trusted_proxies}; throws {@link IllegalArgumentException} for an entry that is not an address or CIDR. */
  static ClientAddress trusting(List<String> proxies) {
    List<Cidr> cidrs = new ArrayList<>();
    for (String proxy : proxies) cidrs.add(Cidr.parse(proxy));
    return new ClientAddress(List.copyOf(cidrs));
  }

  String of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    InetAddress address = peer == null ? null : literal(peer.hostAddress());
    if (address == null) return peer == null ? null : peer.hostAddress();
    if (!isTrusted(address)) return NetUtil.toAddressString(address);
    List<String> xff = request.headers().getAll("X-Forwarded-For");
    List<String> hops = !xff.isEmpty() ? forwardedFor(xff) : forwarded(request.headers().getAll("Forwarded"));
    return NetUtil.toAddressString(fromHops(address, hops));
  }

  /** The client among {@code hops} (leftmost first) as seen from a trusted {@code peer}. */
  InetAddress fromHops(InetAddress peer, List<String> hops) {
    InetAddress client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = literal(hops.get(i));
      if (hop == null) return client;
      client = hop;
      if (!isTrusted(hop)) return hop;
    }
    return client;
  }

  private boolean isTrusted(InetAddress address) {
    for (Cidr cidr : trusted) if (cidr.contains(address)) return true;
    return false;
  }

  /** The hops of every {@code X-Forwarded-For} header, in order. */
  static List<String> forwardedFor(List<String> headers) {
    List<String> hops = new ArrayList<>();
    for (String header : headers) {
      for (String hop : header.split(",")) if (!hop.isBlank()) hops.add(hop.trim());
    }
    return hops;
  }

  /** The {@code for=} of every element of every {@code Forwarded} header (RFC 7239), in order. */
  static List<String> forwarded(List<String> headers) {
    List<String> hops = new ArrayList<>();
    for (String header : headers) {
      for (String element : header.split(",")) {
        String value = "unknown";
        for (String pair : element.split(";")) {
          String[] nameValue = pair.trim().split("=", 2);
          if (nameValue.length == 2 && nameValue[0].trim().toLowerCase(Locale.ROOT).equals("for")) {
            value = nameValue[1].trim().replace("\"", "");
          }
        }
        hops.add(value);
      }
    }
    return hops;
  }

  /**
   * The address of a hop written as {@code 192.0.2.1}, {@code 192.0.2.1:4711}, {@code 2001:db8::1}
   * or {@code [2001:db8::1]:4711}; null for anything else. Never a DNS lookup.
   */
  static InetAddress literal(String hop) {
    String h = hop.trim();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      if (end < 0) return null;
      h = h.substring(1, end);
    } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
      h = h.substring(0, h.indexOf(':')); // IPv4 with a port
    }
    int zone = h.indexOf('%');
    if (zone >= 0) h = h.substring(0, zone);
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(h);
    if (bytes == null) return null;
    try {
      return InetAddress.getByAddress(bytes); // an IPv4-mapped IPv6 address comes back as IPv4
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** An address range: {@code 10.0.0.0/8}, {@code fd00::/8}, or one address. */
  record Cidr(byte[] network, int prefixBits) {

    static Cidr parse(String text) {
      String t = text.trim();
      int slash = t.indexOf('/');
      InetAddress address = literal(slash < 0 ? t : t.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException("trusted proxy '" + text + "' is not an IP address or a CIDR range like 10.0.0.0/8 or fd00::/8");
      }
      int maxBits = address.getAddress().length * 8;
      int bits = maxBits;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > maxBits) {
          throw new IllegalArgumentException("trusted proxy '" + text + "': the prefix length must be 0 to " + maxBits);
        }
      }
      return new Cidr(address.getAddress(), bits);
    }

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) return false;
      int full = prefixBits / 8;
      for (int i = 0; i < full; i++) if (a[i] != network[i]) return false;
      int rest = prefixBits % 8;
      if (rest == 0) return true;
      int mask = 0xff << (8 - rest);
      return (a[full] & mask) == (network[full] & mask);
    }
  }
}
