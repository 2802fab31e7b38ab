package dev.governor.sim;

import dev.governor.control.LrLoopStability;
import java.util.List;

/**
 * What the {@code stability-map} suite found ({@link StabilityMapSuite}): per conditioning regime
 * the linearised plant and the gain grids, per grid point the analysis and the simulated seeds, and
 * the noise check of the points where the two disagree. Plain data; {@link StabilityMapReport}
 * renders it.
 *
 * @param gear which of {@code pi}'s parts ran beside the analysed loop
 * @param quick the quick variant
 * @param seeds seeds per grid point
 * @param warmup warm-up steps at η* before the hand-over
 * @param steps steps of the loop after the hand-over
 * @param regimes the regimes, in order
 * @param points every grid point, regime by regime
 * @param noiseCheck the re-run points (analysis-stable, simulation-unstable)
 */
record StabilityMap(
    StabilityMapSuite.Gear gear,
    boolean quick,
    int seeds,
    int warmup,
    int steps,
    List<RegimeMap> regimes,
    List<Point> points,
    List<Recheck> noiseCheck) {

  /** Copies the lists. */
  StabilityMap {
    regimes = List.copyOf(regimes);
    points = List.copyOf(points);
    noiseCheck = List.copyOf(noiseCheck);
  }

  /**
   * One regime's analysis.
   *
   * @param regime the regime
   * @param plant its linearised plant at η*
   * @param kp the K<sub>p</sub> grid
   * @param ki the K<sub>i</sub> grid
   */
  record RegimeMap(
      StabilityMapSuite.Regime regime, LrLoopStability.Plant plant, double[] kp, double[] ki) {

    /** Copies the grids. */
    RegimeMap {
      kp = kp.clone();
      ki = ki.clone();
    }

    @Override
    public double[] kp() {
      return kp.clone();
    }

    @Override
    public double[] ki() {
      return ki.clone();
    }

    /** η*, the equilibrium learning rate. */
    double eta() {
      return plant.equilibriumLr();
    }

    /** η*·λ<sub>max</sub>. */
    double etaLambda() {
      return plant.equilibriumLr() * regime.nqm().lambdaMax();
    }
  }

  /**
   * What the parts beside the analysed loop did over one run (after the hand-over).
   *
   * @param clippedFraction fraction of the steps whose gradient norm exceeded the clip threshold
   * @param slewBoundFraction fraction of the steps whose LR change was held at the slew limit
   * @param cuts LR falls by more than the slew limit allows (safety cuts; a mean may be fractional)
   * @param guardActions steps with a spike-guard action
   */
  record Activity(
      double clippedFraction, double slewBoundFraction, double cuts, double guardActions) {

    /** The mean over {@code runs} (NaN everywhere when there are none). */
    static Activity mean(List<Activity> runs) {
      double clip = 0;
      double slew = 0;
      double cuts = 0;
      double guard = 0;
      for (Activity a : runs) {
        clip += a.clippedFraction;
        slew += a.slewBoundFraction;
        cuts += a.cuts;
        guard += a.guardActions;
      }
      double n = runs.isEmpty() ? Double.NaN : runs.size();
      return new Activity(clip / n, slew / n, cuts / n, guard / n);
    }
  }

  /**
   * One run at one noise level: diverged, hit a bound, detrended std of ln η (last half), what the
   * shipped parts did.
   */
  record Run(boolean diverged, boolean hitBound, double std, Activity activity) {}

  /**
   * The measured outcome of one simulated seed (quiet run, noisy run, classification, the quiet
   * run's activity of the shipped parts).
   */
  record Sim(
      boolean diverged,
      boolean hitBound,
      double logLrStd,
      boolean noisyDiverged,
      double noisyLogLrStd,
      boolean unstable,
      Activity activity) {}

  /**
   * The slew-limited loop's prediction at one grid point: the equivalent gain and the predicted std
   * of ln η at the quiet and at the noisy run's cosine noise, and the class they give.
   */
  record Slew(
      double quietGain, double quietStd, double noisyGain, double noisyStd, boolean stable) {}

  /**
   * One grid point: analysis and simulation. {@code analyticStable} is the class the analysis of
   * the map's gear predicts: the poles of the linear loop for {@code BARE}, the slew-limited loop's
   * prediction ({@code slew}, null for {@code BARE}) for {@code SHIPPED}.
   */
  record Point(
      int regime,
      double kp,
      double ki,
      double rho,
      boolean analyticStable,
      double noiseStd,
      boolean noiseMarginStable,
      Slew slew,
      List<Sim> sims,
      boolean simStable) {

    /** Copies the seeds. */
    Point {
      sims = List.copyOf(sims);
    }

    boolean agree() {
      return analyticStable == simStable;
    }

    boolean noiseMarginAgree() {
      return noiseMarginStable == simStable;
    }
  }

  /** A re-run of a disagreeing point with less cosine noise. */
  record Recheck(Point point, Run run) {
    /** No divergence, no bound, std(ln η) within {@link StabilityMapSuite#OSCILLATION_LIMIT}. */
    boolean settles() {
      return !run.diverged() && !run.hitBound() && run.std() <= StabilityMapSuite.OSCILLATION_LIMIT;
    }
  }

  /** Fraction of all points where analysis and simulation agree. */
  double agreement() {
    return (double) points.stream().filter(Point::agree).count() / points.size();
  }

  /** Points of regime {@code r}. */
  int points(int r) {
    return (int) points.stream().filter(p -> p.regime() == r).count();
  }

  /** Agreeing points of regime {@code r}. */
  int agreeing(int r) {
    return (int) points.stream().filter(p -> p.regime() == r && p.agree()).count();
  }

  /** Points where the noise-margin rule agrees with the simulation. */
  long noiseMarginAgreeing() {
    return points.stream().filter(Point::noiseMarginAgree).count();
  }

  /** Points with |ρ − 1| at least {@code margin}. */
  int outside(double margin) {
    return (int) points.stream().filter(p -> Math.abs(p.rho() - 1) >= margin).count();
  }

  /** Agreeing points with |ρ − 1| at least {@code margin}. */
  int agreeingOutside(double margin) {
    return (int) points.stream().filter(p -> Math.abs(p.rho() - 1) >= margin && p.agree()).count();
  }

  /** Points stable in analysis ({@code analytic}) and simulation ({@code simulated}). */
  int confusion(boolean analytic, boolean simulated) {
    return (int)
        points.stream()
            .filter(p -> p.analyticStable() == analytic && p.simStable() == simulated)
            .count();
  }

  /** The quiet runs' activity of the points the simulation classed {@code stable} (or not). */
  List<Activity> activity(boolean stable) {
    return points.stream()
        .filter(p -> p.simStable() == stable)
        .flatMap(p -> p.sims().stream())
        .map(Sim::activity)
        .toList();
  }

  /** Re-checked points that settle with less noise. */
  int settled() {
    return (int) noiseCheck.stream().filter(Recheck::settles).count();
  }
}
