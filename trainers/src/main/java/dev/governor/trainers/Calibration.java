package dev.governor.trainers;

import java.util.Arrays;
import java.util.Comparator;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * How far a classifier's confidence can be trusted: expected calibration error (equal-width and
 * equal-mass bins), negative log-likelihood and Brier score of a probability matrix against the
 * labels, and temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"):
 * one scalar {@code T > 0} dividing the logits, fitted by minimising the NLL on held-out data.
 *
 * <p>Conventions. A probability matrix has one row per example and one column per class, each row a
 * distribution. The prediction of a row is its argmax (the first maximum on ties) and its
 * confidence the maximum. ECE is {@code Σ_b |B_b|/n · |acc(B_b) − conf(B_b)|} over the non-empty
 * bins. Equal-width bins are {@code (k/B, (k+1)/B]} ({@code k = 0..B−1}, confidence 0 falls into
 * the first); equal-mass bins sort the examples by confidence (stable, so ties keep their order)
 * and cut them into {@code B} contiguous groups whose sizes differ by at most one, the first {@code
 * n mod B} groups one larger (NumPy's {@code array_split}). NLL is {@code −mean log p_y}, with
 * {@code p_y} raised to {@link #MIN_PROB} so that a zero probability costs a finite {@code
 * −log(1e-15) ≈ 34.5} (as scikit-learn's {@code log_loss}). Brier is the multi-class score {@code
 * mean Σ_k (p_k − [k = y])²}, in {@code [0, 2]}.
 *
 * <p>NaN and infinity: a metric of a matrix holding a non-finite entry is NaN (a diverged model is
 * reported as such, never as a number); {@link #fitTemperature} returns NaN for non-finite logits.
 * Nothing here reads the clock or a random source: the results are functions of the inputs.
 */
public final class Calibration {
  private Calibration() {}

  /** Bins used by the reports (Guo et al. use 15). */
  public static final int DEFAULT_BINS = 15;

  /** Training images the temperature is fitted on when a run has no separate validation split. */
  public static final int FIT_EXAMPLES = 5000;

  /** The floor of {@code p_y} in the NLL and of every probability in {@link #logits}. */
  public static final double MIN_PROB = 1e-15;

  /** The temperature search interval, {@code [MIN_T, MAX_T]}; a fit at its edge is clamped. */
  public static final double MIN_T = 0.01;

  /** The upper end of the temperature search interval. */
  public static final double MAX_T = 100;

  /**
   * Calibration figures of one probability matrix.
   *
   * @param ece expected calibration error with equal-width bins, in [0, 1]
   * @param eceEqualMass expected calibration error with equal-mass bins, in [0, 1]
   * @param nll mean negative log-likelihood of the labels, {@code >= 0}
   * @param brier multi-class Brier score, in [0, 2]
   * @param accuracy fraction of rows whose argmax is the label
   */
  public record Metrics(
      double ece, double eceEqualMass, double nll, double brier, double accuracy) {

    /** The figures of {@code p} against {@code y} with {@code bins} bins of either kind. */
    public static Metrics of(double[][] p, int[] y, int bins) {
      return new Metrics(
          Calibration.ece(p, y, bins),
          Calibration.eceEqualMass(p, y, bins),
          Calibration.nll(p, y),
          Calibration.brier(p, y),
          acc(p, y));
    }

    private static double acc(double[][] p, int[] y) {
      if (!measurable(p, y)) {
        return Double.NaN;
      }
      int hits = 0;
      for (int i = 0; i < p.length; i++) {
        hits += argmax(p[i]) == y[i] ? 1 : 0;
      }
      return (double) hits / p.length;
    }
  }

  /**
   * Calibration of a model on the test set before and after temperature scaling.
   *
   * @param before the test-set figures of the model's own probabilities
   * @param temperature the fitted temperature, in [{@link #MIN_T}, {@link #MAX_T}] (NaN when the
   *     model's outputs are not finite)
   * @param after the test-set figures of the probabilities at {@code temperature}
   * @param bins bins of the ECEs
   * @param testExamples examples of the test set
   * @param fitSplit which examples the temperature was fitted on, in words
   * @param fitExamples how many
   * @param fitNllBefore NLL on the fit split at {@code T = 1}
   * @param fitNllAfter NLL on the fit split at {@code temperature}
   * @param reliability the test set's reliability diagram before scaling (null: not finite)
   * @param reliabilityAfter the same after scaling (null: no temperature)
   */
  public record Report(
      Metrics before,
      double temperature,
      Metrics after,
      int bins,
      int testExamples,
      String fitSplit,
      int fitExamples,
      double fitNllBefore,
      double fitNllAfter,
      Reliability reliability,
      Reliability reliabilityAfter) {

    /**
     * Fits the temperature on ({@code fitProbs}, {@code fitY}) and measures ({@code testProbs},
     * {@code testY}) before and after it. Probabilities become logits by {@link #logits}.
     */
    public static Report of(
        double[][] testProbs,
        int[] testY,
        double[][] fitProbs,
        int[] fitY,
        int bins,
        String fitSplit) {
      Metrics before = Metrics.of(testProbs, testY, bins);
      double[][] fitLogits = logits(fitProbs);
      double t = fitTemperature(fitLogits, fitY);
      double[][] scaled = Double.isNaN(t) ? null : softmax(logits(testProbs), t);
      Metrics after =
          scaled == null
              ? new Metrics(Double.NaN, Double.NaN, Double.NaN, Double.NaN, before.accuracy())
              : Metrics.of(scaled, testY, bins);
      return new Report(
          before,
          t,
          after,
          bins,
          testY.length,
          fitSplit,
          fitY.length,
          logitNll(fitLogits, fitY, 1),
          Double.isNaN(t) ? Double.NaN : logitNll(fitLogits, fitY, t),
          Calibration.reliability(testProbs, testY, bins),
          scaled == null ? null : Calibration.reliability(scaled, testY, bins));
    }
  }

  /**
   * The reliability diagram's data: per equal-width confidence bin {@code (k/B, (k+1)/B]} (a
   * confidence of 0 goes into the first), the mean confidence of the top class, the accuracy and
   * the number of examples; NaN mean and accuracy for an empty bin.
   *
   * @param confidence mean top-class probability per bin
   * @param accuracy fraction of the bin's examples whose top class is the label
   * @param count examples per bin
   */
  public record Reliability(double[] confidence, double[] accuracy, int[] count) {
    /** Copies the arrays (the record is immutable). */
    public Reliability {
      confidence = confidence.clone();
      accuracy = accuracy.clone();
      count = count.clone();
    }

    @Override
    public double[] confidence() {
      return confidence.clone();
    }

    @Override
    public double[] accuracy() {
      return accuracy.clone();
    }

    @Override
    public int[] count() {
      return count.clone();
    }

    /** Number of bins. */
    public int bins() {
      return count.length;
    }

    /**
     * {@code Σ_b (n_b / n)·|acc_b − conf_b|}: the equal-width expected calibration error; NaN when
     * no example was binned.
     */
    public double ece() {
      double e = 0;
      long n = 0;
      for (int b = 0; b < count.length; b++) {
        if (count[b] > 0) {
          e += count[b] * Math.abs(accuracy[b] - confidence[b]);
          n += count[b];
        }
      }
      return n == 0 ? Double.NaN : e / n;
    }
  }

  /**
   * The reliability diagram of {@code p} against {@code y} with {@code bins} equal-width bins; null
   * when a probability is not finite (a diverged model has no diagram).
   */
  public static Reliability reliability(double[][] p, int[] y, int bins) {
    check(p, y);
    checkBins(bins);
    if (!finite(p)) {
      return null;
    }
    double[] conf = new double[bins];
    double[] hits = new double[bins];
    int[] count = new int[bins];
    for (int i = 0; i < p.length; i++) {
      int k = argmax(p[i]);
      double c = p[i][k];
      int b = (int) Math.ceil(c * bins) - 1;
      b = Math.max(0, Math.min(bins - 1, b));
      conf[b] += c;
      hits[b] += k == y[i] ? 1 : 0;
      count[b]++;
    }
    for (int b = 0; b < bins; b++) {
      conf[b] = count[b] > 0 ? conf[b] / count[b] : Double.NaN;
      hits[b] = count[b] > 0 ? hits[b] / count[b] : Double.NaN;
    }
    return new Reliability(conf, hits, count);
  }

  /**
   * Expected calibration error of {@code p} against {@code y} with {@code bins} equal-width bins.
   */
  public static double ece(double[][] p, int[] y, int bins) {
    Reliability r = reliability(p, y, bins);
    return r == null ? Double.NaN : r.ece();
  }

  /**
   * Expected calibration error of {@code p} against {@code y} with {@code bins} equal-mass bins.
   */
  public static double eceEqualMass(double[][] p, int[] y, int bins) {
    check(p, y);
    checkBins(bins);
    if (!finite(p)) {
      return Double.NaN;
    }
    int n = p.length;
    double[] c = new double[n];
    boolean[] hit = new boolean[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      int k = argmax(p[i]);
      c[i] = p[i][k];
      hit[i] = k == y[i];
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> c[i])); // stable
    double e = 0;
    int from = 0;
    for (int b = 0; b < bins; b++) {
      int size = n / bins + (b < n % bins ? 1 : 0);
      double conf = 0;
      double hits = 0;
      for (int j = from; j < from + size; j++) {
        conf += c[order[j]];
        hits += hit[order[j]] ? 1 : 0;
      }
      e += Math.abs(hits - conf);
      from += size;
    }
    return e / n;
  }

  /** Mean negative log-likelihood of the labels, {@code p_y} floored at {@link #MIN_PROB}. */
  public static double nll(double[][] p, int[] y) {
    if (!measurable(p, y)) {
      return Double.NaN;
    }
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s -= Math.log(Math.max(MIN_PROB, p[i][y[i]]));
    }
    return s / p.length;
  }

  /** Multi-class Brier score: the mean over rows of {@code Σ_k (p_k − [k = y])²}. */
  public static double brier(double[][] p, int[] y) {
    if (!measurable(p, y)) {
      return Double.NaN;
    }
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      for (int k = 0; k < p[i].length; k++) {
        double d = p[i][k] - (k == y[i] ? 1 : 0);
        s += d * d;
      }
    }
    return s / p.length;
  }

  /**
   * Logits whose softmax is {@code p}: {@code log max(p, MIN_PROB)} (a softmax is unchanged by a
   * per-row shift, so the log-probabilities serve as logits). NaN stays NaN.
   */
  public static double[][] logits(double[][] p) {
    double[][] z = new double[p.length][];
    for (int i = 0; i < p.length; i++) {
      z[i] = new double[p[i].length];
      for (int k = 0; k < p[i].length; k++) {
        double v = p[i][k];
        z[i][k] = Double.isNaN(v) ? Double.NaN : Math.log(Math.max(MIN_PROB, v));
      }
    }
    return z;
  }

  /**
   * The rows' softmax of {@code z / t}, computed stably (the row maximum subtracted first).
   *
   * @throws IllegalArgumentException when {@code t} is not finite and positive
   */
  public static double[][] softmax(double[][] z, double t) {
    checkT(t);
    double[][] p = new double[z.length][];
    for (int i = 0; i < z.length; i++) {
      double m = Double.NEGATIVE_INFINITY;
      for (double v : z[i]) {
        m = Math.max(m, v);
      }
      double s = 0;
      p[i] = new double[z[i].length];
      for (int k = 0; k < z[i].length; k++) {
        p[i][k] = Math.exp((z[i][k] - m) / t);
        s += p[i][k];
      }
      for (int k = 0; k < z[i].length; k++) {
        p[i][k] /= s;
      }
    }
    return p;
  }

  /**
   * Mean negative log-likelihood of the labels under the softmax of {@code z / t}, by log-sum-exp
   * (exact, no floor); NaN or infinite when a logit is not finite.
   */
  public static double logitNll(double[][] z, int[] y, double t) {
    check(z, y);
    checkT(t);
    double s = 0;
    for (int i = 0; i < z.length; i++) {
      double m = Double.NEGATIVE_INFINITY;
      for (double v : z[i]) {
        m = Math.max(m, v);
      }
      double e = 0;
      for (double v : z[i]) {
        e += Math.exp((v - m) / t);
      }
      s += (m - z[i][y[i]]) / t + Math.log(e);
    }
    return s / z.length;
  }

  /**
   * The temperature minimising {@link #logitNll} of ({@code z}, {@code y}) over [{@link #MIN_T},
   * {@link #MAX_T}], by Brent's method on {@code log T}. The NLL is convex in {@code 1/T} (a
   * log-sum-exp of a linear function minus a linear function), hence unimodal in {@code log T}, so
   * the search finds the global minimum of the interval. NaN when a logit is not finite.
   */
  public static double fitTemperature(double[][] z, int[] y) {
    if (!measurable(z, y)) {
      return Double.NaN;
    }
    BrentOptimizer brent = new BrentOptimizer(1e-10, 1e-12);
    UnivariatePointValuePair best =
        brent.optimize(
            new MaxEval(500),
            GoalType.MINIMIZE,
            new UnivariateObjectiveFunction(u -> logitNll(z, y, Math.exp(u))),
            new SearchInterval(Math.log(MIN_T), Math.log(MAX_T), 0));
    return Math.max(MIN_T, Math.min(MAX_T, Math.exp(best.getPoint())));
  }

  static int argmax(double[] row) {
    int k = 0;
    for (int j = 1; j < row.length; j++) {
      if (row[j] > row[k]) {
        k = j;
      }
    }
    return k;
  }

  /**
   * Checks the shapes of {@code p} and {@code y} ({@link #check}); whether every value is finite.
   */
  private static boolean measurable(double[][] p, int[] y) {
    check(p, y);
    return finite(p);
  }

  private static boolean finite(double[][] a) {
    for (double[] r : a) {
      for (double v : r) {
        if (!Double.isFinite(v)) {
          return false;
        }
      }
    }
    return true;
  }

  private static void check(double[][] p, int[] y) {
    if (p.length == 0) {
      throw new IllegalArgumentException("examples must be >= 1, but was 0");
    }
    if (p.length != y.length) {
      throw new IllegalArgumentException(
          "labels must be one per row (" + p.length + "), but were " + y.length);
    }
    int classes = p[0].length;
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be >= 2, but was " + classes);
    }
    for (int i = 0; i < p.length; i++) {
      if (p[i].length != classes) {
        throw new IllegalArgumentException(
            "row " + i + " must have " + classes + " columns, but had " + p[i].length);
      }
      if (y[i] < 0 || y[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + i + " must be in [0, " + classes + "), but was " + y[i]);
      }
    }
  }

  private static void checkBins(int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be >= 1, but was " + bins);
    }
  }

  private static void checkT(double t) {
    if (!(t > 0) || t == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("temperature must be finite and > 0, but was " + t);
    }
  }
}
