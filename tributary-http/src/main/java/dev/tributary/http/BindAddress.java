package dev.tributary.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** Where a server listens: whether only this machine can reach it, which decides if it may run without tokens. */
public final class BindAddress {
  private BindAddress() {}

  /** Whether every address {@code host} resolves to is a loopback address. */
  public static boolean isLoopback(String host) throws UnknownHostException {
    InetAddress[] addresses = InetAddress.getAllByName(host);
    return addresses.length > 0 && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
  }
}
