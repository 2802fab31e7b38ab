package dev.governor.sim;

import static dev.governor.sim.BakeoffLineup.targetRule;
import static dev.governor.sim.BakeoffStats.TAUS;
import static dev.governor.sim.BakeoffStats.bootstrapMedianCi;
import static dev.governor.sim.BakeoffStats.denominator;
import static dev.governor.sim.BakeoffStats.geomean;
import static dev.governor.sim.BakeoffStats.penalised;
import static dev.governor.sim.BakeoffStats.ratio;
import static dev.governor.sim.BakeoffStats.steps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import dev.governor.sim.BakeoffLineup.Contender;
import dev.governor.sim.BakeoffLineup.Prob;
import dev.governor.sim.BakeoffLineup.Role;
import dev.governor.sim.BakeoffSuite.AtLr;
import dev.governor.sim.BakeoffSuite.Cell;
import dev.governor.sim.BakeoffSuite.Protocol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the bake-off's cells ({@link BakeoffSuite}) as its {@code summary.json} tree, terminal
 * table and HTML page, and evaluates its goals.
 */
final class BakeoffReport {
  private BakeoffReport() {}

  static Outcome summarize(
      ObjectNode s,
      Protocol pr,
      List<Prob> problems,
      List<Contender> contenders,
      List<Cell> cells,
      Map<String, String> skipped,
      boolean quick) {
    List<String> table = new ArrayList<>();
    ObjectNode goals = s.putObject("goals");
    HtmlPage rep = new HtmlPage("Bake-off" + (quick ? " (quick)" : ""));
    rep.text(
        "Every contender with the same safety gear; tuned baselines get "
            + pr.trials()
            + " trials of "
            + pr.method().name().toLowerCase(Locale.ROOT)
            + " search on each problem's training seeds "
            + pr.trainSeeds()
            + "; scores on held-out seeds "
            + pr.heldoutSeeds()
            + ", "
            + pr.steps()
            + " steps. Targets: "
            + targetRule());
    if (!skipped.isEmpty()) {
      rep.text("Not run (not available in this build): " + skipped);
    }
    for (boolean gear : pr.gearModes()) {
      boolean headline = gear == pr.gearModes().get(0);
      String suffix = headline ? "" : (gear ? "_gear_on" : "_gear_off");
      ObjectNode perProblem = s.putObject("per_problem" + suffix);
      ObjectNode agg = s.putObject("aggregate" + suffix);
      Map<String, Map<String, double[]>> ratios =
          new LinkedHashMap<>(); // contender -> problem -> {normal, strict}
      Map<String, Map<String, double[]>> rel =
          new LinkedHashMap<>(); // vs best ranked, for profiles
      for (Prob p : problems) {
        ObjectNode pp = perProblem.putObject(p.name());
        List<Cell> pc = cells.stream().filter(c -> c.problem() == p && c.gear() == gear).toList();
        double[] bestTuned = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        double[] bestRanked = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        for (Cell c : pc) {
          if (c.contender() instanceof AtLr) {
            continue;
          }
          for (int k = 0; k < 2; k++) {
            double m = penalised(Stats.median(steps(c.runs(), k == 1)), pr.steps());
            if (c.contender().role() == Role.TUNED) {
              bestTuned[k] = Math.min(bestTuned[k], m);
            }
            if (c.contender().role() != Role.ORACLE) {
              bestRanked[k] = Math.min(bestRanked[k], m);
            }
          }
        }
        table.add("");
        table.add(
            String.format(
                Locale.ROOT,
                "%s%s, gear %s",
                p.name(),
                p.heldout() ? " (held out)" : " (training)",
                gear ? "on" : "off"));
        table.add(
            String.format(
                Locale.ROOT,
                "  %-16s %-9s %4s %4s %4s %8s %17s %8s %10s %7s %7s",
                "contender",
                "role",
                "runs",
                "div",
                "rch",
                "med",
                "ci95",
                "strict",
                "final",
                "ratio",
                "r.strict"));
        List<List<String>> rows = new ArrayList<>();
        rows.add(
            List.of(
                "contender",
                "role",
                "runs",
                "diverged",
                "reached",
                "median steps",
                "95% CI",
                "strict median",
                "final loss",
                "loss @25/50/100%",
                "ratio to best tuned",
                "ratio (strict)"));
        Chart any =
            Chart.of(
                    p.name() + " (gear " + (gear ? "on" : "off") + "): median exact loss vs budget",
                    "fraction of budget",
                    "loss")
                .logY();
        for (Cell c : pc) {
          Contender ct = c.contender();
          ObjectNode o = pp.putObject(ct.name());
          List<RunResult> rs = c.runs();
          int div = 0;
          int reached = 0;
          int reachedStrict = 0;
          for (RunResult r : rs) {
            div += r.diverged() ? 1 : 0;
            reached += r.reachedTarget() ? 1 : 0;
            reachedStrict += r.reachedStrictTarget() ? 1 : 0;
          }
          double[] st = steps(rs, false);
          double[] ss = steps(rs, true);
          double med = Stats.median(st);
          double medS = Stats.median(ss);
          double[] ci = bootstrapMedianCi(st, (p.name() + ct.name()).hashCode());
          double[] fl = PolicyStats.finalLoss(rs);
          double[] q = new double[4];
          for (int k = 1; k <= 4; k++) {
            double[] v = new double[rs.size()];
            for (int i = 0; i < v.length; i++) {
              double l = rs.get(i).lossAtQuarter(k);
              v[i] = Double.isFinite(l) ? l : Double.POSITIVE_INFINITY;
            }
            q[k - 1] = Stats.median(v);
          }
          double ratio = ratio(penalised(med, pr.steps()), denominator(bestTuned[0], pr.steps()));
          double ratioS = ratio(penalised(medS, pr.steps()), denominator(bestTuned[1], pr.steps()));
          o.put("role", ct.role().id());
          o.put("runs", rs.size());
          o.put("diverged", div);
          o.put("reached", reached);
          o.put("reached_strict", reachedStrict);
          Json.put(o, "median_steps_to_target", med);
          o.set("ci95", Json.array(ci));
          Json.put(o, "median_steps_to_strict_target", medS);
          Json.put(o, "final_loss_median", Stats.median(fl));
          o.set("anytime_loss_median", Json.array(q));
          Json.put(o, "ratio_to_best_tuned", ratio);
          Json.put(o, "ratio_to_best_tuned_strict", ratioS);
          o.put("heldout", p.heldout());
          if (!(ct instanceof AtLr) && ct.role() != Role.ORACLE) {
            ratios
                .computeIfAbsent(ct.name(), k -> new LinkedHashMap<>())
                .put(p.name(), new double[] {ratio, ratioS});
            rel.computeIfAbsent(ct.name(), k -> new LinkedHashMap<>())
                .put(
                    p.name(),
                    new double[] {
                      ratio(penalised(med, pr.steps()), denominator(bestRanked[0], pr.steps())),
                      ratio(penalised(medS, pr.steps()), denominator(bestRanked[1], pr.steps()))
                    });
          }
          table.add(
              String.format(
                  Locale.ROOT,
                  "  %-16s %-9s %4d %4d %4d %8s %17s %8s %10.3g %7.2f %7.2f",
                  ct.name(),
                  ct.role().id(),
                  rs.size(),
                  div,
                  reached,
                  fmtSteps(med),
                  "[" + fmtSteps(ci[0]) + ", " + fmtSteps(ci[1]) + "]",
                  fmtSteps(medS),
                  Stats.median(fl),
                  ratio,
                  ratioS));
          rows.add(
              List.of(
                  ct.name(),
                  ct.role().id(),
                  Integer.toString(rs.size()),
                  Integer.toString(div),
                  Integer.toString(reached),
                  fmtSteps(med),
                  "[" + fmtSteps(ci[0]) + ", " + fmtSteps(ci[1]) + "]",
                  fmtSteps(medS),
                  Num.sig(Stats.median(fl), 4),
                  Num.sig(q[0], 4) + " / " + Num.sig(q[1], 4) + " / " + Num.sig(q[3], 4),
                  String.format(Locale.ROOT, "%.2f", ratio),
                  String.format(Locale.ROOT, "%.2f", ratioS)));
          if (!(ct instanceof AtLr)) {
            double[] xs = {0.25, 0.5, 0.75, 1.0};
            double[] ys = q.clone();
            boolean finite = true;
            for (double y : ys) {
              finite &= Double.isFinite(y) && y > 0;
            }
            if (finite) {
              any.add(Series.points(ct.name(), xs, ys));
            }
          }
        }
        rep.heading(
            p.name()
                + (p.heldout() ? " (held out)" : " (training)")
                + ", gear "
                + (gear ? "on" : "off"));
        rep.table(rows);
        rep.chart(any);
      }
      // aggregates over the held-out problems (and, separately, the training ones)
      List<String> held = problems.stream().filter(Prob::heldout).map(Prob::name).toList();
      List<String> train = problems.stream().filter(p -> !p.heldout()).map(Prob::name).toList();
      table.add("");
      table.add(
          String.format(
              Locale.ROOT,
              "aggregate, gear %s: geometric mean of ratio to the best tuned baseline (held out |"
                  + " training), profile = fraction of held-out problems within tau x the best",
              gear ? "on" : "off"));
      table.add(
          String.format(
              Locale.ROOT,
              "  %-16s %-9s %9s %9s %9s   %s",
              "contender",
              "role",
              "held-out",
              "strict",
              "training",
              "profile tau=" + java.util.Arrays.toString(TAUS)));
      Chart prof =
          Chart.of(
                  "Performance profile, held-out problems, gear " + (gear ? "on" : "off"),
                  "tau (x best)",
                  "fraction of problems")
              .logX();
      List<List<String>> aggRows = new ArrayList<>();
      aggRows.add(
          List.of(
              "contender",
              "role",
              "geomean ratio (held out)",
              "strict",
              "geomean ratio (training)",
              "profile"));
      for (Contender c : contenders) {
        if (c.role() == Role.ORACLE || !ratios.containsKey(c.name())) {
          continue;
        }
        Map<String, double[]> r = ratios.get(c.name());
        double gh = geomean(r, held, 0);
        double ghs = geomean(r, held, 1);
        double gt = geomean(r, train, 0);
        double[] profile = new double[TAUS.length];
        for (int i = 0; i < TAUS.length; i++) {
          int n = 0;
          int defined = 0;
          for (String h : held) {
            double v = rel.get(c.name()).get(h)[0];
            defined += Double.isNaN(v) ? 0 : 1;
            n += v <= TAUS[i] * (1 + 1e-12) ? 1 : 0;
          }
          profile[i] = defined == 0 ? Double.NaN : (double) n / defined;
        }
        ObjectNode o = agg.putObject(c.name());
        o.put("role", c.role().id());
        Json.put(o, "geomean_ratio", gh);
        Json.put(o, "geomean_ratio_strict", ghs);
        Json.put(o, "geomean_ratio_training", gt);
        o.set("profile_tau", Json.array(TAUS));
        o.set("profile", Json.array(profile));
        table.add(
            String.format(
                Locale.ROOT,
                "  %-16s %-9s %9.2f %9.2f %9.2f   %s",
                c.name(),
                c.role().id(),
                gh,
                ghs,
                gt,
                fmtProfile(profile)));
        aggRows.add(
            List.of(
                c.name(),
                c.role().id(),
                String.format(Locale.ROOT, "%.2f", gh),
                String.format(Locale.ROOT, "%.2f", ghs),
                String.format(Locale.ROOT, "%.2f", gt),
                fmtProfile(profile)));
        prof.add(Series.points(c.name(), TAUS, profile));
      }
      rep.heading("Aggregate, gear " + (gear ? "on" : "off"));
      rep.table(aggRows);
      rep.chart(prof);
      if (gear == pr.gearModes().get(0)) {
        goals(goals, cells, ratios, held, contenders, gear);
      }
    }
    table.add("");
    table.add("held-out problems, gear " + (pr.gearModes().get(0) ? "on" : "off") + ":");
    table.addAll(Goals.lines(goals));
    if (!skipped.isEmpty()) {
      table.add("not run (not available in this build): " + skipped.keySet());
    }
    rep.text("Goals: " + goals);
    // the report opens with the aggregate
    return new Outcome(s, rep, table, Goals.failures("bakeoff", goals));
  }

