package dev.governor.control;

import java.util.Arrays;

/**
 * A gradient-clip threshold rule of the gear ({@link GearedPolicy}, option {@code clip}): a fixed
 * threshold, or an adaptive rule that reads the pre-clip gradient norms — {@link ZClip} or {@link
 * AutoClip}.
 *
 * <p><b>One-step delay.</b> The published rules clip the gradient of step {@code t} with a
 * threshold computed from norms up to and including {@code ‖g_t‖}. A governed plant applies the
 * threshold a policy decided after step {@code t} to step {@code t + 1}, before that gradient
 * exists. So here the threshold for step {@code t + 1} is the rule's threshold computed from the
 * norms up to {@code t} ({@link #observe} folds {@code ‖g_t‖} in, {@link #threshold()} is then the
 * value for step {@code t + 1}); each class says what that means for its rule.
 *
 * <p>NaN/Inf: a NaN, infinite or negative gradient norm is "not measured" — the statistics are not
 * updated and the threshold stays as it was. The threshold is always {@code > 0} and never NaN;
 * {@code +Inf} means no clipping (before the statistics exist, or when they give no positive
 * threshold, e.g. all gradient norms 0). Not thread-safe.
 */
abstract class ClipRule {

  /** The threshold for the next step: {@code > 0}, {@code +Inf} = no clipping, never NaN. */
  abstract double threshold();

  /** Folds in the pre-clip gradient norm of the step just observed. */
  abstract void observe(double gradNorm);

  abstract void writeState(PolicyState.Writer w);

  abstract void readState(PolicyState.Reader r);

  /** Whether the rule ignores the gradient norms. */
  boolean fixed() {
    return false;
  }

  static boolean measured(double g) {
    return g >= 0 && g < Double.POSITIVE_INFINITY;
  }

  /** A positive finite threshold, or +Inf in its place. */
  static double orNoClip(double c) {
    return c > 0 && c < Double.POSITIVE_INFINITY ? c : Hyperparameters.NO_CLIP;
  }

  /** A fixed threshold ({@code +Inf} = no clipping); stateless. */
  static final class Fixed extends ClipRule {
    private final double clip;

    Fixed(double clip) {
      if (!(clip > 0)) {
        throw new IllegalArgumentException(
            "clip must be > 0 (or inf for no clipping), but was " + clip);
      }
      this.clip = clip;
    }

    @Override
    double threshold() {
      return clip;
    }

    @Override
    void observe(double gradNorm) {}

    @Override
    boolean fixed() {
      return true;
    }

    @Override
    void writeState(PolicyState.Writer w) {}

    @Override
    void readState(PolicyState.Reader r) {}
  }

  /**
   * ZClip (Kumar et al. 2025, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training"; reference
   * code bluorion-com/ZClip, {@code mode="zscore"}, {@code clip_option="adaptive_scaling"}, {@code
   * clip_factor=1}, no {@code max_grad_norm}).
   *
   * <p>Warm-up: the first {@code warmup} measured norms are collected without clipping; then {@code
   * μ} = their mean and {@code σ²} = their population variance. After that, for each norm {@code
   * g}: {@code z = (g − μ)/(σ + ε)} ({@code ε = 1e-6}); the effective norm is {@code g' = μ +
   * (z_thr²/z)·σ} when {@code z > z_thr} (the "reciprocal" threshold: the larger the outlier, the
   * harder the clip), else {@code g' = g}; then {@code μ ← α·μ + (1−α)·g'} and {@code σ² ← α·σ² +
   * (1−α)·(g' − μ)²} with the updated {@code μ}, as in the reference.
   *
   * <p>One-step delay: the reference's threshold depends on the z-score of the gradient it clips,
   * which the plant's threshold for step {@code t + 1} cannot know. The threshold for step {@code t
   * + 1} is {@code μ_t + z_thr·σ_t·min(1, z_thr/z_t)}: ZClip's threshold evaluated with the
   * statistics up to step {@code t} and the z-score {@code z_t} of step {@code t}. After a normal
   * step it is {@code μ + z_thr·σ}, the norm above which ZClip starts clipping (any larger gradient
   * is clipped to the level ZClip lets through at the z-threshold); after a spike of z-score {@code
   * z_t > z_thr} it is the reciprocal threshold {@code μ + (z_thr²/z_t)·σ}, tightened for the next
   * step. The statistics follow the reference exactly for the observed pre-clip norms.
   */
  static final class ZClip extends ClipRule {
    static final double EPS = 1e-6;

