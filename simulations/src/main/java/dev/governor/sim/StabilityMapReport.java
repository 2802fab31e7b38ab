package dev.governor.sim;

import static dev.governor.sim.StabilityMapSuite.ALPHA;
import static dev.governor.sim.StabilityMapSuite.COPIES;
import static dev.governor.sim.StabilityMapSuite.DELTA;
import static dev.governor.sim.StabilityMapSuite.MARGIN;
import static dev.governor.sim.StabilityMapSuite.NOISE_CHECK_COPIES;
import static dev.governor.sim.StabilityMapSuite.NOISE_SIGMAS;
import static dev.governor.sim.StabilityMapSuite.OSCILLATION_LIMIT;
import static dev.governor.sim.StabilityMapSuite.SUSTAINED_FLOOR;
import static dev.governor.sim.StabilityMapSuite.SUSTAINED_RATIO;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.LrLoopBoundary;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link StabilityMap} as the suite's {@code summary.json} tree, terminal lines and HTML
 * page (one chart per regime: the simulated classes over (K<sub>i</sub>, K<sub>p</sub>) with the
 * analytic boundary of {@link LrLoopBoundary} as lines).
 */
final class StabilityMapReport {
  private StabilityMapReport() {}

  /** The agreement the suite aims at: below it the suite fails (exit 1 from the command). */
  static final double AGREEMENT_GOAL = 0.95;

  static String policy(StabilityMapSuite.Gear gear) {
    return "pi(pv=alignment, lower=true, decay=1, setpoint=r, kp, ki, alpha="
        + ALPHA
        + ", period=1"
        + (gear == StabilityMapSuite.Gear.BARE
            ? ", guard=false, clip-loop=false, cut-growth=1e300, slew=1e300"
            : "")
        + ", lr=eta*/2, lr-floor=lr/100, lr-ceil=100*lr), plain SGD"
        + (gear == StabilityMapSuite.Gear.BARE
            ? ""
            : "; pi's default slew limit, safety cut, spike guard and clip loop");
  }

  /** The suite's name for {@code gear}. */
  static String suiteName(StabilityMapSuite.Gear gear) {
    return gear == StabilityMapSuite.Gear.BARE ? "stability-map-bare" : "stability-map";
  }

  static String analysis(StabilityMapSuite.Gear gear) {
    return gear == StabilityMapSuite.Gear.BARE
        ? "LrLoopStability.alignmentOnQuadratic(h, s2/B, r); analyze(alpha, 1, 0, true): stable"
            + " iff the spectral radius < 1. Reported besides (not the headline): the linear"
            + " loop's noise-driven sd(ln lr) from the cosine's sampling variance"
            + " sum(m_i^2)/(sum m_i)^2 at the quiet run's noise level, and the agreement of a"
            + " noise-margin rule"
        : "LrLoopStability.alignmentOnQuadratic(h, s2/B, r) with the slew limit as a"
            + " random-input describing function (LrLoopNoise.slewLimited: gains scaled by"
            + " N = erf(ln slew / (sqrt 2 sd of the demanded step)), solved for N at the quiet and"
            + " the noisy run's cosine variance sum(m_i^2)/(sum m_i)^2); the simulation's criterion"
            + " applied to the predicted sd(ln lr): unstable when no N keeps the loop stable or the"
            + " quiet sd > "
            + SUSTAINED_FLOOR
            + " and > "
            + SUSTAINED_RATIO
            + " x the noisy sd. The cut, guard and clip loop enter as bounds (class comment of"
            + " StabilityMapSuite); their activity is measured per run";
  }

  static final String CRITERION =
      "each seed runs with the regime's cosine noise and with half of it (4x copies); unstable if"
          + " the quiet run diverges (>1e6 x loss at hand-over or non-finite) or reaches an LR"
          + " bound, or the detrended std of ln lr over the last half does not shrink with the"
          + " noise (quiet/noisy > "
          + SUSTAINED_RATIO
          + ", quiet > "
          + SUSTAINED_FLOOR
          + "); if only the noisy run diverged, quiet std > "
          + OSCILLATION_LIMIT
          + "; point unstable if at least half its seeds are";

