package dev.governor.sim;

import dev.governor.control.LrLoopBoundary;
import dev.governor.control.LrLoopNoise;
import dev.governor.control.LrLoopStability;
import dev.governor.control.PiPolicyConfig;
import dev.governor.control.PolicySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code stability-map} suite: the LR loop's stability over a (K<sub>p</sub>, K<sub>i</sub>)
 * grid × several conditioning regimes, simulated on the noisy quadratic model and compared with the
 * linear analysis of {@link LrLoopStability#alignmentOnQuadratic}.
 *
 * <p><b>Loop as analysed.</b> Each regime is an NQM (plain SGD, curvature noise) and an alignment
 * setpoint {@code r ∈ (−1, 0)}; the analysis linearises the mean-field moments at the equilibrium
 * η* where E[cos](η*) = r. The simulation runs {@code pi(pv=alignment, setpoint=r, kp, ki,
 * alpha=0.1, period=1)} with bounds [η* / 100, 100 η*] (wide enough to stay out of the linear
 * region's way, finite so a runaway loop stops at a bound instead of overflowing) and, by {@link
 * Gear}, either with the parts the analysis leaves out switched off ({@code guard=false,
 * clip-loop=false, cut-growth=1e300, slew=1e300}: the loop exactly as {@link LrLoopStability}'s
 * javadoc prescribes) or with {@code pi}'s shipped slew limit, safety cut, spike guard and clip
 * loop at their defaults.
 *
 * <p><b>The shipped parts against the analysis</b> (the bound that lets the linear classification
 * stand for the shipped loop; the suite measures each part's activity per run and reports it): the
 * slew limit caps |Δ ln η| per step at ln(slew), which leaves a stable loop's small-signal dynamics
 * untouched while it does not bind and turns a growing oscillation into a rate-limited limit cycle
 * (still unstable); the safety cut and the spike guard act only on a gradient norm or loss far
 * above its running level, which a loop settled below the SGD edge does not produce, and on an
 * unstable loop they cut η but cannot remove the oscillation's cause; the clip loop clips about 5 %
 * of the steps by a factor close to 1, a small reduction of the plant's effective gain on those
 * steps.
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

  /** Copies of each curvature in the simulated problem (see {@link NqmProblem#stationary}). */
  static final int COPIES = 64;

  /**
   * Which of {@code pi}'s parts run beside the analysed PI controller.
   *
   * <p>{@code BARE}: none (guard, clip loop, cut, slew and restart off: the loop exactly as
   * analysed). {@code SHIPPED}: the slew limit, safety cut, spike guard, clip loop and start
   * restart at {@code pi}'s defaults, the restart judging the loss alone ({@code restart-move=0}):
   * the plant starts at its optimum θ* = 0 plus the stationary noise, where ‖θ‖ is the noise's
   * scale and says nothing of how long a step is.
   */
  enum Gear {
    BARE,
    SHIPPED
  }

  /** Initial log-LR offset from the equilibrium at hand-over. */
  static final double DELTA = -Math.log(2);

  /**
   * A conditioning regime: the NQM (its start scale is replaced by the stationary one) and the
   * alignment setpoint.
   */
  record Regime(String name, ProblemConfig.Nqm nqm, double setpoint) {
    double[] spectrum() {
      return nqm.spectrum();
    }

    /** Per-coordinate gradient-noise variance of a mini-batch. */
    double[] noiseVar() {
      return nqm.noiseVariances();
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
   * The policy spec the analysis models: the two-sided linear PI on the alignment ({@code
   * lower=true}), without the stationarity decays ({@code decay=1}).
   */
  static PolicySpec loopSpec(double lr, double setpoint, double kp, double ki, Gear gear) {
    PolicySpec s =
        PolicySpec.of("pi")
            .with("lr", lr)
            .with("pv", "alignment")
            .with("lower", true)
            .with("decay", 1)
            .with("setpoint", setpoint)
            .with("kp", kp)
            .with("ki", ki)
            .with("alpha", ALPHA)
            .with("period", 1)
            .with("restart-move", 0);
    if (gear == Gear.BARE) {
      s =
          s.with("guard", false)
              .with("clip-loop", false)
              .with("cut-growth", 1e300)
              .with("slew", 1e300)
              .with("restart", 0);
    }
    return s.with("lr-floor", lr / 100).with("lr-ceil", lr * 100);
  }

  /**
   * Simulates one seed at two noise levels ({@code copies} and 4 × {@code copies}, i.e. half the
   * cosine's sampling noise) and classifies it (criterion in the class comment).
   */
  static StabilityMap.Sim simulate(
      Regime g,
      Gear gear,
      double eta,
      double kp,
      double ki,
      long seed,
      int copies,
      int warmup,
      int steps) {
    StabilityMap.Run noisy = simulateOnce(g, gear, eta, kp, ki, seed, copies, warmup, steps);
    StabilityMap.Run quiet = simulateOnce(g, gear, eta, kp, ki, seed, 4 * copies, warmup, steps);
    boolean unstable;
    if (quiet.diverged() || quiet.hitBound()) {
      unstable = true;
    } else if (noisy.diverged() || noisy.hitBound() || !(noisy.std() > 0)) {
      unstable = !(quiet.std() <= OSCILLATION_LIMIT);
    } else {
      unstable = quiet.std() > SUSTAINED_FLOOR && quiet.std() > SUSTAINED_RATIO * noisy.std();
    }
    return new StabilityMap.Sim(
        quiet.diverged(),
        quiet.hitBound(),
        quiet.std(),
        noisy.diverged(),
        noisy.std(),
        unstable,
        quiet.activity());
  }

  /**
   * Simulates one run of the loop (protocol in the class comment) with the {@link Runner}: plain
   * SGD on the regime's NQM with every curvature repeated {@code copies} times, started from its
   * stationary distribution at η* ({@link NqmProblem#stationary}), {@code warmup} steps at η*, then
   * the loop for {@code steps} steps.
   *
   * @param eta the equilibrium η* of the analysis
   */
  static StabilityMap.Run simulateOnce(
      Regime g,
      Gear gear,
      double eta,
      double kp,
      double ki,
      long seed,
      int copies,
      int warmup,
      int steps) {
    double lr0 = eta * Math.exp(DELTA);
    PolicySpec policy = loopSpec(lr0, g.setpoint(), kp, ki, gear);
    double slew =
        gear == Gear.BARE ? Double.POSITIVE_INFINITY : PiPolicyConfig.defaults().lr().slew();
    LogLrTrend trend =
        new LogLrTrend(steps / 2, eta / 100 * Math.exp(DELTA), eta * 100 * Math.exp(DELTA), slew);
    RunSpec spec =
        RunSpec.of(SimulatedTrainer.Config.of(g.nqm(), OptimizerKind.SGD, seed), policy, steps);
    RunResult r =
        Runner.run(
            spec,
            NqmProblem.stationary(g.nqm(), copies, eta, seed),
            new Runner.Warmup(warmup, eta),
            trend);
    double std = r.diverged() ? Double.NaN : trend.residualStd();
    return new StabilityMap.Run(r.diverged(), trend.hitBound, std, trend.activity());
  }

  /** Runs the suite on the loop with {@code pi}'s shipped parts ({@link Gear#SHIPPED}). */
  public static Outcome run(boolean quick, int seedsOverride, Runner runner) {
    return run(Gear.SHIPPED, quick, seedsOverride, runner);
  }

  /** Runs the suite with {@code gear}. */
  public static Outcome run(Gear gear, boolean quick, int seedsOverride, Runner runner) {
    return StabilityMapReport.outcome(map(gear, quick, seedsOverride, runner));
  }

  /** Analyses and simulates the grid of every regime, then re-runs the disagreeing points. */
  static StabilityMap map(Gear gear, boolean quick, int seedsOverride, Runner runner) {
    int seeds = seedsOverride > 0 ? seedsOverride : (quick ? 2 : 5);
    int warmup = 200;
    int copies = COPIES;
    int steps = quick ? 1500 : 3000;
    List<Regime> regimes = regimes(quick);
    List<StabilityMap.RegimeMap> maps = new ArrayList<>();
    for (Regime g : regimes) {
      LrLoopStability.Plant plant =
          LrLoopStability.alignmentOnQuadratic(g.spectrum(), g.noiseVar(), g.setpoint());
      double kiCrit = LrLoopBoundary.critical(plant, LrLoopBoundary.Axis.KI, 0, ALPHA);
      double kpCrit = LrLoopBoundary.critical(plant, LrLoopBoundary.Axis.KP, kiCrit / 100, ALPHA);
      maps.add(new StabilityMap.RegimeMap(g, plant, kpGrid(quick, kpCrit), kiGrid(quick, kiCrit)));
    }
    List<Callable<StabilityMap.Point>> tasks = new ArrayList<>();
    for (int r = 0; r < maps.size(); r++) {
      StabilityMap.RegimeMap m = maps.get(r);
      int rr = r;
      for (double p : m.kp()) {
        for (double i : m.ki()) {
          tasks.add(() -> point(rr, m, gear, p, i, seeds, copies, warmup, steps));
        }
      }
    }
    List<StabilityMap.Point> points = runner.map(tasks, "stability-map");
    // noise check: the points the analysis calls stable and the simulation unstable, once more
    // (seed 1) with 16x the quiet run's copies, i.e. a quarter of its cosine noise
    List<Callable<StabilityMap.Run>> checks = new ArrayList<>();
    List<StabilityMap.Point> checked = new ArrayList<>();
    for (StabilityMap.Point pt : points) {
      if (pt.analyticStable() && !pt.simStable()) {
        StabilityMap.RegimeMap m = maps.get(pt.regime());
        checked.add(pt);
        checks.add(
            () ->
                simulateOnce(
                    m.regime(),
                    gear,
                    m.eta(),
                    pt.kp(),
                    pt.ki(),
                    1,
                    NOISE_CHECK_COPIES,
                    warmup,
                    steps));
      }
    }
    List<StabilityMap.Run> rechecked = runner.map(checks, "stability-map: noise check");
    List<StabilityMap.Recheck> noiseCheck = new ArrayList<>();
    for (int k = 0; k < checked.size(); k++) {
      noiseCheck.add(new StabilityMap.Recheck(checked.get(k), rechecked.get(k)));
    }
    return new StabilityMap(gear, quick, seeds, warmup, steps, maps, points, noiseCheck);
  }

  /** One grid point: the analysis, the noise prediction and the simulated seeds. */
  private static StabilityMap.Point point(
      int r,
      StabilityMap.RegimeMap m,
      Gear gear,
      double kp,
      double ki,
      int seeds,
      int copies,
      int warmup,
      int steps) {
    Regime g = m.regime();
    double eta = m.eta();
    LrLoopStability.Result a = LrLoopStability.analyze(m.plant(), kp, ki, ALPHA, 1, 0, true);
    List<StabilityMap.Sim> sims = new ArrayList<>();
    int unstable = 0;
    for (int s = 0; s < seeds; s++) {
      StabilityMap.Sim sim = simulate(g, gear, eta, kp, ki, 1 + s, copies, warmup, steps);
      sims.add(sim);
      unstable += sim.unstable() ? 1 : 0;
    }
    double sd =
        a.stable()
            ? LrLoopNoise.logLrStd(
                m.plant(),
                kp,
                ki,
                ALPHA,
                LrLoopNoise.alignmentVariance(g.spectrum(), g.noiseVar(), eta, 4 * copies))
            : Double.POSITIVE_INFINITY;
    double headroom = Math.log(2 / (eta * g.nqm().lambdaMax()));
    boolean margin = a.stable() && NOISE_SIGMAS * sd < headroom;
    StabilityMap.Slew slew = null;
    boolean predicted = a.stable();
    if (gear == Gear.SHIPPED) {
      slew = slewPrediction(m, kp, ki, copies);
      predicted = slew.stable();
    }
    return new StabilityMap.Point(
        r, kp, ki, a.spectralRadius(), predicted, sd, margin, slew, sims, 2 * unstable < seeds);
  }

  /**
   * The slew-limited loop's prediction ({@link LrLoopNoise#slewLimited} at the shipped slew) at the
   * quiet and the noisy run's cosine noise, classified by the simulation's own criterion applied to
   * the predicted deviations: unstable when no equivalent gain keeps the loop stable, or when the
   * quiet deviation is above {@value #SUSTAINED_FLOOR} and above {@value #SUSTAINED_RATIO} × the
   * noisy one (a slew-bound loop whose fluctuation does not shrink with the noise).
   */
  static StabilityMap.Slew slewPrediction(
      StabilityMap.RegimeMap m, double kp, double ki, int copies) {
    Regime g = m.regime();
    double eta = m.eta();
    double lnSlew = Math.log(PiPolicyConfig.defaults().lr().slew());
    LrLoopNoise.Slewed quiet =
        LrLoopNoise.slewLimited(
            m.plant(),
            kp,
            ki,
            ALPHA,
            LrLoopNoise.alignmentVariance(g.spectrum(), g.noiseVar(), eta, 4 * copies),
            lnSlew);
    LrLoopNoise.Slewed noisy =
        LrLoopNoise.slewLimited(
            m.plant(),
            kp,
            ki,
            ALPHA,
            LrLoopNoise.alignmentVariance(g.spectrum(), g.noiseVar(), eta, copies),
            lnSlew);
    boolean sustained =
        quiet.logLrStd() > SUSTAINED_FLOOR && quiet.logLrStd() > SUSTAINED_RATIO * noisy.logLrStd();
    boolean stable = quiet.gain() > 0 && noisy.gain() > 0 && !sustained;
    return new StabilityMap.Slew(
        quiet.gain(), quiet.logLrStd(), noisy.gain(), noisy.logLrStd(), stable);
  }
}