    private final double alpha;
    private final double zThr;
    private final double[] warm;

    private int n;
    private boolean ready;
    private double mean = Double.NaN;
    private double var = Double.NaN;
    private double clip = Hyperparameters.NO_CLIP;

    /**
     * @param alpha EMA weight of the old statistics, in {@code (0, 1)}
     * @param zThr z-score threshold, finite {@code > 0}
     * @param warmup norms collected before the statistics exist, {@code >= 1}
     */
    ZClip(double alpha, double zThr, int warmup) {
      if (!(alpha > 0 && alpha < 1)) {
        throw new IllegalArgumentException("zclip alpha must be in (0, 1), but was " + alpha);
      }
      if (!(zThr > 0) || !Double.isFinite(zThr)) {
        throw new IllegalArgumentException("zclip z must be finite and > 0, but was " + zThr);
      }
      if (warmup < 1) {
        throw new IllegalArgumentException("zclip warmup must be >= 1, but was " + warmup);
      }
      this.alpha = alpha;
      this.zThr = zThr;
      this.warm = new double[warmup];
    }

    @Override
    double threshold() {
      return clip;
    }

    /** The EMA mean of the norms (NaN during warm-up). */
    double mean() {
      return mean;
    }

    /** The EMA variance of the norms (NaN during warm-up). */
    double variance() {
      return var;
    }

    @Override
    void observe(double g) {
      if (!measured(g)) {
        return;
      }
      if (!ready) {
        warm[n++] = g;
        if (n == warm.length) {
          double s = 0;
          for (double x : warm) {
            s += x;
          }
          mean = s / n;
          double q = 0;
          for (double x : warm) {
            q += (x - mean) * (x - mean);
          }
          var = q / n;
          ready = true;
          clip = orNoClip(mean + zThr * Math.sqrt(var));
        }
        return;
      }
      double sd = Math.sqrt(var);
      double z = (g - mean) / (sd + EPS);
      double eff = z > zThr ? mean + zThr * sd / (z / zThr) : g;
      mean = alpha * mean + (1 - alpha) * eff;
      var = alpha * var + (1 - alpha) * (eff - mean) * (eff - mean);
      double sdNew = Math.sqrt(var);
      clip = orNoClip(mean + (z > zThr ? zThr * zThr / z : zThr) * sdNew);
    }

    @Override
    void writeState(PolicyState.Writer w) {
      w.putInt(n).putBoolean(ready).putDouble(mean).putDouble(var).putDouble(clip);
      w.putDoubles(Arrays.copyOf(warm, n));
    }

    @Override
    void readState(PolicyState.Reader r) {
      int m = r.getInt();
      boolean rd = r.getBoolean();
      double mu = r.getDouble();
      double v = r.getDouble();
      double c = r.getDouble();
      double[] buf = r.getDoubles();
      if (m < 0 || m > warm.length || buf.length != m || !(c > 0)) {
        throw new IllegalArgumentException(
            "zclip state has " + buf.length + " warm-up norms for a warm-up of " + warm.length);
      }
      System.arraycopy(buf, 0, warm, 0, m);
      n = m;
      ready = rd;
      mean = mu;
      var = v;
      clip = c;
    }
  }