  /** The suite's outcome: summary, page, terminal lines, and a failure below the goal. */
  static Outcome outcome(StabilityMap m) {
    List<String> failures =
        m.agreement() >= AGREEMENT_GOAL
            ? List.of()
            : List.of(
                String.format(
                    Locale.ROOT,
                    "%s: agreement %.1f%% over %d points, goal >= %.0f%%",
                    suiteName(m.gear()),
                    100 * m.agreement(),
                    m.points().size(),
                    100 * AGREEMENT_GOAL));
    return new Outcome(summary(m), page(m), table(m), failures);
  }

  /** The {@code summary.json} tree. */
  static ObjectNode summary(StabilityMap m) {
    ObjectNode s = Json.object();
    s.put("suite", suiteName(m.gear()));
    s.put("gear", m.gear().name().toLowerCase(Locale.ROOT));
    s.put("quick", m.quick());
    s.put("seeds", m.seeds());
    s.put("warmup_steps", m.warmup());
    s.put("steps", m.steps());
    s.put("copies_per_curvature", COPIES);
    Json.put(s, "initial_log_lr_offset", DELTA);
    ObjectNode loop = s.putObject("loop");
    loop.put("policy", policy(m.gear()));
    loop.put("analysis", analysis(m.gear()));
    loop.put("criterion", CRITERION);
    ArrayNode regs = s.putArray("regimes");
    for (int r = 0; r < m.regimes().size(); r++) {
      StabilityMap.RegimeMap g = m.regimes().get(r);
      ObjectNode o = regs.addObject();
      o.put("name", g.regime().name());
      o.put("problem", g.regime().nqm().toString());
      Json.put(o, "setpoint", g.regime().setpoint());
      Json.put(o, "equilibrium_lr", g.eta());
      Json.put(o, "equilibrium_lr_times_lambda_max", g.etaLambda());
      Json.put(o, "plant_gain_dcos_dlnlr", g.plant().gain());
      o.set("kp_grid", Json.array(g.kp()));
      o.set("ki_grid", Json.array(g.ki()));
      Json.put(o, "agreement", (double) m.agreeing(r) / m.points(r));
    }
    ArrayNode grid = s.putArray("grid");
    for (StabilityMap.Point p : m.points()) {
      ObjectNode o = grid.addObject();
      o.put("regime", m.regimes().get(p.regime()).regime().name());
      Json.put(o, "kp", p.kp());
      Json.put(o, "ki", p.ki());
      Json.put(o, "spectral_radius", p.rho());
      o.put("analytic_stable", p.analyticStable());
      Json.put(o, "predicted_log_lr_noise_std", p.noiseStd());
      o.put("noise_margin_stable", p.noiseMarginStable());
      if (p.slew() != null) {
        ObjectNode sl = o.putObject("slew_limited");
        Json.put(sl, "quiet_gain", p.slew().quietGain());
        Json.put(sl, "quiet_log_lr_std", p.slew().quietStd());
        Json.put(sl, "noisy_gain", p.slew().noisyGain());
        Json.put(sl, "noisy_log_lr_std", p.slew().noisyStd());
        o.put("linear_stable", p.rho() < 1);
      }
      o.put("simulated_stable", p.simStable());
      o.put("agree", p.agree());
      ArrayNode runs = o.putArray("runs");
      for (StabilityMap.Sim sim : p.sims()) {
        ObjectNode ro = runs.addObject();
        ro.put("diverged", sim.diverged());
        ro.put("hit_bound", sim.hitBound());
        Json.put(ro, "log_lr_std", sim.logLrStd());
        ro.put("noisy_diverged", sim.noisyDiverged());
        Json.put(ro, "noisy_log_lr_std", sim.noisyLogLrStd());
        ro.put("unstable", sim.unstable());
        activity(ro.putObject("activity"), List.of(sim.activity()));
      }
    }
    int n = m.points().size();
    Json.put(s, "agreement", m.agreement());
    ObjectNode nm = s.putObject("agreement_with_noise_margin");
    Json.put(nm, "agreement", (double) m.noiseMarginAgreeing() / n);
    nm.put(
        "rule",
        "poles inside and "
            + NOISE_SIGMAS
            + " x predicted sd(ln lr) < ln(2/(eta* lambda_max)); a tried extension of the"
            + " analysis, not the headline");
    int far = m.outside(MARGIN);
    ObjectNode outside = s.putObject("agreement_outside_margin");
    Json.put(outside, "margin", MARGIN);
    outside.put("points", far);
    Json.put(
        outside, "agreement", far == 0 ? Double.NaN : (double) m.agreeingOutside(MARGIN) / far);
    s.put("points", n);
    ObjectNode conf = s.putObject("confusion");
    conf.put("both_stable", m.confusion(true, true));
    conf.put("both_unstable", m.confusion(false, false));
    conf.put("analytic_stable_simulated_unstable", m.confusion(true, false));
    conf.put("analytic_unstable_simulated_stable", m.confusion(false, true));
    s.put("agreement_goal_met", m.agreement() >= AGREEMENT_GOAL);
    ObjectNode act = s.putObject("activity");
    act.put(
        "what",
        "what the parts beside the analysed loop did in the quiet runs, averaged per run:"
            + " clipped and slew-bound fractions of the steps, safety cuts (LR falls by more than"
            + " the slew allows) and guard actions");
    activity(act.putObject("simulated_stable"), m.activity(true));
    activity(act.putObject("simulated_unstable"), m.activity(false));
    s.putObject("policies");
    ObjectNode nc = s.putObject("noise_check");
    ArrayNode arr = nc.putArray("points");
    for (StabilityMap.Recheck c : m.noiseCheck()) {
      ObjectNode o = arr.addObject();
      o.put("regime", m.regimes().get(c.point().regime()).regime().name());
      Json.put(o, "kp", c.point().kp());
      Json.put(o, "ki", c.point().ki());
      o.put("diverged", c.run().diverged());
      Json.put(o, "log_lr_std", c.run().std());
      o.put("settles", c.settles());
    }
    nc.put("copies", NOISE_CHECK_COPIES);
    nc.put(
        "what",
        "analysis-stable, simulation-unstable points re-run (seed 1) with a quarter of the quiet"
            + " run's cosine noise; settles = no divergence, no bound, std(ln lr) <= "
            + OSCILLATION_LIMIT);
    nc.put("checked", m.noiseCheck().size());
    nc.put("settle_with_less_noise", m.settled());
    return s;
  }

