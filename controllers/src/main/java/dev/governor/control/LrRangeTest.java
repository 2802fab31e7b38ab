package dev.governor.control;

import java.util.Arrays;
import java.util.Locale;

/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks",
 * §3.3; fastai's {@code Learner.lr_find}) as pure maths: feed it the (learning rate, loss) pairs of
 * a sweep with a geometrically growing LR ({@link #sweepLr}), read the suggested LR, the curve and
 * an estimate of the largest stable LR. Used by the {@code lrfind} policy and {@code governor
 * lr-find}.
 *
 * <p><b>Smoothing and stop</b> (fastai's {@code AvgSmoothLoss} and {@code LRFinder}): {@code v ← L
 * + β·(v − L)} from {@code v = 0}, smoothed loss {@code s_i = v/(1 − β^(i+1))} (bias-corrected EMA,
 * β = 0.98); the sweep stops at the first point whose smoothed loss exceeds {@code divFactor} (4) ×
 * the minimum smoothed loss so far, or whose loss is not finite (fastai runs on through NaN; here a
 * non-finite loss ends the sweep at once). That point is recorded and the sweep counts as
 * <em>diverged</em>.
 *
 * <p><b>Suggestions</b> (fastai ≥ 2.5, {@code fastai/callback/schedule.py}), computed on the
 * smoothed curve without its first {@code planned/10} points and its last 5 (fastai's window), cut
 * before the first non-finite point; when that window holds fewer than 2 points the whole finite
 * curve is used:
 *
 * <ul>
 *   <li>{@code valley} (fastai's default): the longest strictly decreasing subsequence of the loss
 *       ending at index {@code e} (the first with the maximal length {@code ℓ}); with {@code s = e
 *       − ℓ} and {@code k = (e − s)/3}, the suggestion is the LR at {@code s + ⌊k⌋ + ⌊k/2⌋}
 *       (clamped to the window; fastai's index can be −1 on a 2-point curve);
 *   <li>{@code steepest}: the LR {@code η_i} with the most negative {@code (s_{i+1} − s_i)/(ln
 *       η_{i+1} − ln η_i)};
 *   <li>{@code minimum}: the LR of the minimum smoothed loss, divided by 10.
 * </ul>
 *
 * <p><b>Largest stable LR.</b> The loss measured at point {@code i} was produced by the updates up
 * to {@code i − 1}, so the LR that blew the loss up is {@link #divergenceLr()} {@code = η_{i−1}}
 * for the stop point {@code i}. It overshoots the edge of stability {@code 2/λ_max} of plain SGD:
 * past the edge the top direction grows by {@code |1 − ηλ| = 2r^k − 1} per step ({@code r} the
 * sweep's step factor), so reaching a loss growth {@code F} takes {@code k ≈ √(ln F/(2 ln r))}
 * steps and {@code η_{i−1}·λ/2 ≈ exp(√(ln F·ln r/2))}. {@link #edgeLr()} corrects this on the
 * quadratic model: once the top direction dominates, {@code L_j/L_{j−1} = (η_{j−1}λ − 1)²}, so
 * {@code λ = (1 + √(L_j/L_{j−1}))/η_{j−1}} from the last two finite raw losses, and {@code η* =
 * 2/λ}. {@link #lambdaMax()} {@code = 2/η*} (plain SGD; for heavy-ball momentum β the edge is
 * {@code 2(1+β)/λ}).
 *
 * <p>The test holds at most {@code capacity} points in preallocated arrays; {@link #add} and the
 * suggestions allocate nothing. Not thread-safe.
 */
public final class LrRangeTest {

  /** How the suggested LR is read off the curve. */
  public enum Suggestion {
    VALLEY,
    STEEPEST,
    MINIMUM;

    /** The option value: {@code valley}, {@code steepest} or {@code minimum}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The suggestion of an option value.
     *
     * @throws IllegalArgumentException naming the value when it is none of the keys
     */
    public static Suggestion ofKey(String key) {
      for (Suggestion s : values()) {
        if (s.key().equals(key)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "suggest must be one of [valley, steepest, minimum], but was '" + key + "'");
    }
  }

  /** Points fastai drops at the end of the curve before suggesting. */
  static final int SKIP_END = 5;

  private final double beta;
  private final double divFactor;
  private final double[] lr;
  private final double[] raw;
  private final double[] smooth;
  private final int[] lds;

  private int n;
  private double avg;
  private double best = Double.POSITIVE_INFINITY;
  private int stop = -1;

  /**
   * A test with room for {@code capacity} points.
   *
   * @param capacity points it can hold, {@code >= 1}
   * @param beta EMA weight of the loss smoothing, in {@code [0, 1)}
   * @param divFactor stop when the smoothed loss exceeds this × its minimum, finite {@code > 1}
   * @throws IllegalArgumentException naming the first bad value
   */
  public LrRangeTest(int capacity, double beta, double divFactor) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, but was " + capacity);
    }
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("beta must be in [0, 1), but was " + beta);
    }
    if (!(divFactor > 1) || !Double.isFinite(divFactor)) {
      throw new IllegalArgumentException("div-factor must be finite and > 1, but was " + divFactor);
    }
    this.beta = beta;
    this.divFactor = divFactor;
    lr = new double[capacity];
    raw = new double[capacity];
    smooth = new double[capacity];
    lds = new int[capacity];
  }

  /**
   * The LR of point {@code i} of a geometric sweep of {@code steps} points from {@code start} to
   * {@code end} (both included): {@code start·(end/start)^(i/(steps−1))}. (fastai's {@code
   * SchedExp} uses {@code i/steps} and so stops one factor short of {@code end}.)
   *
   * @throws IllegalArgumentException when the range or the count is invalid
   */
  public static double sweepLr(double start, double end, int steps, long i) {
    if (!(start > 0) || !Double.isFinite(start) || !(end > start) || !Double.isFinite(end)) {
      throw new IllegalArgumentException(
          "sweep range must be 0 < start < end, finite, but was " + start + " .. " + end);
    }
    if (steps < 2) {
      throw new IllegalArgumentException("sweep steps must be >= 2, but was " + steps);
    }
    long k = Math.max(0, Math.min(steps - 1, i));
    return start * Math.pow(end / start, (double) k / (steps - 1));
  }

  /**
   * Records one point: the LR applied at a step and the loss measured at it.
   *
   * @return true when the sweep must stop here (the smoothed loss exceeded {@code divFactor} × its
   *     minimum, or the loss is not finite); the point is recorded either way
   * @throws IllegalStateException when the test is full or has already stopped
   */
  public boolean add(double learningRate, double loss) {
    if (stop >= 0) {
      throw new IllegalStateException("the range test stopped at point " + stop);
    }
    if (n == lr.length) {
      throw new IllegalStateException("the range test holds " + lr.length + " points");
    }
    int i = n++;
    lr[i] = learningRate;
    raw[i] = loss;
    if (!Double.isFinite(loss)) {
      smooth[i] = Double.NaN;
      stop = i;
      return true;
    }
    avg = loss + beta * (avg - loss);
    double s = avg / (1 - Math.pow(beta, n));
    smooth[i] = s;
    if (s < best) {
      best = s;
    }
    if (s > divFactor * best || !Double.isFinite(s)) {
      stop = i;
      return true;
    }
    return false;
  }

  /** Number of recorded points. */
  public int size() {
    return n;
  }

  /** Capacity. */
  public int capacity() {
    return lr.length;
  }

  /** The LR of point {@code i}. */
  public double lr(int i) {
    check(i);
    return lr[i];
  }

  /** The (raw) loss of point {@code i}. */
  public double loss(int i) {
    check(i);
    return raw[i];
  }

  /** The smoothed loss of point {@code i} (NaN for a non-finite loss). */
  public double smoothedLoss(int i) {
    check(i);
    return smooth[i];
  }

  private void check(int i) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("point must be in [0, " + n + "), but was " + i);
    }
  }

  /** The minimum smoothed loss so far (+Inf before the first finite point). */
  public double minSmoothedLoss() {
    return best;
  }

  /** Whether the sweep stopped on a blow-up (smoothed loss above the factor, or non-finite). */
  public boolean diverged() {
    return stop >= 0;
  }

  /** Index of the point at which the sweep stopped, or −1. */
  public int stopIndex() {
    return stop;
  }

  /**
   * The suggested LR for a sweep planned over {@code planned} points (fastai's {@code num_it}: its
   * window skips the first {@code planned/10} points and the last 5 recorded); NaN when no point
   * has a finite loss.
   */
  public double suggest(Suggestion how, int planned) {
    int end = 0;
    while (end < n && Double.isFinite(smooth[end])) {
      end++;
    }
    int from = Math.max(0, planned / 10);
    int to = Math.min(end, n - SKIP_END);
    if (to - from < 2) {
      from = 0;
      to = end;
    }
    if (to - from < 1) {
      return Double.NaN;
    }
    return switch (how) {
      case VALLEY -> lr[valley(from, to)];
      case STEEPEST -> lr[steepest(from, to)];
      case MINIMUM -> lr[minimum(from, to)] / 10;
    };
  }

  /** The suggestion for a sweep planned over {@link #capacity()} points. */
  public double suggest(Suggestion how) {
    return suggest(how, lr.length);
  }

  /** fastai's valley index in {@code [from, to)} of the smoothed curve. */
  private int valley(int from, int to) {
    int m = to - from;
    int maxStart = 0;
    int maxEnd = 0;
    for (int i = 0; i < m; i++) {
      lds[i] = 1;
    }
    for (int i = 1; i < m; i++) {
      for (int j = 0; j < i; j++) {
        if (smooth[from + i] < smooth[from + j] && lds[i] < lds[j] + 1) {
          lds[i] = lds[j] + 1;
        }
        if (lds[maxEnd] < lds[i]) {
          maxEnd = i;
          maxStart = maxEnd - lds[maxEnd];
        }
      }
    }
    double sections = (maxEnd - maxStart) / 3.0;
    int idx = maxStart + (int) sections + (int) (sections / 2);
    return from + Math.max(0, Math.min(m - 1, idx));
  }

  /** Index of the steepest descent in {@code [from, to)}: the left end of the steepest segment. */
  private int steepest(int from, int to) {
    int best = from;
    double bestGrad = Double.POSITIVE_INFINITY;
    for (int i = from; i + 1 < to; i++) {
      double dx = Math.log(lr[i + 1]) - Math.log(lr[i]);
      if (!(dx != 0)) {
        continue;
      }
      double grad = (smooth[i + 1] - smooth[i]) / dx;
      if (grad < bestGrad) {
        bestGrad = grad;
        best = i;
      }
    }
    return best;
  }

  /** Index of the (first) minimum smoothed loss in {@code [from, to)}. */
  private int minimum(int from, int to) {
    int best = from;
    for (int i = from + 1; i < to; i++) {
      if (smooth[i] < smooth[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * The LR that blew the loss up: {@code η_{i−1}} for the stop point {@code i} (the last update
   * before the loss that stopped the sweep; {@code η_0} if it stopped at the first point); NaN when
   * the sweep has not diverged.
   */
  public double divergenceLr() {
    if (stop < 0) {
      return Double.NaN;
    }
    return lr[Math.max(0, stop - 1)];
  }

  /**
   * The edge of stability {@code η*} estimated from the blow-up's growth: {@code 2η_{j−1}/(1 +
   * √(L_j/L_{j−1}))} for the last two finite positive raw losses at or before the stop (exact for
   * plain SGD on a quadratic once the top direction dominates); {@link #divergenceLr()} when there
   * is no such pair or the loss did not grow between them. NaN when the sweep has not diverged.
   */
  public double edgeLr() {
    if (stop < 0) {
      return Double.NaN;
    }
    int j = stop;
    while (j >= 1 && !(positiveFinite(raw[j]) && positiveFinite(raw[j - 1]))) {
      j--;
    }
    if (j < 1) {
      return divergenceLr();
    }
    double rho = raw[j] / raw[j - 1];
    return rho > 1 ? 2 * lr[j - 1] / (1 + Math.sqrt(rho)) : lr[j - 1];
  }

  private static boolean positiveFinite(double v) {
    return v > 0 && v < Double.POSITIVE_INFINITY;
  }

  /** {@code 2/η*} with {@code η*} = {@link #edgeLr()}: λ_max for plain SGD; NaN if not diverged. */
  public double lambdaMax() {
    return 2 / edgeLr();
  }

  void writeState(PolicyState.Writer w) {
    w.putInt(n).putDouble(avg).putDouble(best).putInt(stop);
    w.putDoubles(Arrays.copyOf(lr, n));
    w.putDoubles(Arrays.copyOf(raw, n));
    w.putDoubles(Arrays.copyOf(smooth, n));
  }

  void readState(PolicyState.Reader r) {
    int m = r.getInt();
    double a = r.getDouble();
    double b = r.getDouble();
    int s = r.getInt();
    double[] l = r.getDoubles();
    double[] w = r.getDoubles();
    double[] sm = r.getDoubles();
    if (m < 0 || m > lr.length || l.length != m || w.length != m || sm.length != m || s >= m) {
      throw new IllegalArgumentException(
          "range-test state has " + l.length + " points for a capacity of " + lr.length);
    }
    System.arraycopy(l, 0, lr, 0, m);
    System.arraycopy(w, 0, raw, 0, m);
    System.arraycopy(sm, 0, smooth, 0, m);
    n = m;
    avg = a;
    best = b;
    stop = s;
  }
}
