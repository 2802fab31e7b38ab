package dev.governor.control;

/**
 * One window of the stationarity test: the online least-squares fit of ln(loss) on the sample index
 * (Welford form), the sum of the gradient alignments seen in it, and the mean and spread of the
 * step-to-step changes of ‖θ‖² (the last ‖θ‖² carries over from one window to the next, so every
 * change is counted once). Not thread-safe.
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
  private double prevNormSq = Double.NaN;
  private double ds;
  private double dss;
  private long nd;

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

  /**
   * Adds the parameter norm of the step; a NaN or infinite one is not measured, and the next change
   * is then counted from the next finite one.
   */
  void addNorm(double paramNorm) {
    if (!Double.isFinite(paramNorm)) {
      prevNormSq = Double.NaN;
      return;
    }
    double sq = paramNorm * paramNorm;
    if (!Double.isNaN(prevNormSq)) {
      double d = sq - prevNormSq;
      ds += d;
      dss += d * d;
      nd++;
    }
    prevNormSq = sq;
  }

  /** Changes of ‖θ‖² in the window. */
  long normChanges() {
    return nd;
  }

  /**
   * Whether the mean change of ‖θ‖² is within {@code z} standard errors {@code sd/√n} of 0: at
   * stationarity {@code E[‖θ_{t+1}‖²] = E[‖θ_t‖²]} (needs {@code normChanges() >= 2}).
   */
  boolean normStationary(double z) {
    double mean = ds / nd;
    double var = Math.max(0, dss / nd - mean * mean);
    return Math.abs(mean) <= z * Math.sqrt(var / nd);
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
    ds = 0;
    dss = 0;
    nd = 0;
  }

  void writeState(PolicyState.Writer w) {
    w.putLong(n).putDouble(mx).putDouble(my).putDouble(cxx).putDouble(cxy).putDouble(cyy);
    w.putDouble(sa).putLong(na);
    w.putDouble(prevNormSq).putDouble(ds).putDouble(dss).putLong(nd);
  }

  /** Reads what {@link #writeState} wrote. */
  void readState(PolicyState.Reader r) {
    long wn = r.getLong();
    double[] w = {
      r.getDouble(), r.getDouble(), r.getDouble(), r.getDouble(), r.getDouble(), r.getDouble()
    };
    long wa = r.getLong();
    double pn = r.getDouble();
    double[] d = {r.getDouble(), r.getDouble()};
    long wd = r.getLong();
    if (!(Double.isNaN(pn) || pn >= 0) || !Double.isFinite(d[0]) || !(d[1] >= 0) || wd < 0) {
      throw new IllegalArgumentException(
          "pi state norm window must have a last norm >= 0 or NaN, finite sums and a count >= 0,"
              + " but had "
              + pn
              + ", "
              + d[0]
              + ", "
              + d[1]
              + ", "
              + wd);
    }
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
    prevNormSq = pn;
    ds = d[0];
    dss = d[1];
    nd = wd;
  }
}