  private static void activity(ObjectNode o, List<StabilityMap.Activity> runs) {
    StabilityMap.Activity mean = StabilityMap.Activity.mean(runs);
    o.put("runs", runs.size());
    Json.put(o, "clipped_fraction", mean.clippedFraction());
    Json.put(o, "slew_bound_fraction", mean.slewBoundFraction());
    Json.put(o, "cuts_per_run", mean.cuts());
    Json.put(o, "guard_actions_per_run", mean.guardActions());
  }

  /** The terminal lines: one per regime, the agreement, the parts' activity, the noise check. */
  static List<String> table(StabilityMap m) {
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
    for (int r = 0; r < m.regimes().size(); r++) {
      StabilityMap.RegimeMap g = m.regimes().get(r);
      table.add(
          String.format(
              Locale.ROOT,
              "%-22s %10.4g %8.3f %8.3f %8d %8.1f%%",
              g.regime().name(),
              g.eta(),
              g.etaLambda(),
              g.plant().gain(),
              m.points(r),
              100.0 * m.agreeing(r) / m.points(r)));
    }
    int n = m.points().size();
    table.add(
        String.format(
            Locale.ROOT,
            "agreement %.1f%% over %d points (goal >= 95%%; with noise margin %.1f%%): both stable %d, both"
                + " unstable %d, analysis-only stable %d, simulation-only stable %d",
            100 * m.agreement(),
            n,
            100.0 * m.noiseMarginAgreeing() / n,
            m.confusion(true, true),
            m.confusion(false, false),
            m.confusion(true, false),
            m.confusion(false, true)));
    if (m.gear() == StabilityMapSuite.Gear.SHIPPED) {
      table.add(activityLine("stable", m.activity(true)));
      table.add(activityLine("unstable", m.activity(false)));
    }
    table.add(noiseCheckLine(m));
    return table;
  }

