package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.LrLoopStability;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code stability-map} suite: the LR loop's stability over a (K<sub>p</sub>, K<sub>i</sub>)
 * grid × several conditioning regimes, simulated on the noisy quadratic model and compared with the
 * linear analysis of {@link LrLoopStability#alignmentOnQuadratic}.
 *
 * <p><b>Loop as analysed.</b> Each regime is an NQM (plain SGD, curvature noise) and an alignment
 * setpoint {@code r ∈ (−1, 0)}; the analysis linearises the mean-field moments at the equilibrium
 * η* where E[cos](η*) = r. The simulation runs {@code pi(pv=alignment, setpoint=r, kp, ki,
 * alpha=0.1, period=1, guard=false, clip-loop=false, cut-growth=1e300, slew=1e300)} exactly as
 * {@link LrLoopStability}'s javadoc prescribes, with bounds [η* / 100, 100 η*] (wide enough to stay
 * out of the linear region's way, finite so a runaway loop stops at a bound instead of
 * overflowing).
 *
 * <p><b>Protocol</b> (per grid point and seed): the plant starts at its optimum plus N(0, v̄) with
 * v̄ = η* s²/(2B) (the stationary variance of curvature-noise SGD at η*, up to the factor 2/(2 −
 * η*h<sub>i</sub>)), runs {@code warmup} steps at the constant η* to reach the stationary state the
 * analysis linearises about, then hands over to the policy started at η*·e<sup>δ</sup> (δ = −ln 2:
 * a step the loop must correct; downwards, because η*·2 may lie beyond the SGD stability edge
 * 2/λ<sub>max</sub> where the plant the analysis linearises does not exist) and runs {@code steps}
 * more steps.
 *
 * <p><b>Grid</b>: centred on each regime's analytic boundary, so both classes are sampled: {@code
 * Ki = Ki* · 10^[−2, 1]} with Ki* the integral gain where ρ = 1 at K<sub>p</sub> = 0, and {@code Kp
 * = Kp* · {0, …, 2}} with Kp* where ρ = 1 at K<sub>i</sub> = Ki* / 100 (both by bisection on the
 * analysis, before any simulation).
 *
 * <p><b>Simulated criterion</b> (independent of the analysis; stated in the summary). Each seed
 * runs twice: with the regime's cosine noise ({@link #COPIES} copies per curvature) and with half
 * of it (4 × the copies). The seed is <em>unstable</em> when the quiet run (a) diverges (exact loss
 * non-finite or &gt; 10⁶ × its value at hand-over) or (b) drives the learning rate to a bound, or
 * when (c) the oscillation of ln η is self-sustained: the residual standard deviation of ln η about
 * its linear trend over the last half of the run does not shrink with the noise (quiet / noisy &gt;
 * {@value #SUSTAINED_RATIO}, above a floor of {@value #SUSTAINED_FLOOR}). A stable loop is linear
 * near its equilibrium, so its fluctuation is proportional to the measurement noise (ratio ≈ ½); an
 * unstable one grows until a nonlinearity (the saturating cosine, the SGD edge) holds it in a limit
 * cycle whose size does not depend on the noise. If only the noisy run diverges, the quiet run
 * decides by an absolute limit (std &gt; {@value #OSCILLATION_LIMIT}). A grid point is unstable
 * when at least half of its seeds are.
 */
public final class StabilityMapSuite {
  private StabilityMapSuite() {}

  /**
   * Fallback when only the quiet run survives: its std of ln η above which it counts as
   * oscillating.
   */
  static final double OSCILLATION_LIMIT = 0.5;

  /**
   * Halving the cosine's noise halves a stable linear loop's fluctuation (ratio ≈ 0.5); a
   * self-sustained oscillation (limit cycle) keeps its amplitude (ratio ≈ 1). Ratio above this =
   * sustained.
   */
  static final double SUSTAINED_RATIO = 0.75;

  /** Fluctuations below this std of ln η (3 %) never count as an oscillation. */
  static final double SUSTAINED_FLOOR = 0.03;

  /**
   * Points with |ρ − 1| below this are near-marginal (decay or growth by less than 2 % per step);
   * their agreement is reported separately as well (the headline agreement counts every point).
   */
  static final double MARGIN = 0.02;

  /**
   * A tried extension of the analysis, reported next to the headline: a loop counts as stable in
   * practice when its poles are inside the unit circle and the noise-driven excursion of ln η, this
   * many standard deviations, stays below the SGD edge: {@code NOISE_SIGMAS · sd(ln η) < ln(2 / (η*
   * λ_max))}.
   */
  static final double NOISE_SIGMAS = 3;

  /** Filter weight of the loop under test (the {@code pi} default). */
  static final double ALPHA = 0.1;

  /** Copies per curvature of the noise check (16 × the quiet run's). */
  static final int NOISE_CHECK_COPIES = 16 * 4 * 64;

  /** Copies of each curvature in the simulated problem (see {@link ReplicatedNqm}). */
  static final int COPIES = 64;

  /** Initial log-LR offset from the equilibrium at hand-over. */
  static final double DELTA = -Math.log(2);

  /**
   * A conditioning regime: the NQM (its start scale is replaced by the stationary one) and the
   * alignment setpoint.
   */
  record Regime(String name, ProblemConfig.Nqm nqm, double setpoint) {
    double[] spectrum() {
      double[] h = new double[nqm.dim()];
      for (int i = 0; i < h.length; i++) {
        h[i] = nqm.curvature(i);
      }
      return h;
    }

    /** Per-coordinate gradient-noise variance of a mini-batch. */
    double[] noiseVar() {
      double[] s = new double[nqm.dim()];
      for (int i = 0; i < s.length; i++) {
        double w = nqm.noise() == NoiseKind.ISOTROPIC ? 1.0 : nqm.curvature(i);
        s[i] = nqm.noiseScale() * w / nqm.batch();
      }
      return s;
    }
  }

  static List<Regime> regimes(boolean quick) {
    List<Regime> all =
        List.of(
            new Regime("a1 λ1 curvature r-0.1", nqm(1.0, 1.0, NoiseKind.CURVATURE, 16), -0.1),
            new Regime("a0.5 λ10 isotropic r-0.3", nqm(10.0, 0.5, NoiseKind.ISOTROPIC, 8), -0.3),
            new Regime("a1 λ1 curvature r-0.5", nqm(1.0, 1.0, NoiseKind.CURVATURE, 16), -0.5),
            new Regime("a2 λ1 curvature r-0.05", nqm(1.0, 2.0, NoiseKind.CURVATURE, 32), -0.05),
            new Regime("a1 λ100 isotropic r-0.7", nqm(100.0, 1.0, NoiseKind.ISOTROPIC, 4), -0.7));
    return quick ? List.of(all.get(0), all.get(2)) : all;
  }

  /** Distinct curvatures per regime (each repeated {@link #COPIES} times in the simulation). */
  static final int DISTINCT = 10;

  private static ProblemConfig.Nqm nqm(double lambda, double a, NoiseKind noise, int batch) {
    return new ProblemConfig.Nqm(DISTINCT, lambda, a, noise, 1.0, batch, 0.0, 1.0);
  }

  /** Kp grid as multiples of Kp*. */
  static double[] kpGrid(boolean quick, double kpCrit) {
    double[] f =
        quick
            ? new double[] {0, 0.25, 0.7, 1.4}
            : new double[] {0, 0.125, 0.25, 0.5, 0.7, 0.85, 1.2, 1.6, 2.5};
    double[] g = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      g[i] = f[i] * kpCrit;
    }
    return g;
  }

  /**
   * Ki grid: Ki* · 10^(−2 … 1), log-spaced at the midpoints of n equal intervals (no point lies
   * exactly on the boundary, where ρ = 1 and neither class applies).
   */
  static double[] kiGrid(boolean quick, double kiCrit) {
    int n = quick ? 5 : 10;
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      g[i] = kiCrit * Math.pow(10, -2 + 3.0 * (i + 0.5) / n);
    }
    return g;
  }

  /**
   * The gain where the spectral radius crosses 1 along one axis (the other gain fixed), by log
   * bisection in [1e-4, 1e4]; +Inf when the whole range is stable.
   */
  static double critical(LrLoopStability.Plant plant, boolean alongKi, double other) {
    double lo = 1e-4;
    double hi = 1e4;
    if (rho(plant, alongKi, other, hi) < 1) {
      return Double.POSITIVE_INFINITY;
    }
    for (int k = 0; k < 40; k++) {
      double mid = Math.sqrt(lo * hi);
      if (rho(plant, alongKi, other, mid) < 1) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return Math.sqrt(lo * hi);
  }

  private static double rho(LrLoopStability.Plant plant, boolean alongKi, double other, double x) {
    double kp = alongKi ? other : x;
    double ki = alongKi ? x : other;
    return LrLoopStability.analyze(plant, kp, ki, ALPHA, 1, 0, true).spectralRadius();
  }

  /**
   * The policy spec the analysis models: the two-sided linear PI on the alignment ({@code
   * lower=true}), without the stationarity decays ({@code decay=1}).
   */
  static PolicySpec loopSpec(double lr, double setpoint, double kp, double ki) {
    return PolicySpec.of("pi")
        .with("lr", lr)
        .with("pv", "alignment")
        .with("lower", true)
        .with("decay", 1)
        .with("setpoint", setpoint)
        .with("kp", kp)
        .with("ki", ki)
        .with("alpha", ALPHA)
        .with("period", 1)
        .with("guard", false)
        .with("clip-loop", false)
        .with("cut-growth", 1e300)
        .with("slew", 1e300)
        .with("lr-floor", lr / 100)
        .with("lr-ceil", lr * 100);
  }

  /** The measured outcome of one simulated run. */
  record Sim(
      boolean diverged,
      boolean hitBound,
      double logLrStd,
      boolean noisyDiverged,
      double noisyLogLrStd,
      boolean unstable) {}

  /** One run at one noise level: diverged, hit a bound, detrended std of ln η (last half). */
  record Run(boolean diverged, boolean hitBound, double std) {}

  /**
   * Simulates one seed at two noise levels ({@code copies} and 4 × {@code copies}, i.e. half the
   * cosine's sampling noise) and classifies it (criterion in the class comment).
   */
  static Sim simulate(
      Regime g, double eta, double kp, double ki, long seed, int copies, int warmup, int steps) {
    Run noisy = simulateOnce(g, eta, kp, ki, seed, copies, warmup, steps);
    Run quiet = simulateOnce(g, eta, kp, ki, seed, 4 * copies, warmup, steps);
    boolean unstable;
    if (quiet.diverged() || quiet.hitBound()) {
      unstable = true;
    } else if (noisy.diverged() || noisy.hitBound() || !(noisy.std() > 0)) {
      unstable = !(quiet.std() <= OSCILLATION_LIMIT);
    } else {
      unstable = quiet.std() > SUSTAINED_FLOOR && quiet.std() > SUSTAINED_RATIO * noisy.std();
    }
    return new Sim(
        quiet.diverged(), quiet.hitBound(), quiet.std(), noisy.diverged(), noisy.std(), unstable);
  }

  /**
   * The NQM of a regime with every curvature repeated {@code copies} times (dimension K·copies),
   * started from its exact stationary distribution at η*: x_i ~ N(0, η* s_i² / (h_i (2 − η* h_i))),
   * optimum 0. The mean-field moments — and therefore {@link LrLoopStability#alignmentOnQuadratic}
   * — are unchanged by the repetition (every sum in the PV is multiplied by the same factor), while
   * the sampling noise of the measured cosine shrinks as 1/√copies. The analysis is about the mean
   * dynamics; the repetition makes the simulated loop see them with less measurement noise, without
   * changing what is analysed.
   */
  static final class ReplicatedNqm implements Problem {
    private final double[] h;
    private final double[] noiseSd;
    private final double[] start;

    ReplicatedNqm(Regime g, int copies, double eta, long seed) {
      int k = g.nqm().dim();
      int d = k * copies;
      h = new double[d];
      noiseSd = new double[d];
      start = new double[d];
      double[] s2 = g.noiseVar();
      org.apache.commons.rng.UniformRandomProvider rng = Rng.stream(seed, Rng.PROBLEM);
      org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler gauss = Rng.gauss(rng);
      for (int i = 0; i < d; i++) {
        int j = i % k;
        h[i] = g.nqm().curvature(j);
        noiseSd[i] = Math.sqrt(s2[j] * g.nqm().batch()); // per sample; sample() divides by √B
        start[i] = Math.sqrt(eta * s2[j] / (h[i] * (2 - eta * h[i]))) * gauss.sample();
      }
    }

    @Override
    public String name() {
      return "nqm-replicated";
    }

    @Override
    public int dim() {
      return h.length;
    }

    @Override
    public void start(double[] x) {
      System.arraycopy(start, 0, x, 0, start.length);
    }

    @Override
    public double loss(double[] x) {
      double sum = 0;
      for (int i = 0; i < h.length; i++) {
        sum += h[i] * x[i] * x[i];
      }
      return 0.5 * sum;
    }

    @Override
    public double minLoss() {
      return 0;
    }

    @Override
    public double lambdaMax() {
      return h[0];
    }

    @Override
    public double sample(
        double[] x,
        double[] g,
        int batch,
        double noiseMultiplier,
        org.apache.commons.rng.UniformRandomProvider rng,
        org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler gauss) {
      double scale = noiseMultiplier / Math.sqrt(batch);
      double loss = 0;
      for (int i = 0; i < h.length; i++) {
        double gi = h[i] * x[i] + noiseSd[i] * scale * gauss.sample();
        g[i] = gi;
        loss += gi * gi / h[i];
      }
      return 0.5 * loss;
    }
  }

  /**
   * Simulates one run of the loop (protocol in the class comment).
   *
   * @param eta the equilibrium η* of the analysis
   */
  static Run simulateOnce(
      Regime g, double eta, double kp, double ki, long seed, int copies, int warmup, int steps) {
    SimulatedTrainer plant =
        SimulatedTrainer.of(
            SimulatedTrainer.Config.of(g.nqm(), OptimizerKind.SGD, seed),
            new ReplicatedNqm(g, copies, eta, seed));
    long t = 0;
    for (; t < warmup; t++) {
      plant.step(t, eta, Double.POSITIVE_INFINITY, 0, GuardAction.NONE);
    }
    double lr0 = eta * Math.exp(DELTA);
    double floor = eta / 100 * Math.exp(DELTA);
    double ceil = eta * 100 * Math.exp(DELTA);
    Policy p = Policies.create(loopSpec(lr0, g.setpoint(), kp, ki));
    double lr = p.initial().lr();
    Decision dec = new Decision();
    double start = plant.exactLoss();
    double limit = RunResult.DIVERGENCE_FACTOR * Math.max(start, 1e-300);
    boolean diverged = false;
    boolean hit = false;
    int half = steps / 2;
    double sum = 0;
    double sumSq = 0;
    double sumK = 0;
    double sumKk = 0;
    double sumKy = 0;
    int count = 0;
    for (int k = 0; k < steps; k++, t++) {
      Observation o = plant.step(t, lr, Double.POSITIVE_INFINITY, 0, GuardAction.NONE);
      double loss = plant.exactLoss();
      if (!(loss <= limit)) {
        diverged = true;
        break;
      }
      p.decide(o, dec);
      lr = dec.lr;
      if (lr <= floor * (1 + 1e-9) || lr >= ceil * (1 - 1e-9)) {
        hit = true;
      }
      if (k >= half) {
        double l = Math.log(lr);
        double kk = k - half;
        sum += l;
        sumSq += l * l;
        sumK += kk;
        sumKk += kk * kk;
        sumKy += kk * l;
        count++;
      }
    }
    double std = Double.NaN;
    if (count > 2 && !diverged) {
      // residual std of ln η about its least-squares line over the last half (a slow, still
      // decaying transient is a trend, not an oscillation)
      double n = count;
      double mk = sumK / n;
      double my = sum / n;
      double skk = sumKk - n * mk * mk;
      double sky = sumKy - n * mk * my;
      double syy = sumSq - n * my * my;
      double res = syy - (skk > 0 ? sky * sky / skk : 0);
      std = Math.sqrt(Math.max(0, res / (n - 2)));
    }
    return new Run(diverged, hit, std);
  }

  /**
   * The sampling variance of the measured cosine at the equilibrium, from the same mean-field
   * moments the analysis uses: with stationary second moments {@code m_i = h_i² v_i + s_i²} of the
   * gradient coordinates and two nearly independent successive gradients, {@code Var[cos] ≈ Σ m_i²
   * / (Σ m_i)²} over all coordinates (= 1 / the effective dimension); {@code copies} repeats each
   * curvature.
   */
  static double cosNoiseVar(Regime g, double eta, int copies) {
    double[] h = g.spectrum();
    double[] s2 = g.noiseVar();
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < h.length; i++) {
      double v = eta * s2[i] / (h[i] * (2 - eta * h[i]));
      double m = h[i] * h[i] * v + s2[i];
      sum += m;
      sumSq += m * m;
    }
    return sumSq / (sum * sum * copies);
  }

  /**
   * The stationary standard deviation of ln η that white measurement noise of variance {@code
   * cosVar} on the PV produces in the linearised closed loop (the loop of {@link LrLoopStability}
   * with period 1, no delay, reverse acting: state [x, f, I, u]; the noise enters the filter with
   * weight α): {@code sqrt(cosVar · Σ_k ((M^k G)_u)²)}. +Inf when the loop is not stable.
   */
  static double logLrNoiseStd(LrLoopStability.Plant p, double kp, double ki, double cosVar) {
    double[][] mat = closedLoopMatrix(p, kp, ki);
    int dim = mat.length;
    double[] v = closedLoopStep(p, kp, ki, new double[dim], 1); // G: response to a unit noise
    double sum = 0;
    double[] next = new double[dim];
    for (int k = 0; k < 2_000_000; k++) {
      double u = v[dim - 1];
      sum += u * u;
      double norm = 0;
      for (int r = 0; r < dim; r++) {
        double acc = 0;
        for (int c = 0; c < dim; c++) {
          acc += mat[r][c] * v[c];
        }
        next[r] = acc;
        norm += acc * acc;
      }
      double[] t = v;
      v = next;
      next = t;
      if (!Double.isFinite(norm) || norm > 1e30) {
        return Double.POSITIVE_INFINITY;
      }
      if (k > 100 && norm < 1e-14 * Math.max(sum, 1e-300)) {
        break;
      }
    }
    return Math.sqrt(cosVar * sum);
  }

  /** The closed-loop one-step matrix on [x, f, I, u] (period 1, no delay, reverse acting). */
  static double[][] closedLoopMatrix(LrLoopStability.Plant p, double kp, double ki) {
    int dim = p.b().length + 3;
    double[][] mat = new double[dim][dim];
    for (int col = 0; col < dim; col++) {
      double[] z = new double[dim];
      z[col] = 1;
      double[] nz = closedLoopStep(p, kp, ki, z, 0);
      for (int row = 0; row < dim; row++) {
        mat[row][col] = nz[row];
      }
    }
    return mat;
  }

  /**
   * One linear closed-loop step (as {@link LrLoopStability} builds it) plus measurement noise w.
   */
  private static double[] closedLoopStep(
      LrLoopStability.Plant p, double kp, double ki, double[] z, double w) {
    int m = p.b().length;
    double u = z[m + 2];
    double y = p.d() * u + w;
    for (int j = 0; j < m; j++) {
      y += p.c()[j] * z[j];
    }
    double[] out = new double[z.length];
    for (int r = 0; r < m; r++) {
      double acc = p.b()[r] * u;
      for (int j = 0; j < m; j++) {
        acc += p.a()[r][j] * z[j];
      }
      out[r] = acc;
    }
    double f = (1 - ALPHA) * z[m] + ALPHA * y;
    double integ = z[m + 1] + ki * f;
    out[m] = f;
    out[m + 1] = integ;
    out[m + 2] = kp * f + integ;
    return out;
  }

  /** One grid point: analysis and simulation. */
  record Point(
      int regime,
      double kp,
      double ki,
      double rho,
      boolean analyticStable,
      double noiseStd,
      boolean noiseMarginStable,
      List<Sim> sims,
      boolean simStable) {
    boolean agree() {
      return analyticStable == simStable;
    }

    boolean noiseMarginAgree() {
      return noiseMarginStable == simStable;
    }
  }

  /** Runs the suite. */
  public static Outcome run(boolean quick, int seedsOverride, Runner runner) {
    int seeds = seedsOverride > 0 ? seedsOverride : (quick ? 2 : 3);
    int warmup = 200;
    int copies = COPIES;
    int steps = quick ? 1500 : 3000;
    List<Regime> regimes = regimes(quick);
    double[] eta = new double[regimes.size()];
    double[] gain = new double[regimes.size()];
    LrLoopStability.Plant[] plants = new LrLoopStability.Plant[regimes.size()];
    double[][] kps = new double[regimes.size()][];
    double[][] kis = new double[regimes.size()][];
    for (int r = 0; r < regimes.size(); r++) {
      Regime g = regimes.get(r);
      plants[r] = LrLoopStability.alignmentOnQuadratic(g.spectrum(), g.noiseVar(), g.setpoint());
      eta[r] = plants[r].equilibriumLr();
      gain[r] = plants[r].gain();
      double kiCrit = critical(plants[r], true, 0);
      double kpCrit = critical(plants[r], false, kiCrit / 100);
      kps[r] = kpGrid(quick, kpCrit);
      kis[r] = kiGrid(quick, kiCrit);
    }
    List<java.util.concurrent.Callable<Point>> tasks = new ArrayList<>();
    for (int r = 0; r < regimes.size(); r++) {
      for (double p : kps[r]) {
        for (double i : kis[r]) {
          int rr = r;
          tasks.add(
              () -> {
                LrLoopStability.Result a =
                    LrLoopStability.analyze(plants[rr], p, i, ALPHA, 1, 0, true);
                List<Sim> sims = new ArrayList<>();
                int unstable = 0;
                for (int s = 0; s < seeds; s++) {
                  Sim sim = simulate(regimes.get(rr), eta[rr], p, i, 1 + s, copies, warmup, steps);
                  sims.add(sim);
                  unstable += sim.unstable() ? 1 : 0;
                }
                double sd =
                    a.stable()
                        ? logLrNoiseStd(
                            plants[rr], p, i, cosNoiseVar(regimes.get(rr), eta[rr], 4 * copies))
                        : Double.POSITIVE_INFINITY;
                double headroom = Math.log(2 / (eta[rr] * regimes.get(rr).nqm().lambdaMax()));
                boolean margin = a.stable() && NOISE_SIGMAS * sd < headroom;
                return new Point(
                    rr,
                    p,
                    i,
                    a.spectralRadius(),
                    a.stable(),
                    sd,
                    margin,
                    sims,
                    2 * unstable < seeds);
              });
        }
      }
    }
    List<Point> points = runner.map(tasks, "stability-map");
    // noise check: the points the analysis calls stable and the simulation unstable, once more
    // (seed 1) with 16x the quiet run's copies, i.e. a quarter of its cosine noise
    List<java.util.concurrent.Callable<Run>> checks = new ArrayList<>();
    List<Point> checked = new ArrayList<>();
    for (Point pt : points) {
      if (pt.analyticStable() && !pt.simStable()) {
        checked.add(pt);
        checks.add(
            () ->
                simulateOnce(
                    regimes.get(pt.regime()),
                    eta[pt.regime()],
                    pt.kp(),
                    pt.ki(),
                    1,
                    NOISE_CHECK_COPIES,
                    warmup,
                    steps));
      }
    }
    List<Run> rechecked = runner.map(checks, "stability-map: noise check");
    Outcome o = summarize(quick, seeds, warmup, steps, regimes, plants, kps, kis, points);
    int flipped = 0;
    ArrayNode arr = o.summary().putObject("noise_check").putArray("points");
    for (int k = 0; k < checked.size(); k++) {
      Run r = rechecked.get(k);
      boolean settled = !r.diverged() && !r.hitBound() && r.std() <= OSCILLATION_LIMIT;
      flipped += settled ? 1 : 0;
      ObjectNode n = arr.addObject();
      n.put("regime", regimes.get(checked.get(k).regime()).name());
      Json.put(n, "kp", checked.get(k).kp());
      Json.put(n, "ki", checked.get(k).ki());
      n.put("diverged", r.diverged());
      Json.put(n, "log_lr_std", r.std());
      n.put("settles", settled);
    }
    ObjectNode nc = (ObjectNode) o.summary().get("noise_check");
    nc.put("copies", NOISE_CHECK_COPIES);
    nc.put(
        "what",
        "analysis-stable, simulation-unstable points re-run (seed 1) with a quarter of the quiet"
            + " run's cosine noise; settles = no divergence, no bound, std(ln lr) <= "
            + OSCILLATION_LIMIT);
    nc.put("checked", checked.size());
    nc.put("settle_with_less_noise", flipped);
    List<String> table = new ArrayList<>(o.table());
    table.add(
        String.format(
            Locale.ROOT,
            "noise check: %d of %d analysis-stable/simulation-unstable points settle with a quarter"
                + " of the cosine noise (%d copies)",
            flipped,
            checked.size(),
            NOISE_CHECK_COPIES));
    o.report()
        .text(
            "Noise check: "
                + table.get(table.size() - 1)
                + ". The mean-field analysis has no measurement noise; where the plant gain is"
                + " weak (setpoint near 0) the gains near the boundary amplify the cosine's sampling"
                + " noise into LR excursions beyond the SGD edge.");
    return new Outcome(o.summary(), o.report(), table, o.failures());
  }

  private static Outcome summarize(
      boolean quick,
      int seeds,
      int warmup,
      int steps,
      List<Regime> regimes,
      LrLoopStability.Plant[] plants,
      double[][] kp,
      double[][] ki,
      List<Point> points) {
    ObjectNode s = Json.object();
    s.put("suite", "stability-map");
    s.put("quick", quick);
    s.put("seeds", seeds);
    s.put("warmup_steps", warmup);
    s.put("steps", steps);
    s.put("copies_per_curvature", COPIES);
    Json.put(s, "initial_log_lr_offset", DELTA);
    ObjectNode loop = s.putObject("loop");
    loop.put(
        "policy",
        "pi(pv=alignment, setpoint=r, kp, ki, alpha="
            + ALPHA
            + ", period=1, guard=false, clip-loop=false, cut-growth=1e300, slew=1e300,"
            + " lr=eta*/2, lr-floor=lr/100, lr-ceil=100*lr), plain SGD");
    loop.put(
        "analysis",
        "LrLoopStability.alignmentOnQuadratic(h, s2/B, r); analyze(alpha, 1, 0, true): stable iff"
            + " the spectral radius < 1. Reported besides (not the headline): the linear loop's"
            + " noise-driven sd(ln lr) from the cosine's sampling variance sum(m_i^2)/(sum m_i)^2"
            + " at the quiet run's noise level, and the agreement of a noise-margin rule");
    loop.put(
        "criterion",
        "each seed runs with the regime's cosine noise and with half of it (4x copies); unstable if"
            + " the quiet run diverges (>1e6 x loss at hand-over or non-finite) or reaches an LR"
            + " bound, or the detrended std of ln lr over the last half does not shrink with the"
            + " noise (quiet/noisy > "
            + SUSTAINED_RATIO
            + ", quiet > "
            + SUSTAINED_FLOOR
            + "); if only the noisy run diverged, quiet std > "
            + OSCILLATION_LIMIT
            + "; point unstable if at least half its seeds are");
    ArrayNode regs = s.putArray("regimes");
    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            Locale.ROOT,
            "%-22s %10s %8s %8s %8s %9s",
            "regime",
            "eta*",
            "eta*·λ",
            "gain",
            "points",
            "agree%"));
    List<String> failures = new ArrayList<>();
    for (int r = 0; r < regimes.size(); r++) {
      Regime g = regimes.get(r);
      ObjectNode o = regs.addObject();
      o.put("name", g.name());
      o.put("problem", g.nqm().toString());
      Json.put(o, "setpoint", g.setpoint());
      Json.put(o, "equilibrium_lr", plants[r].equilibriumLr());
      Json.put(
          o, "equilibrium_lr_times_lambda_max", plants[r].equilibriumLr() * g.nqm().lambdaMax());
      Json.put(o, "plant_gain_dcos_dlnlr", plants[r].gain());
      o.set("kp_grid", Json.array(kp[r]));
      o.set("ki_grid", Json.array(ki[r]));
      int n = 0;
      int a = 0;
      for (Point p : points) {
        if (p.regime() == r) {
          n++;
          a += p.agree() ? 1 : 0;
        }
      }
      Json.put(o, "agreement", (double) a / n);
      table.add(
          String.format(
              Locale.ROOT,
              "%-22s %10.4g %8.3f %8.3f %8d %8.1f%%",
              g.name(),
              plants[r].equilibriumLr(),
              plants[r].equilibriumLr() * g.nqm().lambdaMax(),
              plants[r].gain(),
              n,
              100.0 * a / n));
    }
    ArrayNode grid = s.putArray("grid");
    int agree = 0;
    int bothStable = 0;
    int bothUnstable = 0;
    int anaOnly = 0;
    int simOnly = 0;
    for (Point p : points) {
      ObjectNode o = grid.addObject();
      o.put("regime", regimes.get(p.regime()).name());
      Json.put(o, "kp", p.kp());
      Json.put(o, "ki", p.ki());
      Json.put(o, "spectral_radius", p.rho());
      o.put("analytic_stable", p.analyticStable());
      Json.put(o, "predicted_log_lr_noise_std", p.noiseStd());
      o.put("noise_margin_stable", p.noiseMarginStable());
      o.put("simulated_stable", p.simStable());
      o.put("agree", p.agree());
      ArrayNode runs = o.putArray("runs");
      for (Sim m : p.sims()) {
        ObjectNode ro = runs.addObject();
        ro.put("diverged", m.diverged());
        ro.put("hit_bound", m.hitBound());
        Json.put(ro, "log_lr_std", m.logLrStd());
        ro.put("noisy_diverged", m.noisyDiverged());
        Json.put(ro, "noisy_log_lr_std", m.noisyLogLrStd());
        ro.put("unstable", m.unstable());
      }
      agree += p.agree() ? 1 : 0;
      if (p.analyticStable() && p.simStable()) {
        bothStable++;
      } else if (!p.analyticStable() && !p.simStable()) {
        bothUnstable++;
      } else if (p.analyticStable()) {
        anaOnly++;
      } else {
        simOnly++;
      }
    }
    double agreement = (double) agree / points.size();
    Json.put(s, "agreement", agreement);
    long noiseAgree = points.stream().filter(Point::noiseMarginAgree).count();
    ObjectNode nm = s.putObject("agreement_with_noise_margin");
    Json.put(nm, "agreement", (double) noiseAgree / points.size());
    nm.put(
        "rule",
        "poles inside and "
            + NOISE_SIGMAS
            + " x predicted sd(ln lr) < ln(2/(eta* lambda_max)); a tried extension of the"
            + " analysis, not the headline");
    int far = 0;
    int farAgree = 0;
    for (Point p : points) {
      if (Math.abs(p.rho() - 1) >= MARGIN) {
        far++;
        farAgree += p.agree() ? 1 : 0;
      }
    }
    ObjectNode outside = s.putObject("agreement_outside_margin");
    Json.put(outside, "margin", MARGIN);
    outside.put("points", far);
    Json.put(outside, "agreement", far == 0 ? Double.NaN : (double) farAgree / far);
    s.put("points", points.size());
    ObjectNode conf = s.putObject("confusion");
    conf.put("both_stable", bothStable);
    conf.put("both_unstable", bothUnstable);
    conf.put("analytic_stable_simulated_unstable", anaOnly);
    conf.put("analytic_unstable_simulated_stable", simOnly);
    s.put("agreement_goal_met", agreement >= 0.95);
    s.putObject("policies");
    table.add(
        String.format(
            Locale.ROOT,
            "agreement %.1f%% over %d points (goal >= 95%%; with noise margin %.1f%%): both stable %d, both"
                + " unstable %d, analysis-only stable %d, simulation-only stable %d",
            100 * agreement,
            points.size(),
            100.0 * noiseAgree / points.size(),
            bothStable,
            bothUnstable,
            anaOnly,
            simOnly));
    HtmlPage rep = new HtmlPage("Stability map" + (quick ? " (quick)" : ""));
    rep.text(
        "Each point: "
            + seeds
            + " seeds, "
            + warmup
            + " warm-up steps at eta*, then "
            + steps
            + " steps of the loop started at eta*/2. Criterion: "
            + loop.get("criterion").asText()
            + ". Agreement with LrLoopStability: "
            + String.format(Locale.ROOT, "%.1f%%", 100 * agreement)
            + ".");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("regime", "eta*", "eta* lambda_max", "plant gain", "agreement"));
    for (int r = 0; r < regimes.size(); r++) {
      rows.add(
          List.of(
              regimes.get(r).name(),
              Num.sig(plants[r].equilibriumLr(), 4),
              Num.sig(plants[r].equilibriumLr() * regimes.get(r).nqm().lambdaMax(), 4),
              Num.sig(plants[r].gain(), 4),
              String.format(Locale.ROOT, "%.1f%%", 100 * regs.get(r).get("agreement").asDouble())));
    }
    rep.table(rows);
    for (int r = 0; r < regimes.size(); r++) {
      rep.chart(mapChart(regimes.get(r), plants[r], kp[r], ki[r], points, r));
    }
    if (!(agreement >= 0.95)) {
      table.add("note: agreement below the 95% goal (reported, not a failed check)");
    }
    return new Outcome(s, rep, table, failures);
  }

  /**
   * The analytic boundary: for each kp of a fine grid, the Ki where ρ crosses 1 (log bisection).
   */
  static double[][] boundary(LrLoopStability.Plant plant, double kpMax, double kiLo, double kiHi) {
    int n = 17;
    List<double[]> pts = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      double p = kpMax * k / (n - 1);
      // scan for the first stable->unstable transition along ki
      int m = 16;
      double prev = Double.NaN;
      boolean prevStable = false;
      for (int j = 0; j <= m; j++) {
        double i = Math.exp(Math.log(kiLo) + (Math.log(kiHi) - Math.log(kiLo)) * j / m);
        boolean st = LrLoopStability.analyze(plant, p, i, ALPHA, 1, 0, true).stable();
        if (j > 0 && prevStable && !st) {
          double lo = prev;
          double hi = i;
          for (int b = 0; b < 14; b++) {
            double mid = Math.sqrt(lo * hi);
            if (LrLoopStability.analyze(plant, p, mid, ALPHA, 1, 0, true).stable()) {
              lo = mid;
            } else {
              hi = mid;
            }
          }
          pts.add(new double[] {Math.sqrt(lo * hi), p});
          break;
        }
        prev = i;
        prevStable = st;
      }
    }
    double[][] out = new double[2][pts.size()];
    for (int k = 0; k < pts.size(); k++) {
      out[0][k] = pts.get(k)[0];
      out[1][k] = pts.get(k)[1];
    }
    return out;
  }

  /**
   * The analytic boundary along Kp: for each Ki of a log grid, the smallest Kp in (0, kpMax] where
   * ρ ≥ 1 (the upper edge of the stable region where the Ki scan has no stable-to-unstable step).
   */
  static double[][] boundaryAlongKp(
      LrLoopStability.Plant plant, double kpMax, double kiLo, double kiHi) {
    int n = 17;
    List<double[]> pts = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      double i = Math.exp(Math.log(kiLo) + (Math.log(kiHi) - Math.log(kiLo)) * k / (n - 1));
      if (!LrLoopStability.analyze(plant, 0, i, ALPHA, 1, 0, true).stable()
          || LrLoopStability.analyze(plant, kpMax, i, ALPHA, 1, 0, true).stable()) {
        continue;
      }
      double lo = 0;
      double hi = kpMax;
      for (int b = 0; b < 16; b++) {
        double mid = 0.5 * (lo + hi);
        if (LrLoopStability.analyze(plant, mid, i, ALPHA, 1, 0, true).stable()) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      pts.add(new double[] {i, 0.5 * (lo + hi)});
    }
    double[][] out = new double[2][pts.size()];
    for (int k = 0; k < pts.size(); k++) {
      out[0][k] = pts.get(k)[0];
      out[1][k] = pts.get(k)[1];
    }
    return out;
  }

  private static Chart mapChart(
      Regime g, LrLoopStability.Plant plant, double[] kp, double[] ki, List<Point> points, int r) {
    Chart c =
        Chart.of(
                g.name() + ": simulated stability over (Ki, Kp), analytic boundary as a line",
                "Ki (integral gain per step)",
                "Kp")
            .logX();
    List<double[]> st = new ArrayList<>();
    List<double[]> un = new ArrayList<>();
    List<double[]> dis = new ArrayList<>();
    for (Point p : points) {
      if (p.regime() != r) {
        continue;
      }
      double[] xy = {p.ki(), p.kp()};
      (p.simStable() ? st : un).add(xy);
      if (!p.agree()) {
        dis.add(xy);
      }
    }
    scatter(c, "simulated stable", st, 0x009600, Series.Marker.CIRCLE);
    scatter(c, "simulated unstable", un, 0xc80000, Series.Marker.CROSS);
    scatter(c, "disagrees with analysis", dis, 0x000000, Series.Marker.DIAMOND);
    double[][] b = boundary(plant, kp[kp.length - 1], ki[0] / 2, ki[ki.length - 1] * 2);
    if (b[0].length > 0) {
      c.add(Series.line("analytic boundary (rho = 1), Ki scan", b[0], b[1]).withColor(0x0000ff));
    }
    double[][] bp = boundaryAlongKp(plant, kp[kp.length - 1], ki[0] / 2, ki[ki.length - 1] * 2);
    if (bp[0].length > 0) {
      c.add(Series.line("analytic boundary (rho = 1), Kp scan", bp[0], bp[1]).withColor(0x5a5aff));
    }
    c.markerSize(10);
    return c;
  }

  private static void scatter(Chart c, String name, List<double[]> pts, int rgb, Series.Marker m) {
    if (pts.isEmpty()) {
      return;
    }
    double[] x = new double[pts.size()];
    double[] y = new double[pts.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
    }
    c.add(Series.scatter(name, x, y, m).withColor(rgb));
  }
}
