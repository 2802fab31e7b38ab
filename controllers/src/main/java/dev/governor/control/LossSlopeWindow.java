package dev.governor.control;

/**
 * One window of the stationarity test: the online least-squares fit of ln(loss) on the sample index
 * (Welford form) and the sum of the gradient alignments seen in it. Not thread-safe.
 */
final class LossSlopeWindow {
  private long n;
  private double mx;
  private double my;
  private double cxx;
  private double cxy;
  private double cyy;
  private double sa;
  private long na;

  /**
   * Adds one sample: {@code y = ln(loss)}, and the alignment when it is finite (clamped to [−1,
   * 1]).
   */
  void add(double y, double alignment) {
    if (Double.isFinite(alignment)) {
      sa += Math.max(-1, Math.min(1, alignment));
      na++;
    }
    double x = n;
    n++;
    double dx = x - mx;
    mx += dx / n;
    double dy = y - my;
    my += dy / n;
    cxx += dx * (x - mx);
    cxy += dx * (y - my);
    cyy += dy * (y - my);
  }

  /** Samples of ln(loss) so far. */
  long size() {
    return n;
  }

  /** The least-squares slope of ln(loss) per sample (needs {@code size() >= 2}). */
  double slope() {
    return cxy / cxx;
  }

  /** The slope's standard error {@code √(SSR / ((n−2)·Sxx))} (needs {@code size() >= 3}). */
  double slopeError() {
    double ssr = Math.max(0, cyy - slope() * cxy);
    return Math.sqrt(ssr / ((n - 2) * cxx));
  }

  /** Whether the window's finite alignments are positive on average (none: false). */
  boolean gradientsAgree() {
    return na > 0 && sa / na > 0;
  }

  void reset() {
    n = 0;
    mx = 0;
    my = 0;
    cxx = 0;
    cxy = 0;
    cyy = 0;
    sa = 0;
    na = 0;
  }

  void writeState(PolicyState.Writer w) {
    w.putLong(n).putDouble(mx).putDouble(my).putDouble(cxx).putDouble(cxy).putDouble(cyy);
    w.putDouble(sa).putLong(na);
  }

  /** Reads what {@link #writeState} wrote. */
  void readState(PolicyState.Reader r) {
    long wn = r.getLong();
    double[] w = {
      r.getDouble(), r.getDouble(), r.getDouble(), r.getDouble(), r.getDouble(), r.getDouble()
    };
    long wa = r.getLong();
    if (wn < 0 || wa < 0) {
      throw new IllegalArgumentException(
          "pi state test window counts must be >= 0, but were " + wn + " and " + wa);
    }
    for (double v : w) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("pi state test window is not finite: " + v);
      }
    }
    n = wn;
    mx = w[0];
    my = w[1];
    cxx = w[2];
    cxy = w[3];
    cyy = w[4];
    sa = w[5];
    na = wa;
  }
}