  private static String activityLine(String cls, List<StabilityMap.Activity> runs) {
    StabilityMap.Activity mean = StabilityMap.Activity.mean(runs);
    return String.format(
        Locale.ROOT,
        "shipped parts, simulated-%s runs (%d): %.1f%% of steps clipped, %.1f%% slew-bound, %.2f"
            + " cuts and %.2f guard actions per run",
        cls,
        runs.size(),
        100 * mean.clippedFraction(),
        100 * mean.slewBoundFraction(),
        mean.cuts(),
        mean.guardActions());
  }

  private static String noiseCheckLine(StabilityMap m) {
    return String.format(
        Locale.ROOT,
        "noise check: %d of %d analysis-stable/simulation-unstable points settle with a quarter"
            + " of the cosine noise (%d copies)",
        m.settled(),
        m.noiseCheck().size(),
        NOISE_CHECK_COPIES);
  }

  /** The HTML page: the protocol, the regime table, one map per regime, the noise check. */
  static HtmlPage page(StabilityMap m) {
    HtmlPage rep =
        new HtmlPage(
            "Stability map"
                + (m.gear() == StabilityMapSuite.Gear.BARE ? " (bare loop)" : " (shipped parts)")
                + (m.quick() ? " (quick)" : ""));
    rep.text(
        "Each point: "
            + m.seeds()
            + " seeds, "
            + m.warmup()
            + " warm-up steps at eta*, then "
            + m.steps()
            + " steps of the loop started at eta*/2. Loop: "
            + policy(m.gear())
            + ". Criterion: "
            + CRITERION
            + ". Agreement with LrLoopStability: "
            + String.format(Locale.ROOT, "%.1f%%", 100 * m.agreement())
            + ".");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("regime", "eta*", "eta* lambda_max", "plant gain", "agreement"));
    for (int r = 0; r < m.regimes().size(); r++) {
      StabilityMap.RegimeMap g = m.regimes().get(r);
      rows.add(
          List.of(
              g.regime().name(),
              Num.sig(g.eta(), 4),
              Num.sig(g.etaLambda(), 4),
              Num.sig(g.plant().gain(), 4),
              String.format(Locale.ROOT, "%.1f%%", 100 * ((double) m.agreeing(r) / m.points(r)))));
    }
    rep.table(rows);
    for (int r = 0; r < m.regimes().size(); r++) {
      rep.chart(mapChart(m, r));
    }
    rep.text(
        "Noise check: "
            + noiseCheckLine(m)
            + ". The mean-field analysis has no measurement noise; where the plant gain is"
            + " weak (setpoint near 0) the gains near the boundary amplify the cosine's sampling"
            + " noise into LR excursions beyond the SGD edge.");
    return rep;
  }

  private static Chart mapChart(StabilityMap m, int r) {
    StabilityMap.RegimeMap g = m.regimes().get(r);
    double[] kp = g.kp();
    double[] ki = g.ki();
    Chart c =
        Chart.of(
                g.regime().name()
                    + ": simulated stability over (Ki, Kp), analytic boundary as a line",
                "Ki (integral gain per step)",
                "Kp")
            .logX();
    List<double[]> st = new ArrayList<>();
    List<double[]> un = new ArrayList<>();
    List<double[]> dis = new ArrayList<>();
    for (StabilityMap.Point p : m.points()) {
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
    double kpMax = kp[kp.length - 1];
    double kiLo = ki[0] / 2;
    double kiHi = ki[ki.length - 1] * 2;
    LrLoopBoundary.Curve b = LrLoopBoundary.alongKi(g.plant(), ALPHA, kpMax, kiLo, kiHi);
    if (b.size() > 0) {
      c.add(
          Series.line("analytic boundary (rho = 1), Ki scan", b.ki(), b.kp()).withColor(0x0000ff));
    }
    LrLoopBoundary.Curve bp = LrLoopBoundary.alongKp(g.plant(), ALPHA, kpMax, kiLo, kiHi);
    if (bp.size() > 0) {
      c.add(
          Series.line("analytic boundary (rho = 1), Kp scan", bp.ki(), bp.kp())
              .withColor(0x5a5aff));
    }
    c.markerSize(10);
    return c;
  }

  private static void scatter(Chart c, String name, List<double[]> pts, int rgb, Series.Marker m) {
    if (pts.isEmpty()) {
      return;
    }
    c.add(Series.scatter(name, pts, m).withColor(rgb));
  }
}
