package dev.governor.control;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The serializable description of a policy's configuration: a name ({@code pi}, {@code cosine}, …)
 * and its options as text, sorted by key. Written into {@code run.json} so a run's policy can be
 * rebuilt exactly ({@link Policies#create(PolicySpec)}).
 *
 * <p>Text form: {@code name} or {@code name(key=value, key=value)}; {@link #parse(String)} and
 * {@link #toString()} are inverse. Doubles are written with {@link Double#toString(double)} so they
 * round-trip bit for bit.
 *
 * <p>The typed getters validate and throw {@link IllegalArgumentException} with a message naming
 * {@code name.key} and the value, e.g. {@code "pi.kp must be a number, but was 'abc'"}.
 *
 * @param name policy name, lower case, non-empty
 * @param options option values by key (copied, sorted, unmodifiable)
 */
public record PolicySpec(String name, Map<String, String> options) {

  /** Validates the name and copies the options. */
  public PolicySpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("policy name must not be empty, but was '" + name + "'");
    }
    name = name.trim().toLowerCase(Locale.ROOT);
    if (!name.matches("[a-z][a-z0-9_-]*")) {
      throw new IllegalArgumentException(
          "policy name must be letters, digits, '-' or '_', but was '" + name + "'");
    }
    TreeMap<String, String> copy = new TreeMap<>();
    if (options != null) {
      for (Map.Entry<String, String> e : options.entrySet()) {
        String k = e.getKey();
        if (k == null || !k.trim().matches("[A-Za-z][A-Za-z0-9_.-]*")) {
          throw new IllegalArgumentException(
              "option key of policy " + name + " must be a name, but was '" + k + "'");
        }
        if (e.getValue() == null) {
          throw new IllegalArgumentException(name + "." + k + " must have a value, but was null");
        }
        copy.put(k.trim(), e.getValue().trim());
      }
    }
    options = Collections.unmodifiableMap(copy);
  }

  /** A spec without options. */
  public static PolicySpec of(String name) {
    return new PolicySpec(name, Map.of());
  }

  /** A spec with options. */
  public static PolicySpec of(String name, Map<String, String> options) {
    return new PolicySpec(name, options);
  }

  /** A copy with one option set (a double is written so it round-trips exactly). */
  public PolicySpec with(String key, Object value) {
    TreeMap<String, String> copy = new TreeMap<>(options);
    copy.put(key, String.valueOf(value));
    return new PolicySpec(name, copy);
  }

  /** A copy with every option of {@code more} set (replacing the same keys). */
  public PolicySpec withAll(Map<String, String> more) {
    TreeMap<String, String> copy = new TreeMap<>(options);
    copy.putAll(more);
    return new PolicySpec(name, copy);
  }

  /**
   * Parses {@code name} or {@code name(k=v, k=v)}.
   *
   * @throws IllegalArgumentException naming the text when it is not of that form
   */
  public static PolicySpec parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("policy must not be empty, but was null");
    }
    String t = text.trim();
    int open = t.indexOf('(');
    if (open < 0) {
      return of(t);
    }
    if (!t.endsWith(")")) {
      throw new IllegalArgumentException(
          "policy must be name(key=value, ...), but was '" + text + "'");
    }
    TreeMap<String, String> opts = new TreeMap<>();
    String body = t.substring(open + 1, t.length() - 1).trim();
    if (!body.isEmpty()) {
      for (String part : body.split(",")) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "policy option must be key=value, but was '" + part.trim() + "' in '" + text + "'");
        }
        String key = part.substring(0, eq).trim();
        if (opts.put(key, part.substring(eq + 1).trim()) != null) {
          throw new IllegalArgumentException(
              "policy option " + key + " is given twice in '" + text + "'; give each key once");
        }
      }
    }
    return new PolicySpec(t.substring(0, open), opts);
  }

  /** Whether the option is present. */
  public boolean has(String key) {
    return options.containsKey(key);
  }

  /** The option as text, or {@code fallback} when absent. */
  public String getString(String key, String fallback) {
    return options.getOrDefault(key, fallback);
  }

  /**
   * The option as a double, or {@code fallback} when absent. Accepts {@code inf}/{@code Infinity}.
   *
   * @throws IllegalArgumentException naming {@code name.key} and the text when it is not a number
   */
  public double getDouble(String key, double fallback) {
    return parsed(key, fallback, "a number", PolicySpec::number);
  }

  /**
   * The option as a long, or {@code fallback} when absent.
   *
   * @throws IllegalArgumentException naming {@code name.key} and the text when it is not an integer
   */
  public long getLong(String key, long fallback) {
    return parsed(key, fallback, "an integer", Long::parseLong);
  }

  /**
   * The option as a boolean ({@code true}/{@code false}), or {@code fallback} when absent.
   *
   * @throws IllegalArgumentException naming {@code name.key} and the text otherwise
   */
  public boolean getBoolean(String key, boolean fallback) {
    return parsed(key, fallback, "true or false", PolicySpec::bool);
  }

  /** The number {@code t} reads as; {@code inf}, {@code infinity} (any case, optional +) = +∞. */
  private static double number(String t) {
    return switch (t.toLowerCase(Locale.ROOT)) {
      case "inf", "infinity", "+inf", "+infinity" -> Double.POSITIVE_INFINITY;
      default -> Double.parseDouble(t);
    };
  }

  /** The boolean {@code t} names, or null. */
  private static Boolean bool(String t) {
    return switch (t.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> null;
    };
  }

  /**
   * The option's trimmed text read by {@code parse}, or {@code fallback} when absent.
   *
   * @throws IllegalArgumentException {@code "name.key must be WHAT, but was 'TEXT'"} when {@code
   *     parse} gives null or throws a {@link NumberFormatException}
   */
  private <T> T parsed(String key, T fallback, String what, Function<String, T> parse) {
    String v = options.get(key);
    if (v == null) {
      return fallback;
    }
    T value;
    try {
      value = parse.apply(v.trim());
    } catch (NumberFormatException e) {
      value = null;
    }
    if (value == null) {
      throw new IllegalArgumentException(
          name + "." + key + " must be " + what + ", but was '" + v + "'");
    }
    return value;
  }

  @Override
  public String toString() {
    return format(name, options);
  }

  /**
   * The spec form {@code name} (no options) or {@code name(key=value, key=value, ...)}, the options
   * in their iteration order; {@link #parse} reads it back. Shared by the other specs written in
   * this form (e.g. the simulated plant's optimizer).
   */
  public static String format(String name, Map<String, String> options) {
    if (options.isEmpty()) {
      return name;
    }
    StringBuilder sb = new StringBuilder(name).append('(');
    boolean first = true;
    for (Map.Entry<String, String> e : options.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.append(')').toString();
  }
}
