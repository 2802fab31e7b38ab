package dev.governor.control;

/**
 * One window of the stationarity test: the online least-squares fit of ln(loss) on the sample index
 * (Welford form), the sum of the gradient alignments seen in it, and the mean and spread of the
 * step-to-step changes of ‖θ‖² with the mean squared update norm of the same steps. The last ‖θ‖²
 * and update norm carry over from one window to the next, so every change is counted once; {@link
 * #reset(boolean)} may keep the norm statistics, so that they run over several windows. Not
 * thread-safe.
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
  private double prevUpdate = Double.NaN;
  private double us;
  private long nu;

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
   * Adds the parameter norm of the step (before its update) and the norm of the update the step
   * applied. A NaN or infinite parameter norm is not measured, and the next change is then counted
   * from the next finite one; a change whose update norm is not finite counts without one.
   */
  void addNorm(double paramNorm, double updateNorm) {
    if (!Double.isFinite(paramNorm)) {
      prevNormSq = Double.NaN;
      prevUpdate = Double.NaN;
      return;
    }
    double sq = paramNorm * paramNorm;
    if (!Double.isNaN(prevNormSq)) {
      double d = sq - prevNormSq;
      ds += d;
      dss += d * d;
      nd++;
      if (Double.isFinite(prevUpdate)) {
        us += prevUpdate * prevUpdate;
        nu++;
      }
    }
    prevNormSq = sq;
    prevUpdate = updateNorm;
  }

  /** Changes of ‖θ‖² in the window. */
  long normChanges() {
    return nd;
  }

  /**
   * Whether ‖θ‖² has stopped changing: the mean change {@code m} of ‖θ‖² is within {@code z}
   * standard errors {@code se = sd/√n} of 0, or, with {@code tol > 0} and update norms measured,
   * the whole interval {@code |m| + z·se} lies within {@code tol} times the mean squared update
   * norm {@code ū}. At stationarity {@code E[‖θ_{t+1}‖²] = E[‖θ_t‖²]}, that is {@code E[−2θ·u] =
   * E[‖u‖²]}; the second clause accepts a drift measured precisely but small against the {@code
   * ‖u‖²} the steps inject (SASA+'s relative band). Needs {@code normChanges() >= 2}.
   */
  boolean normStationary(double z, double tol) {
    double mean = ds / nd;
    double var = Math.max(0, dss / nd - mean * mean);
    double se = Math.sqrt(var / nd);
    if (Math.abs(mean) <= z * se) {
      return true;
    }
    return tol > 0 && nu > 0 && Math.abs(mean) + z * se <= tol * (us / nu);
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

  /** Starts a new window, the norm statistics included. */
  void reset() {
    reset(false);
  }

  /** Starts a new window; with {@code keepNorm} the norm statistics run on into it. */
  void reset(boolean keepNorm) {
    n = 0;
    mx = 0;
    my = 0;
    cxx = 0;
    cxy = 0;
    cyy = 0;
    sa = 0;
    na = 0;
    if (!keepNorm) {
      ds = 0;
      dss = 0;
      nd = 0;
      us = 0;
      nu = 0;
    }
  }

  void writeState(PolicyState.Writer w) {
    w.putLong(n).putDouble(mx).putDouble(my).putDouble(cxx).putDouble(cxy).putDouble(cyy);
    w.putDouble(sa).putLong(na);
    w.putDouble(prevNormSq).putDouble(ds).putDouble(dss).putLong(nd);
    w.putDouble(prevUpdate).putDouble(us).putLong(nu);
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
    double pu = r.getDouble();
    double su = r.getDouble();
    long wu = r.getLong();
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
    if (Double.isInfinite(pu) || !(su >= 0) || su == Double.POSITIVE_INFINITY || wu < 0) {
      throw new IllegalArgumentException(
          "pi state update norms must have a last norm finite or NaN, a finite sum >= 0 and a"
              + " count >= 0, but had "
              + pu
              + ", "
              + su
              + ", "
              + wu);
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
    prevUpdate = pu;
    us = su;
    nu = wu;
  }
}
