package dev.governor.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and validates a {@link PolicySpec}'s options. Every error names {@code policy.key} and the
 * value, e.g. {@code "cosine.lr must be finite and > 0, but was -1.0"}; comparisons are written so
 * that NaN fails.
 */
final class Options {
  private Options() {}

  /**
   * Rejects options the policy does not have.
   *
   * @throws IllegalArgumentException naming the first unknown key and listing the known ones
   */
  static void allow(PolicySpec spec, Set<String> known) {
    for (String k : spec.options().keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            spec.name()
                + " has no option '"
                + k
                + "'; its options are "
                + new TreeSet<>(known).toString());
      }
    }
  }

  /** Union of option-name sets. */
  @SafeVarargs
  static Set<String> keys(Set<String>... sets) {
    TreeSet<String> all = new TreeSet<>();
    for (Set<String> s : sets) {
      all.addAll(s);
    }
    return all;
  }

  /** Options that every schedule has: the fixed clip threshold and weight decay. */
  static final Set<String> FIXED = Set.of("clip", "wd");

  static String name(PolicySpec spec, String key) {
    return spec.name() + "." + key;
  }

  /** A finite value {@code > 0}. */
  static double positive(PolicySpec spec, String key, double fallback) {
    double v = spec.getDouble(key, fallback);
    if (!(v > 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(name(spec, key) + " must be finite and > 0, but was " + v);
    }
    return v;
  }

  /** A finite value {@code >= 0}. */
  static double nonNegative(PolicySpec spec, String key, double fallback) {
    double v = spec.getDouble(key, fallback);
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(
          name(spec, key) + " must be finite and >= 0, but was " + v);
    }
    return v;
  }

  /** A finite value in {@code [lo, hi]}. */
  static double closed(PolicySpec spec, String key, double fallback, double lo, double hi) {
    double v = spec.getDouble(key, fallback);
    if (!(v >= lo && v <= hi)) {
      throw new IllegalArgumentException(
          name(spec, key) + " must be in [" + lo + ", " + hi + "], but was " + v);
    }
    return v;
  }

  /** A finite value {@code > 1}. */
  static double greaterThanOne(PolicySpec spec, String key, double fallback) {
    double v = spec.getDouble(key, fallback);
    if (!(v > 1) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(name(spec, key) + " must be finite and > 1, but was " + v);
    }
    return v;
  }

  /** A value in the open interval {@code (lo, hi)}. */
  static double open(PolicySpec spec, String key, double fallback, double lo, double hi) {
    double v = spec.getDouble(key, fallback);
    if (!(v > lo && v < hi)) {
      throw new IllegalArgumentException(
          name(spec, key) + " must be in (" + lo + ", " + hi + "), but was " + v);
    }
    return v;
  }

  /** Any finite value. */
  static double finite(PolicySpec spec, String key, double fallback) {
    double v = spec.getDouble(key, fallback);
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(name(spec, key) + " must be finite, but was " + v);
    }
    return v;
  }

  /** A clip threshold: {@code > 0}, {@code inf} = off. */
  static double clip(PolicySpec spec, String key, double fallback) {
    double v = spec.getDouble(key, fallback);
    if (!(v > 0)) {
      throw new IllegalArgumentException(
          name(spec, key) + " must be > 0 (or inf for no clipping), but was " + v);
    }
    return v;
  }

  /** An integer {@code >= min}. */
  static long atLeast(PolicySpec spec, String key, long fallback, long min) {
    long v = spec.getLong(key, fallback);
    if (v < min) {
      throw new IllegalArgumentException(
          name(spec, key) + " must be an integer >= " + min + ", but was " + v);
    }
    return v;
  }

  /** One of the given words. */
  static String oneOf(PolicySpec spec, String key, String fallback, String... allowed) {
    String v = spec.getString(key, fallback);
    List<String> list = new ArrayList<>(List.of(allowed));
    if (!list.contains(v)) {
      throw new IllegalArgumentException(
          name(spec, key) + " must be one of " + list + ", but was '" + v + "'");
    }
    return v;
  }
}
