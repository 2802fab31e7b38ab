package dev.governor.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.random.SobolSequenceGenerator;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Hyperparameter search with a fixed trial budget: uniform random, quasi-random (Sobol) or Bayesian
 * (Gaussian process + expected improvement) proposals over a box of named dimensions, each on a
 * linear, logarithmic or integer scale. The objective is minimised and is evaluated in batches, so
 * a caller can run the trials of a batch in parallel.
 *
 * <p>Random and Sobol proposals are all made up front (one batch of {@code trials} points). Bayes
 * starts with {@code max(2, trials / 2)} Sobol points, then proposes one point per batch: the
 * maximiser of expected improvement over 2,048 Sobol candidates and 256 Gaussian perturbations of
 * the incumbent, under a zero-mean GP with a Matérn-5/2 kernel on the unit cube whose length scale
 * is chosen from {0.1, 0.2, 0.4, 0.8} by marginal likelihood (outputs standardised, noise variance
 * 1e-6). Everything random comes from the seed, so a search is reproducible.
 *
 * <p>Non-finite scores: NaN or +Inf objective values are replaced by the worst finite score seen
 * plus one (so the GP sees them as bad, not as missing); a search whose scores are all non-finite
 * picks the first trial.
 */
public final class Tuner {
  private Tuner() {}

  /** The scale a dimension is searched on. */
  public enum Scale {
    /** Uniform between the bounds. */
    LINEAR,
    /** Uniform in the logarithm (bounds > 0). */
    LOG,
    /** Uniform over the integers between the bounds, inclusive. */
    INT,
    /** Uniform in the logarithm, rounded to an integer (bounds >= 1). */
    LOG_INT
  }

  /** How trials are proposed. */
  public enum Method {
    RANDOM,
    SOBOL,
    BAYES;

    /**
     * Parses {@code random|sobol|bayes}.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static Method parse(String s) {
      if (s != null) {
        for (Method m : values()) {
          if (m.name().equalsIgnoreCase(s.trim())) {
            return m;
          }
        }
      }
      throw new IllegalArgumentException(
          "method must be random, sobol or bayes, but was '" + s + "'");
    }
  }

  /**
   * One searched dimension.
   *
   * @param key the option it sets (e.g. {@code lr})
   * @param scale its scale
   * @param lo lower bound
   * @param hi upper bound, > lo
   */
  public record Dimension(String key, Scale scale, double lo, double hi) {
    /** Validates. */
    public Dimension {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("dimension key must not be empty");
      }
      if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(hi > lo)) {
        throw new IllegalArgumentException(
            "dimension " + key + " needs finite bounds lo < hi, but was " + lo + ".." + hi);
      }
      if ((scale == Scale.LOG && !(lo > 0)) || (scale == Scale.LOG_INT && !(lo >= 1))) {
        throw new IllegalArgumentException(
            "dimension "
                + key
                + " on a log scale needs lo "
                + (scale == Scale.LOG ? "> 0" : ">= 1")
                + ", but was "
                + lo);
      }
    }