  private static void goals(
      ObjectNode goals,
      List<Cell> cells,
      Map<String, Map<String, double[]>> ratios,
      List<String> held,
      List<Contender> contenders,
      boolean gear) {
    if (!ratios.containsKey("pi") || held.isEmpty()) {
      return;
    }
    double pi = geomean(ratios.get("pi"), held, 0);
    Goals.add(goals, "pi_geomean_ratio_to_best_tuned", pi, "<= 1.0", pi <= 1.0);
    double worstGap = Double.NEGATIVE_INFINITY;
    String worst = "";
    for (Contender c : contenders) {
      if (c.role() == Role.LR_FREE && ratios.containsKey(c.name())) {
        double g = geomean(ratios.get(c.name()), held, 0);
        double gap = pi / g;
        if (gap > worstGap) {
          worstGap = gap;
          worst = c.name();
        }
      }
    }
    Goals.add(
        goals,
        "pi_over_best_lr_free_geomean",
        worst.isEmpty() ? Double.NaN : worstGap,
        worst.isEmpty()
            ? "<= 1.0 (no LR-free contender ran: not evaluated)"
            : "<= 1.0 (best LR-free: " + worst + ")",
        worstGap <= 1.0);
    int div = 0;
    int n = 0;
    boolean strictAll = true;
    for (Cell c : cells) {
      if (c.gear() == gear && c.problem().heldout() && c.contender().name().equals("pi")) {
        for (RunResult r : c.runs()) {
          div += r.diverged() ? 1 : 0;
          n++;
        }
        strictAll &= Double.isFinite(Stats.median(steps(c.runs(), true)));
      }
    }
    Goals.add(goals, "pi_diverged_runs", div, "0 of " + n, div == 0);
    Goals.add(
        goals,
        "pi_median_reaches_strict_target_everywhere",
        strictAll ? 1 : 0,
        "1 (every held-out problem)",
        strictAll);
  }

  private static String fmtSteps(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : "-";
  }

  private static String fmtProfile(double[] p) {
    StringBuilder b = new StringBuilder();
    for (double v : p) {
      b.append(String.format(Locale.ROOT, "%.2f ", v));
    }
    return b.toString().trim();
  }
}
