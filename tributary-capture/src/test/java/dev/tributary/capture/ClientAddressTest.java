package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pure logic: CIDR ranges, and which hop of X-Forwarded-For / Forwarded is the client. */
class ClientAddressTest {

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource({
      "10.0.0.0/8, 10.255.1.2, true",
      "10.0.0.0/8, 11.0.0.1, false",
      "192.168.1.128/25, 192.168.1.200, true",
      "192.168.1.128/25, 192.168.1.127, false",
      "127.0.0.1, 127.0.0.1, true",
      "127.0.0.1, 127.0.0.2, false",
      "0.0.0.0/0, 203.0.113.9, true",
      "fd00::/8, fd12:3456::1, true",
      "fd00::/8, fe80::1, false",
      "10.0.0.0/8, ::ffff:10.1.2.3, true",
      "::1, 127.0.0.1, false",
  })
  void aCidrContainsTheAddressesOfItsPrefix(String cidr, String address, boolean contains) {
    assertThat(ClientAddress.Cidr.parse(cidr).contains(ClientAddress.literal(address))).isEqualTo(contains);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "10.0.0.0/33 | the prefix length must be 0 to 32",
      "fd00::/129  | the prefix length must be 0 to 128",
      "10.0.0.0/x  | the prefix length must be 0 to 32",
      "proxy.local | is not an IP address or a CIDR range",
      "10.0.0/8    | is not an IP address or a CIDR range",
  })
  void aWrongRangeSaysWhatIsWrong(String cidr, String message) {
    assertThatThrownBy(() -> ClientAddress.trusting(List.of(cidr))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + cidr + "'").hasMessageContaining(message);
  }

  @ParameterizedTest(name = "X-Forwarded-For: {0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "203.0.113.9                          | 203.0.113.9",
      "1.1.1.1, 203.0.113.9                 | 203.0.113.9",     // the client forged 1.1.1.1; the rightmost untrusted is real
      "203.0.113.9, 10.0.0.5                | 203.0.113.9",     // through two trusted proxies
      "10.0.0.7, 10.0.0.5                   | 10.0.0.7",        // every hop trusted: the leftmost
      "unknown, 10.0.0.5                    | 10.0.0.5",        // a hop that is no address: the last address known
      "203.0.113.9:51234                    | 203.0.113.9",
      "[2001:db8::7]:443                    | 2001:db8::7",
      "2001:db8::7                          | 2001:db8::7",
  })
  void theClientIsTheRightmostHopThatIsNoTrustedProxy(String header, String client) {
    ClientAddress address = ClientAddress.trusting(List.of("127.0.0.1", "10.0.0.0/8"));

    assertThat(address.fromHops(ClientAddress.literal("127.0.0.1"), ClientAddress.forwardedFor(List.of(header))))
        .isEqualTo(ClientAddress.literal(client));
  }

  @ParameterizedTest(name = "Forwarded: {0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "for=192.0.2.60;proto=http;by=203.0.113.43              | 192.0.2.60",
      "for=\"[2001:db8:cafe::17]:4711\"                        | 2001:db8:cafe::17",
      "for=198.51.100.1, for=192.0.2.60                       | 192.0.2.60",
      "for=_hidden, for=10.0.0.9                              | 10.0.0.9",
  })
  void forwardedNamesTheHopsInItsForParameters(String header, String client) {
    ClientAddress address = ClientAddress.trusting(List.of("10.0.0.0/8"));

    assertThat(address.fromHops(ClientAddress.literal("10.0.0.1"), ClientAddress.forwarded(List.of(header))))
        .isEqualTo(ClientAddress.literal(client));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({"example.com", "1.2.3", "::g", "''"})
  void onlyAddressLiteralsAreAddressesNeverANameLookup(String hop) {
    assertThat(ClientAddress.literal(hop)).isNull();
  }
}