    /** Maps {@code u} in [0, 1] onto the dimension. */
    public double value(double u) {
      u = Math.max(0, Math.min(1, u));
      return switch (scale) {
        case LINEAR -> lo + u * (hi - lo);
        case LOG -> Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
        case INT -> Math.min(hi, Math.floor(lo + u * (Math.floor(hi) - lo + 1)));
        case LOG_INT ->
            Math.min(
                Math.floor(hi),
                Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)))));
      };
    }

    /** The text form {@code key=scale:lo:hi}. */
    @Override
    public String toString() {
      return key
          + "="
          + scale.name().toLowerCase(Locale.ROOT).replace('_', '-')
          + ":"
          + lo
          + ":"
          + hi;
    }
  }

  /**
   * A search box.
   *
   * @param dims the dimensions, at least one, keys distinct
   */
  public record Space(List<Dimension> dims) {
    /** Validates and copies. */
    public Space {
      if (dims == null || dims.isEmpty()) {
        throw new IllegalArgumentException("a search space needs at least one dimension");
      }
      dims = List.copyOf(dims);
      for (int i = 0; i < dims.size(); i++) {
        for (int j = 0; j < i; j++) {
          if (dims.get(i).key().equals(dims.get(j).key())) {
            throw new IllegalArgumentException(
                "dimension " + dims.get(i).key() + " is given twice");
          }
        }
      }
    }

    /** Builds a space from dimensions. */
    public static Space of(Dimension... dims) {
      return new Space(List.of(dims));
    }

    /**
     * Parses {@code key=scale:lo:hi,...} with scale {@code linear|log|int|log-int}, e.g. {@code
     * lr=log:1e-4:10,t-max=int:100:3000}.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static Space parse(String text) {
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("search space must not be empty");
      }
      List<Dimension> dims = new ArrayList<>();
      for (String part : text.split(",")) {
        String p = part.trim();
        int eq = p.indexOf('=');
        String[] f = eq < 0 ? new String[0] : p.substring(eq + 1).split(":");
        if (eq <= 0 || f.length != 3) {
          throw new IllegalArgumentException(
              "search dimension must be key=scale:lo:hi, but was '" + p + "'");
        }
        Scale sc;
        try {
          sc = Scale.valueOf(f[0].trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "search scale must be linear, log, int or log-int, but was '" + f[0] + "'");
        }
        double lo;
        double hi;
        try {
          lo = Double.parseDouble(f[1].trim());
          hi = Double.parseDouble(f[2].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "search bounds must be numbers, but were '" + f[1] + "' and '" + f[2] + "'");
        }
        dims.add(new Dimension(p.substring(0, eq).trim(), sc, lo, hi));
      }
      return new Space(dims);
    }

    /** The point of the unit-cube coordinates {@code u}. */
    public Map<String, Double> point(double[] u) {
      Map<String, Double> m = new LinkedHashMap<>();
      for (int i = 0; i < dims.size(); i++) {
        m.put(dims.get(i).key(), dims.get(i).value(u[i]));
      }
      return m;
    }

    @Override
    public String toString() {
      return String.join(",", dims.stream().map(Dimension::toString).toList());
    }
  }

  /**
   * One evaluated trial.
   *
   * @param index 0-based order of proposal
   * @param unit the unit-cube coordinates
   * @param params the point
   * @param score the objective (lower is better; as returned, possibly non-finite)
   */
  public record Trial(int index, double[] unit, Map<String, Double> params, double score) {
    /** Copies. */
    public Trial {
      unit = unit.clone();
      params = Map.copyOf(params);
    }
  }

  /**
   * A finished search.
   *
   * @param trials every trial in proposal order
   * @param best the trial with the lowest finite score (the first on ties)
   */
  public record Result(List<Trial> trials, Trial best) {
    /** Copies. */
    public Result {
      trials = List.copyOf(trials);
    }
  }

  /** Evaluates a batch of points; returns one score per point, lower is better. */
  @FunctionalInterface
  public interface BatchObjective {
    /** Scores of {@code points}, in order. */
    double[] evaluate(List<Map<String, Double>> points);
  }

  /**
   * Runs a search of {@code trials} evaluations.
   *
   * @throws IllegalArgumentException when {@code trials < 1}
   */
  public static Result search(
      Space space, int trials, Method method, long seed, BatchObjective objective) {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be >= 1, but was " + trials);
    }
    int k = space.dims().size();
    List<double[]> units = new ArrayList<>();
    List<Double> scores = new ArrayList<>();
    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    SobolSequenceGenerator sobol = new SobolSequenceGenerator(k);
    sobol.skipTo(1 + Math.floorMod(seed, 64));
    int first = method == Method.BAYES ? Math.max(2, trials / 2) : trials;
    first = Math.min(first, trials);
    List<double[]> batch = new ArrayList<>();
    for (int i = 0; i < first; i++) {
      batch.add(method == Method.RANDOM ? uniform(rng, k) : sobol.nextVector());
    }
    evaluate(space, batch, units, scores, objective);
    while (units.size() < trials) {
      double[] next = proposeEi(units, scores, k, rng, sobol);
      evaluate(space, List.of(next), units, scores, objective);
    }
    List<Trial> out = new ArrayList<>();
    int best = -1;
    for (int i = 0; i < units.size(); i++) {
      double s = scores.get(i);
      out.add(new Trial(i, units.get(i), space.point(units.get(i)), s));
      if (Double.isFinite(s) && (best < 0 || s < scores.get(best))) {
        best = i;
      }
    }
    return new Result(out, out.get(best < 0 ? 0 : best));
  }

  private static void evaluate(
      Space space,
      List<double[]> batch,
      List<double[]> units,
      List<Double> scores,
      BatchObjective objective) {
    List<Map<String, Double>> points = new ArrayList<>();
    for (double[] u : batch) {
      points.add(space.point(u));
    }
    double[] s = objective.evaluate(points);
    if (s.length != batch.size()) {
      throw new IllegalStateException(
          "objective returned " + s.length + " scores for " + batch.size() + " points");
    }
    for (int i = 0; i < batch.size(); i++) {
      units.add(batch.get(i));
      scores.add(s[i]);
    }
  }

  private static double[] uniform(UniformRandomProvider rng, int k) {
    double[] u = new double[k];
    for (int i = 0; i < k; i++) {
      u[i] = rng.nextDouble();
    }
    return u;
  }

  /** Matérn-5/2 correlation at distance {@code r} with length scale {@code ell}. */
  static double matern52(double r, double ell) {
    double a = Math.sqrt(5) * r / ell;
    return (1 + a + a * a / 3) * Math.exp(-a);
  }

  /** A fitted GP over standardised scores. */
  record Gp(List<double[]> x, double ell, DecompositionSolver solver, RealVector alpha) {
    double[] predict(double[] u) {
      int n = x.size();
      RealVector kv = new ArrayRealVector(n);
      for (int i = 0; i < n; i++) {
        kv.setEntry(i, matern52(Vectors.distance(u, x.get(i)), ell));
      }
      double mean = kv.dotProduct(alpha);
      double var = 1 - kv.dotProduct(solver.solve(kv));
      return new double[] {mean, Math.max(1e-12, var)};
    }
  }

  /** Fits a GP to standardised {@code y}, choosing the length scale by marginal likelihood. */
  static Gp fit(List<double[]> x, double[] y) {
    Gp best = null;
    double bestLl = Double.NEGATIVE_INFINITY;
    for (double ell : new double[] {0.1, 0.2, 0.4, 0.8}) {
      int n = x.size();
      RealMatrix kMat = new Array2DRowRealMatrix(n, n);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          kMat.setEntry(
              i, j, matern52(Vectors.distance(x.get(i), x.get(j)), ell) + (i == j ? 1e-6 : 0));
        }
      }
      CholeskyDecomposition ch;
      try {
        ch = new CholeskyDecomposition(kMat, 1e-12, 1e-15);
      } catch (NonPositiveDefiniteMatrixException e) {
        continue;
      }
      RealVector yv = new ArrayRealVector(y);
      RealVector alpha = ch.getSolver().solve(yv);
      double logDet = 0;
      RealMatrix l = ch.getL();
      for (int i = 0; i < n; i++) {
        logDet += 2 * Math.log(l.getEntry(i, i));
      }
      double ll = -0.5 * yv.dotProduct(alpha) - 0.5 * logDet;
      if (ll > bestLl) {
        bestLl = ll;
        best = new Gp(x, ell, ch.getSolver(), alpha);
      }
    }
    return best;
  }

  /** Expected improvement (minimisation) below {@code best} at mean {@code mu}, sd {@code sd}. */
  static double expectedImprovement(double mu, double sd, double best) {
    double z = (best - mu) / sd;
    double pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    double cdf = 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
    return (best - mu) * cdf + sd * pdf;
  }

  private static double[] proposeEi(
      List<double[]> units,
      List<Double> scores,
      int k,
      UniformRandomProvider rng,
      SobolSequenceGenerator sobol) {
    double worst = Double.NEGATIVE_INFINITY;
    for (double s : scores) {
      if (Double.isFinite(s)) {
        worst = Math.max(worst, s);
      }
    }
    double fill = Double.isFinite(worst) ? worst + 1 : 1;
    int n = scores.size();
    double[] y = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      y[i] = Double.isFinite(scores.get(i)) ? scores.get(i) : fill;
      mean += y[i];
    }
    mean /= n;
    double var = 0;
    for (double v : y) {
      var += (v - mean) * (v - mean);
    }
    double sd = Math.sqrt(var / n);
    if (!(sd > 0)) {
      sd = 1;
    }
    int bestIdx = 0;
    for (int i = 0; i < n; i++) {
      y[i] = (y[i] - mean) / sd;
      if (y[i] < y[bestIdx]) {
        bestIdx = i;
      }
    }
    Gp gp = fit(units, y);
    List<double[]> cands = new ArrayList<>();
    for (int i = 0; i < 2048; i++) {
      cands.add(sobol.nextVector());
    }
    double[] inc = units.get(bestIdx);
    for (int i = 0; i < 256; i++) {
      double[] c = inc.clone();
      for (int j = 0; j < k; j++) {
        c[j] = Math.max(0, Math.min(1, c[j] + 0.05 * gaussian(rng)));
      }
      cands.add(c);
    }
    if (gp == null) {
      return cands.get(0);
    }
    double bestY = y[bestIdx];
    double[] arg = cands.get(0);
    double bestEi = Double.NEGATIVE_INFINITY;
    for (double[] c : cands) {
      double[] p = gp.predict(c);
      double ei = expectedImprovement(p[0], Math.sqrt(p[1]), bestY);
      if (ei > bestEi) {
        bestEi = ei;
        arg = c;
      }
    }
    return Arrays.copyOf(arg, k);
  }

  private static double gaussian(UniformRandomProvider rng) {
    double u1 = Math.max(Double.MIN_NORMAL, rng.nextDouble());
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
