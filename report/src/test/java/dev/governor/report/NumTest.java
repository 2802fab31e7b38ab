package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Num}: Java's {@code %g} keeps trailing zeros (C's and Python's drop them). */
class NumTest {
  @Test
  void formatsInTheRootLocale() {
    assertEquals("0.0123", Num.sig(0.012345, 3));
    assertEquals("0.333333", Num.sig(1.0 / 3, 6));
    assertEquals("n/a", Num.sig(Double.NaN, 6, "n/a"));
    assertEquals("NaN", Num.sig(Double.NaN, 4));
    assertEquals("Infinity", Num.sig(Double.POSITIVE_INFINITY, 4));
    assertEquals("0.6667", Num.fixed(2.0 / 3, 4));
    assertEquals("1e-03", Num.sci(1e-3, 0));
    assertEquals("300", Num.shortest(300, 4));
    assertEquals("0.2500", Num.shortest(0.25, 4));
    assertEquals("1.000e+15", Num.shortest(1e15, 4));
  }
}