  /**
   * AutoClip (Seetharaman et al. 2020, "AutoClip: Adaptive Gradient Clipping for Source Separation
   * Networks"): the threshold is the {@code p}-th percentile of all gradient norms observed so far
   * (NumPy's {@code np.percentile}, linear interpolation between order statistics, as the reference
   * code calls it).
   *
   * <p>One-step delay: the reference appends {@code ‖g_t‖} to the history and clips {@code g_t}
   * with the percentile of the history including it; here the percentile of the norms up to step
   * {@code t} is the threshold of step {@code t + 1} (no clipping at step 0, before any norm).
   *
   * <p>The history is kept in two heaps (the {@code ⌊p/100·(n−1)⌋ + 1} smallest norms in a
   * max-heap, the rest in a min-heap), so a step costs {@code O(log n)} and the percentile is read
   * in {@code O(1)}. The heaps grow by doubling (the only allocation, amortized over the run); the
   * snapshot holds the whole history ({@code 8n} bytes).
   */
  static final class AutoClip extends ClipRule {
    private final double q;
    private final Heap low = new Heap(true); // max-heap of the smallest norms
    private final Heap high = new Heap(false); // min-heap of the rest
    private double clip = Hyperparameters.NO_CLIP;

    /**
     * @param percentile the percentile, in {@code [0, 100]}
     */
    AutoClip(double percentile) {
      if (!(percentile >= 0 && percentile <= 100)) {
        throw new IllegalArgumentException(
            "autoclip percentile must be in [0, 100], but was " + percentile);
      }
      this.q = percentile / 100;
    }

    @Override
    double threshold() {
      return clip;
    }

    /** Number of norms in the history. */
    int size() {
      return low.size() + high.size();
    }

    @Override
    void observe(double g) {
      if (!measured(g)) {
        return;
      }
      if (low.size() > 0 && g > low.top()) {
        high.push(g);
      } else {
        low.push(g);
      }
      int n = low.size() + high.size();
      double pos = q * (n - 1);
      int lo = (int) Math.floor(pos);
      while (low.size() > lo + 1) {
        high.push(low.pop());
      }
      while (low.size() < lo + 1) {
        low.push(high.pop());
      }
      double a = low.top();
      double t = pos - lo;
      double v = a;
      if (t > 0 && high.size() > 0) {
        double b = high.top();
        double diff = b - a;
        // np.percentile's lerp: a + (b − a)·t, or b − (b − a)·(1 − t) for t >= 0.5
        v = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
      }
      clip = orNoClip(v);
    }

    @Override
    void writeState(PolicyState.Writer w) {
      w.putDouble(clip);
      w.putDoubles(low.toArray());
      w.putDoubles(high.toArray());
    }

    @Override
    void readState(PolicyState.Reader r) {
      double c = r.getDouble();
      double[] l = r.getDoubles();
      double[] h = r.getDoubles();
      if (!(c > 0)) {
        throw new IllegalArgumentException("autoclip state threshold must be > 0, but was " + c);
      }
      low.load(l);
      high.load(h);
      clip = c;
    }

    /**
     * A binary heap of doubles with the largest ({@code max}) or the smallest on top, in an array
     * that grows by doubling.
     */
    private static final class Heap {
      private final boolean max;
      private double[] a = new double[64];
      private int n;

      Heap(boolean max) {
        this.max = max;
      }

      int size() {
        return n;
      }

      /** The top value; only when {@link #size} is {@code > 0}. */
      double top() {
        return a[0];
      }

      void push(double x) {
        if (n == a.length) {
          a = Arrays.copyOf(a, 2 * n);
        }
        int i = n++;
        a[i] = x;
        while (i > 0) {
          int p = (i - 1) / 2;
          if (!above(a[i], a[p])) {
            break;
          }
          swap(p, i);
          i = p;
        }
      }

      double pop() {
        double top = a[0];
        a[0] = a[--n];
        int i = 0;
        while (true) {
          int l = 2 * i + 1;
          int r = l + 1;
          int m = i;
          if (l < n && above(a[l], a[m])) {
            m = l;
          }
          if (r < n && above(a[r], a[m])) {
            m = r;
          }
          if (m == i) {
            return top;
          }
          swap(i, m);
          i = m;
        }
      }

      /** The values in heap order. */
      double[] toArray() {
        return Arrays.copyOf(a, n);
      }

      /** Replaces the contents with {@code values}, already in heap order. */
      void load(double[] values) {
        a = Arrays.copyOf(values, Math.max(64, values.length));
        n = values.length;
      }

      /** Whether {@code x} belongs above {@code y}. */
      private boolean above(double x, double y) {
        return max ? x > y : x < y;
      }

      private void swap(int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
    }
  }
}
