package dev.governor.trainers;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The text form of an {@link EarlyStopping.Config}: {@code monitor} or {@code monitor(key=value,
 * ...)}, read into a config (whose constructor validates the values). Every error is one line
 * naming the key and the value.
 */
final class EarlyStopSpec {
  private EarlyStopSpec() {}

  private static final Set<String> KEYS =
      Set.of("patience", "min-delta", "warm-up", "restore-best", "gap");

  /**
   * Parses the text form.
   *
   * @throws IllegalArgumentException in one line naming the key and the value
   */
  static EarlyStopping.Config parse(String text) {
    String s = text == null ? "" : text.trim();
    String name = s;
    Map<String, String> opts = new LinkedHashMap<>();
    int open = s.indexOf('(');
    if (open >= 0) {
      if (!s.endsWith(")")) {
        throw new IllegalArgumentException(
            "early-stop spec must be monitor or monitor(key=value, ...), but was '" + text + "'");
      }
      name = s.substring(0, open).trim();
      String body = s.substring(open + 1, s.length() - 1).trim();
      if (!body.isEmpty()) {
        for (String part : body.split(",")) {
          int eq = part.indexOf('=');
          if (eq < 0) {
            throw new IllegalArgumentException(
                "early-stop option must be key=value, but was '" + part.trim() + "'");
          }
          String k = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
          if (!KEYS.contains(k)) {
            throw new IllegalArgumentException(
                "early-stop option must be one of [gap, min-delta, patience, restore-best,"
                    + " warm-up], but was '"
                    + k
                    + "'");
          }
          opts.put(k, part.substring(eq + 1).trim());
        }
      }
    }
    EarlyStopping.Monitor m = null;
    for (EarlyStopping.Monitor c : EarlyStopping.Monitor.values()) {
      if (c.text().equals(name.toLowerCase(Locale.ROOT))) {
        m = c;
      }
    }
    if (m == null) {
      throw new IllegalArgumentException(
          "early-stop monitor must be val-loss, val-accuracy or gap, but was '" + name + "'");
    }
    return new EarlyStopping.Config(
        m,
        (int) integer(opts, "patience", 5),
        number(opts, "min-delta", 0),
        integer(opts, "warm-up", 0),
        bool(opts, "restore-best", true),
        (int) integer(opts, "gap", 0));
  }

  private static long integer(Map<String, String> o, String k, long fallback) {
    String v = o.get(k);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "early-stop " + k + " must be an integer, but was '" + v + "'", e);
    }
  }

  private static double number(Map<String, String> o, String k, double fallback) {
    String v = o.get(k);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "early-stop " + k + " must be a number, but was '" + v + "'", e);
    }
  }

  private static boolean bool(Map<String, String> o, String k, boolean fallback) {
    String v = o.get(k);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default ->
          throw new IllegalArgumentException(
              "early-stop " + k + " must be true or false, but was '" + v + "'");
    };
  }
}
