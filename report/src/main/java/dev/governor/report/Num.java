package dev.governor.report;

import java.util.Locale;

/**
 * Number formatting for tables, terminal lines and HTML, in {@link Locale#ROOT} (a decimal point on
 * every machine). NaN and infinities print as {@code NaN}, {@code Infinity} and {@code -Infinity},
 * the same words {@link Json} writes, unless a method takes a text for NaN.
 */
public final class Num {
  private Num() {}

  /**
   * {@code v} with {@code digits} significant digits ({@code %.Ng}): {@code sig(0.012345, 3)} is
   * "0.0123".
   */
  public static String sig(double v, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "g", v);
  }

  /** {@link #sig(double, int)}, or {@code nanText} when {@code v} is NaN (e.g. "n/a", "-"). */
  public static String sig(double v, int digits, String nanText) {
    return Double.isNaN(v) ? nanText : sig(v, digits);
  }

  /**
   * A whole number below 10^15 in magnitude without decimals ({@code "300"}), any other value as
   * {@link #sig(double, int)} ({@code shortest(0.25, 4)} is "0.2500").
   */
  public static String shortest(double v, int digits) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? String.format(Locale.ROOT, "%.0f", v)
        : sig(v, digits);
  }

  /** {@code v} with {@code decimals} digits after the point ({@code %.Nf}). */
  public static String fixed(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /**
   * {@code v} in scientific notation with {@code decimals} digits after the point ({@code %.Ne}).
   */
  public static String sci(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "e", v);
  }

  /** {@code v} formatted with a {@link String#format} pattern in {@link Locale#ROOT}. */
  public static String format(String pattern, double v) {
    return String.format(Locale.ROOT, pattern, v);
  }
}
