package dev.governor.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A cluster node's {@code HOST:PORT}, validated: the port in {@code [0, 65535]} (0 = any free
 * port), and — unless explicitly allowed — the host a loopback address (127.0.0.0/8, ::1,
 * localhost).
 */
public record NodeAddress(String host, int port) {

  /** Validates; names the bad value. */
  public NodeAddress {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty, but was '" + host + "'");
    }
    if (!(port >= 0 && port <= 65535)) {
      throw new IllegalArgumentException("port must be in [0, 65535], but was " + port);
    }
  }

  /**
   * Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6).
   *
   * @param what the flag or key the text came from, for the error message
   */
  public static NodeAddress parse(String what, String text) {
    if (text == null) {
      throw new IllegalArgumentException(what + " must be HOST:PORT, but was null");
    }
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException(what + " must be HOST:PORT, but was '" + text + "'");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " must be HOST:PORT with a numeric port, but was '" + text + "'", e);
    }
    if (!(port >= 0 && port <= 65535)) {
      throw new IllegalArgumentException(
          what + " port must be in [0, 65535], but was " + port + " ('" + text + "')");
    }
    return new NodeAddress(host, port);
  }

  /** Whether the host names a loopback address (resolved without any network traffic). */
  public boolean isLoopback() {
    if (host.equals("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false; // a name other than localhost would need a lookup: not loopback
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The host as Pekko writes it in an address ({@code [v6]} for IPv6). */
  String uriHost() {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  @Override
  public String toString() {
    return uriHost() + ":" + port;
  }
}
