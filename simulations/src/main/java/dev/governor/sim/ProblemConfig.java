package dev.governor.sim;

import dev.governor.control.PolicySpec;
import java.util.Locale;

/**
 * The immutable, validated description of a synthetic problem; {@link #create(long)} builds it from
 * a seed. Text form (as for policies): {@code nqm(dim=100, lambda-max=1.0, ...)}, parsed by {@link
 * #parse(String)}; {@link #toString()} writes it back.
 */
public sealed interface ProblemConfig
    permits ProblemConfig.Nqm, ProblemConfig.Rosenbrock, ProblemConfig.LogReg {

  /** Problem name. */
  String name();

  /** Mini-batch size. */
  int batch();

  /** Builds the problem; everything random about it comes from {@code seed}. */
  Problem create(long seed);

  /** A copy with another batch size. */
  ProblemConfig withBatch(int batch);

  /**
   * Parses {@code nqm(...)}, {@code rosenbrock(...)} or {@code logreg(...)}; absent keys take their
   * defaults.
   *
   * @throws IllegalArgumentException naming the key and value that are wrong
   */
  static ProblemConfig parse(String text) {
    PolicySpec s = PolicySpec.parse(text);
    for (String k : s.options().keySet()) {
      if (!allowedKeys(s.name()).contains("," + k + ",")) {
        throw new IllegalArgumentException(
            "problem "
                + s.name()
                + " has no option '"
                + k
                + "' (options: "
                + allowedKeys(s.name()).replaceAll("^,|,$", "").replace(",", ", ")
                + ")");
      }
    }
    return switch (s.name()) {
      case "nqm" -> {
        Nqm d = Nqm.defaults();
        if (s.has("exponent") && s.has("spectrum-exponent")) {
          throw new IllegalArgumentException(
              "problem nqm takes exponent or spectrum-exponent (the same option), not both");
        }
        String exp = s.has("spectrum-exponent") ? "spectrum-exponent" : "exponent";
        yield new Nqm(
            intOpt(s, "dim", d.dim()),
            s.getDouble("lambda-max", d.lambdaMax()),
            s.getDouble(exp, d.exponent()),
            NoiseKind.parse(s.getString("noise", d.noise().id())),
            s.getDouble("noise-scale", d.noiseScale()),
            intOpt(s, "batch", d.batch()),
            s.getDouble("optimum-scale", d.optimumScale()),
            s.getDouble("start-scale", d.startScale()));
      }
      case "rosenbrock" -> {
        Rosenbrock d = Rosenbrock.defaults();
        yield new Rosenbrock(
            intOpt(s, "dim", d.dim()),
            s.getDouble("noise-scale", d.noiseScale()),
            intOpt(s, "batch", d.batch()));
      }
      case "logreg" -> {
        LogReg d = LogReg.defaults();
        yield new LogReg(
            intOpt(s, "dim", d.dim()),
            intOpt(s, "examples", d.examples()),
            intOpt(s, "batch", d.batch()),
            intOpt(s, "val-examples", d.valExamples()),
            intOpt(s, "val-every", d.valEvery()));
      }
      default ->
          throw new IllegalArgumentException(
              "problem must be nqm, rosenbrock or logreg, but was '" + s.name() + "'");
    };
  }

  private static String allowedKeys(String name) {
    return switch (name) {
      case "nqm" ->
          ",dim,lambda-max,exponent,spectrum-exponent,noise,noise-scale,batch,optimum-scale,start-scale,";
      case "rosenbrock" -> ",dim,noise-scale,batch,";
      case "logreg" -> ",dim,examples,batch,val-examples,val-every,";
      default ->
          throw new IllegalArgumentException(
              "problem must be nqm, rosenbrock or logreg, but was '" + name + "'");
    };
  }

  private static int intOpt(PolicySpec s, String key, int fallback) {
    long v = s.getLong(key, fallback);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(s.name() + "." + key + " must be an int, but was " + v);
    }
    return (int) v;
  }

  private static void positive(String what, double v) {
    if (!(v > 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(what + " must be finite and > 0, but was " + v);
    }
  }

  private static void nonNegative(String what, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(what + " must be finite and >= 0, but was " + v);
    }
  }

  private static void atLeast(String what, int v, int min) {
    if (v < min) {
      throw new IllegalArgumentException(what + " must be >= " + min + ", but was " + v);
    }
  }

  private static String num(double v) {
    return String.valueOf(v);
  }

  /**
   * The noisy quadratic model L(x) = ½ Σ h<sub>i</sub>(x<sub>i</sub> − x*<sub>i</sub>)² with
   * h<sub>i</sub> = λ<sub>max</sub>·i<sup>−a</sup>, i = 1..D.
   *
   * <p>Mini-batch gradient g = H(x − x*) + ξ with ξ<sub>i</sub> ~ N(0, s²w<sub>i</sub>/B),
   * w<sub>i</sub> = 1 ({@code isotropic}) or h<sub>i</sub> ({@code curvature}). The mini-batch loss
   * is the one consistent with that gradient in the per-sample model of Zhang et al. (2019): each
   * sample is the quadratic centred at a shifted optimum x* + c, so the mini-batch loss is ½ Σ
   * h<sub>i</sub>(x<sub>i</sub> − x*<sub>i</sub> − c̄<sub>i</sub>)² = ½ Σ
   * g<sub>i</sub>²/h<sub>i</sub> — always ≥ 0, with the irreducible mean offset ½ Σ
   * s²w<sub>i</sub>/(B h<sub>i</sub>) a real data set also has. The exact loss (the expected loss
   * minus that offset) has minimum 0 at x*.
   *
   * <p>x* ~ N(0, optimumScale²) per coordinate (a realistic, non-zero parameter norm, so
   * update/parameter ratios behave like a network's), start x₀ = x* + N(0, startScale²).
   *
   * @param dim D, >= 1
   * @param lambdaMax λ<sub>max</sub>, finite > 0
   * @param exponent a, finite >= 0
   * @param noise isotropic or curvature
   * @param noiseScale s², per-sample gradient-noise variance, finite >= 0
   * @param batch B, >= 1
   * @param optimumScale standard deviation of the optimum's coordinates, finite >= 0
   * @param startScale standard deviation of the start's offset from the optimum, finite > 0
   */
  record Nqm(
      int dim,
      double lambdaMax,
      double exponent,
      NoiseKind noise,
      double noiseScale,
      int batch,
      double optimumScale,
      double startScale)
      implements ProblemConfig {

    /** Validates every value. */
    public Nqm {
      atLeast("nqm.dim", dim, 1);
      positive("nqm.lambda-max", lambdaMax);
      nonNegative("nqm.exponent", exponent);
      if (dim > 1 && !(lambdaMax * Math.pow(dim, -exponent) >= Double.MIN_NORMAL)) {
        // beyond this the smallest curvatures underflow to zero (or subnormals): no such plant
        throw new IllegalArgumentException(
            String.format(
                java.util.Locale.ROOT,
                "nqm.exponent must be at most %.4g for dim %d and lambda-max %s (the smallest"
                    + " curvature lambda-max * dim^-exponent must be a normal double), but was %s",
                Math.log(lambdaMax / Double.MIN_NORMAL) / Math.log(dim),
                dim,
                lambdaMax,
                exponent));
      }
      if (noise == null) {
        throw new IllegalArgumentException(
            "nqm.noise must be isotropic or curvature, but was null");
      }
      nonNegative("nqm.noise-scale", noiseScale);
      atLeast("nqm.batch", batch, 1);
      nonNegative("nqm.optimum-scale", optimumScale);
      positive("nqm.start-scale", startScale);
    }

    /** D = 100, λ<sub>max</sub> = 1, a = 1, curvature noise, s² = 1, B = 16, scales 1. */
    public static Nqm defaults() {
      return new Nqm(100, 1.0, 1.0, NoiseKind.CURVATURE, 1.0, 16, 1.0, 1.0);
    }

    @Override
    public String name() {
      return "nqm";
    }

    @Override
    public Problem create(long seed) {
      return new NqmProblem(this, seed);
    }

    @Override
    public Nqm withBatch(int b) {
      return new Nqm(dim, lambdaMax, exponent, noise, noiseScale, b, optimumScale, startScale);
    }

    /** A copy with other noise. */
    public Nqm withNoise(NoiseKind kind, double s2) {
      return new Nqm(dim, lambdaMax, exponent, kind, s2, batch, optimumScale, startScale);
    }

    /** A copy with another spectrum. */
    public Nqm withSpectrum(int d, double lmax, double a) {
      return new Nqm(d, lmax, a, noise, noiseScale, batch, optimumScale, startScale);
    }

    /** Curvature h<sub>i</sub> of coordinate i (0-based). */
    public double curvature(int i) {
      return lambdaMax * Math.pow(i + 1, -exponent);
    }

    /** Every curvature h<sub>0</sub> … h<sub>D−1</sub> (largest first). */
    public double[] spectrum() {
      double[] h = new double[dim];
      for (int i = 0; i < dim; i++) {
        h[i] = curvature(i);
      }
      return h;
    }

    /**
     * Per-coordinate gradient-noise variance of a mini-batch, s²·w<sub>i</sub>/B (w<sub>i</sub> = 1
     * or h<sub>i</sub>).
     */
    public double[] noiseVariances() {
      double[] s = new double[dim];
      for (int i = 0; i < dim; i++) {
        double w = noise == NoiseKind.ISOTROPIC ? 1.0 : curvature(i);
        s[i] = noiseScale * w / batch;
      }
      return s;
    }

    /**
     * The exact stationary expected loss of constant-η SGD (docs/theory.md): (η s²/2B) Σ
     * w<sub>i</sub>/(2 − η h<sub>i</sub>); +Inf when η ≥ 2/λ<sub>max</sub>.
     */
    public double stationaryLoss(double eta) {
      double sum = 0;
      for (int i = 0; i < dim; i++) {
        double h = curvature(i);
        double w = noise == NoiseKind.ISOTROPIC ? 1.0 : h;
        if (!(eta * h < 2)) {
          return Double.POSITIVE_INFINITY;
        }
        sum += w / (2 - eta * h);
      }
      return eta * noiseScale / (2.0 * batch) * sum;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "nqm(batch=%d, dim=%d, exponent=%s, lambda-max=%s, noise=%s, noise-scale=%s,"
              + " optimum-scale=%s, start-scale=%s)",
          batch,
          dim,
          num(exponent),
          num(lambdaMax),
          noise.id(),
          num(noiseScale),
          num(optimumScale),
          num(startScale));
    }
  }

  /**
   * The chained Rosenbrock function f(x) = Σ<sub>i&lt;D</sub> 100(x<sub>i+1</sub> −
   * x<sub>i</sub>²)² + (1 − x<sub>i</sub>)², minimum 0 at (1, …, 1), with isotropic additive
   * gradient noise of variance s²/B per coordinate. The mini-batch loss reported is the exact f
   * (only the gradient is noisy). Start: (−1.2, 1, −1.2, 1, …) plus N(0, 0.1²) per coordinate.
   *
   * @param dim D >= 2
   * @param noiseScale s², finite >= 0
   * @param batch B >= 1
   */
  record Rosenbrock(int dim, double noiseScale, int batch) implements ProblemConfig {

    /** Validates every value. */
    public Rosenbrock {
      atLeast("rosenbrock.dim", dim, 2);
      nonNegative("rosenbrock.noise-scale", noiseScale);
      atLeast("rosenbrock.batch", batch, 1);
    }

    /** D = 2, s² = 1, B = 16. */
    public static Rosenbrock defaults() {
      return new Rosenbrock(2, 1.0, 16);
    }

    @Override
    public String name() {
      return "rosenbrock";
    }

    @Override
    public Problem create(long seed) {
      return new RosenbrockProblem(this, seed);
    }

    @Override
    public Rosenbrock withBatch(int b) {
      return new Rosenbrock(dim, noiseScale, b);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT, "rosenbrock(batch=%d, dim=%d, noise-scale=%s)", batch, dim, num(noiseScale));
    }
  }

  /**
   * Logistic regression on a seeded synthetic data set: {@code examples} feature vectors x ~ N(0,
   * I<sub>D</sub>), a teacher w<sub>true</sub> ~ N(0, (3/√D)²·I), labels y ∈ {−1, +1} drawn from
   * σ(w<sub>true</sub>·x) — label noise gives a loss with a non-zero minimum. Loss: mean log(1 +
   * exp(−y w·x)); the mini-batch gradient is the mean of real per-sample gradients over B examples
   * drawn uniformly with replacement. The minimum is found by Newton's method at construction.
   *
   * <p>Validation set ({@code valExamples > 0}): a second sample of the same distribution (same
   * teacher, its own random stream, so the training set does not change); every {@code valEvery}
   * steps the plant reports the mean loss on it, so the generalization gap {@code val − train} can
   * be controlled. With few examples per dimension the training set is (nearly) separable, the
   * unregularised weights grow without bound and the gap with them.
   *
   * @param dim D >= 1
   * @param examples N >= 2
   * @param batch B >= 1
   * @param valExamples validation examples, >= 0 (0 = no validation set) [{@code val-examples}]
   * @param valEvery steps between validation measurements, >= 1 [{@code val-every}]
   */
  record LogReg(int dim, int examples, int batch, int valExamples, int valEvery)
      implements ProblemConfig {

    /** Validates every value. */
    public LogReg {
      atLeast("logreg.dim", dim, 1);
      atLeast("logreg.examples", examples, 2);
      atLeast("logreg.batch", batch, 1);
      atLeast("logreg.val-examples", valExamples, 0);
      atLeast("logreg.val-every", valEvery, 1);
    }

    /** Without a validation set. */
    public LogReg(int dim, int examples, int batch) {
      this(dim, examples, batch, 0, 50);
    }

    /** D = 20, N = 1024, B = 16, no validation set (measured every 50 steps when one is set). */
    public static LogReg defaults() {
      return new LogReg(20, 1024, 16, 0, 50);
    }

    @Override
    public String name() {
      return "logreg";
    }

    @Override
    public Problem create(long seed) {
      return new LogRegProblem(this, seed);
    }

    @Override
    public LogReg withBatch(int b) {
      return new LogReg(dim, examples, b, valExamples, valEvery);
    }

    @Override
    public String toString() {
      String base =
          String.format(Locale.ROOT, "logreg(batch=%d, dim=%d, examples=%d", batch, dim, examples);
      if (valExamples == 0) {
        return base + ")";
      }
      return base
          + String.format(Locale.ROOT, ", val-every=%d, val-examples=%d)", valEvery, valExamples);
    }
  }
}
