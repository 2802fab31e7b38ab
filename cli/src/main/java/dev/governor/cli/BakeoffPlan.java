package dev.governor.cli;

import dev.governor.cli.BakeoffContenders.Contender;
import dev.governor.cli.BakeoffContenders.Lr;
import dev.governor.control.PolicySpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What a {@code governor bakeoff} runs ({@link BakeoffCommand}): its entries per workload and gear
 * setting (contender × initial-LR multiplier), the spec text of each, the tuning trials of the
 * tuned baselines and the choice among them, and the scored runs.
 */
final class BakeoffPlan {
  private BakeoffPlan() {}

  /** The initial-LR multipliers of the contenders that need an LR and are not tuned. */
  static final double[] LR_GRID = {0.1, 1, 10};

  /** One run to do. */
  record Task(
      BakeoffWorkload w,
      String gear,
      String entry,
      String role,
      long seed,
      PolicySpec spec,
      String optimizer,
      Map<String, Object> config) {}

  /** A run done. */
  record Done(Task task, BakeoffWorkload.Run run) {}

  /** An entry of a workload's table in one gear setting. */
  static final class Entry {
    final String name;
    final Contender contender;
    final String gear;
    final double lrMult;
    PolicySpec spec;
    String skipped;
    Map<String, Object> tuning;
    final List<BakeoffWorkload.Run> runs = new ArrayList<>();

    Entry(String name, Contender c, String gear, double lrMult) {
      this.name = name;
      this.contender = c;
      this.gear = gear;
      this.lrMult = lrMult;
    }
  }

  static String mult(double m) {
    return m == 1 ? "1" : m == 10 ? "10" : Double.toString(m);
  }

  /**
   * {@code spec} with {@code extra} options added when the entry is {@code pi} or {@code pi} over
   * another optimizer ({@code pi+sf}).
   */
  static String withOptions(String spec, String label, Map<String, String> extra) {
    if (!(label.equals("pi") || label.startsWith("pi+")) || extra.isEmpty()) {
      return spec;
    }
    PolicySpec s = PolicySpec.parse(spec);
    for (Map.Entry<String, String> e : extra.entrySet()) {
      s = s.with(e.getKey(), e.getValue());
    }
    return s.toString();
  }

  /** The contender's spec text for a gear setting, workload, LR and extra values. */
  static String template(Contender c, String gear, BakeoffWorkload w, double lr, long total) {
    return template(c, gear, w, lr, Map.of("tmax", total));
  }

  static String template(
      Contender c, String gear, BakeoffWorkload w, double lr, Map<String, Object> extra) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("lr", lr);
    v.put("T", w.steps);
    v.put("tmax", extra.getOrDefault("tmax", w.steps));
    v.put("t0", Math.max(1, w.steps / 7));
    v.put("sweep", Math.max(20, w.steps / 10));
    v.put("clip", w.standardClip);
    return BakeoffContenders.fill(gear.equals("on") ? c.gearOn() : c.gearOff(), v);
  }

  /**
   * The tuning configurations of a tuned contender: {@code n} drawn without replacement (seeded,
   * the same for every run of the command) from LR = default × 10^(k/4), k = −4 … 4, and — when the
   * template has a horizon — t-max ∈ {1, 1.5, 2} × budget.
   */
  static List<Map<String, Object>> trialGrid(Contender c, BakeoffWorkload w, int n) {
    boolean horizon = c.gearOn().contains("{tmax}");
    List<Map<String, Object>> grid = new ArrayList<>();
    double[] fracs = horizon ? new double[] {1, 1.5, 2} : new double[] {1};
    for (int k = -4; k <= 4; k++) {
      for (double f : fracs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", w.defaultLr * Math.pow(10, k / 4.0));
        if (horizon) {
          m.put("tmax", Math.round(w.steps * f));
        }
        grid.add(m);
      }
    }
    SplittableRandom rng = new SplittableRandom(20240601L);
    for (int i = grid.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      Map<String, Object> t = grid.get(i);
      grid.set(i, grid.get(j));
      grid.set(j, t);
    }
    return new ArrayList<>(grid.subList(0, Math.min(n, grid.size())));
  }

  static List<Long> trainingSeeds(int n) {
    List<Long> s = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      s.add(100L + k);
    }
    return s;
  }

  /**
   * The entries of every workload and gear setting, in table order: each contender once, or once
   * per multiplier of {@link #LR_GRID} when it needs an LR; a contender whose optimizer or spec is
   * unavailable is kept with its reason (printed on {@code stderr} and added to {@code skipped}).
   */
  static Map<BakeoffWorkload, Map<String, List<Entry>>> entries(
      List<BakeoffWorkload> ws,
      List<String> gears,
      List<String> contenders,
      Map<String, String> piExtra,
      PrintWriter stderr,
      List<Map<String, Object>> skipped) {
    Map<BakeoffWorkload, Map<String, List<Entry>>> plan = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      Map<String, List<Entry>> byGear = new LinkedHashMap<>();
      for (String g : gears) {
        List<Entry> list = new ArrayList<>();
        for (String label : contenders) {
          Contender c = BakeoffContenders.get(label);
          double[] mults = c.lr() == Lr.GRID ? LR_GRID : new double[] {1};
          for (double m : mults) {
            String name = label + (c.lr() == Lr.GRID ? "@x" + mult(m) : "");
            name += g.equals("on") || gears.size() == 1 ? "" : "/nogear";
            Entry e = new Entry(name, c, g, m);
            String why = BakeoffWorkload.unavailable(c.optimizer());
            if (why == null) {
              BakeoffContenders.Parsed p =
                  BakeoffContenders.parse(
                      withOptions(
                          template(c, g, w, c.centre(w.defaultLr) * m, w.steps), label, piExtra));
              why = p.unavailable();
              e.spec = p.spec();
            }
            if (why != null) {
              e.skipped = why;
              stderr.println("bakeoff: skipping " + w.name + " " + name + ": " + why);
              Map<String, Object> s = new LinkedHashMap<>();
              s.put("workload", w.name);
              s.put("entry", name);
              s.put("gear", g);
              s.put("reason", why);
              skipped.add(s);
            }
            list.add(e);
          }
        }
        byGear.put(g, list);
      }
      plan.put(w, byGear);
    }
    return plan;
  }

  /**
   * The tuning runs: every trial configuration ({@link #trialGrid}) of every tuned entry on each of
   * the {@code nTrain} training seeds; {@code trialConfigs} receives each entry's configurations.
   */
  static List<Task> tuningTasks(
      List<BakeoffWorkload> ws,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      int nTrials,
      int nTrain,
      Map<Entry, List<Map<String, Object>>> trialConfigs) {
    List<Task> tuning = new ArrayList<>();
    for (BakeoffWorkload w : ws) {
      for (List<Entry> list : plan.get(w).values()) {
        for (Entry e : list) {
          if (e.skipped != null || e.contender.lr() != Lr.TUNED) {
            continue;
          }
          List<Map<String, Object>> cfgs = trialGrid(e.contender, w, nTrials);
          trialConfigs.put(e, cfgs);
          for (int i = 0; i < cfgs.size(); i++) {
            PolicySpec s =
                PolicySpec.parse(
                    template(e.contender, e.gear, w, (double) cfgs.get(i).get("lr"), cfgs.get(i)));
            for (int k = 0; k < nTrain; k++) {
              tuning.add(
                  new Task(
                      w,
                      e.gear,
                      e.name,
                      "trial" + i,
                      100 + k,
                      s,
                      e.contender.optimizer(),
                      cfgs.get(i)));
            }
          }
        }
      }
    }
    return tuning;
  }

  /**
   * Chooses each tuned entry's configuration from its trial runs {@code tuned}: the best mean
   * validation metric over the training seeds (the first trial on ties); sets the entry's spec and
   * its tuning record (every trial's score, the choice, the training seeds).
   */
  static void choose(
      Map<Entry, List<Map<String, Object>>> trialConfigs,
      List<Done> tuned,
      List<BakeoffWorkload> ws,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      int nTrain) {
    for (Map.Entry<Entry, List<Map<String, Object>>> te : trialConfigs.entrySet()) {
      Entry e = te.getKey();
      BakeoffWorkload w = null;
      for (BakeoffWorkload x : ws) {
        if (plan.get(x).get(e.gear).contains(e)) {
          w = x;
        }
      }
      List<Map<String, Object>> cfgs = te.getValue();
      double best = Double.NaN;
      int bestI = -1;
      List<Map<String, Object>> trialRows = new ArrayList<>();
      for (int i = 0; i < cfgs.size(); i++) {
        double sum = 0;
        int n = 0;
        for (Done d : tuned) {
          if (d.task().entry().equals(e.name)
              && d.task().w() == w
              && d.task().gear().equals(e.gear)
              && d.task().role().equals("trial" + i)) {
            sum += w.tuningScore(d.run());
            n++;
          }
        }
        double score = sum / n;
        Map<String, Object> row = new LinkedHashMap<>(cfgs.get(i));
        row.put("validation_" + (w.text ? "bpc" : "accuracy"), score);
        trialRows.add(row);
        boolean better = w.higherIsBetter() ? score > best : score < best;
        if (bestI < 0 || better) {
          best = score;
          bestI = i;
        }
      }
      Map<String, Object> chosen = cfgs.get(bestI);
      e.spec =
          PolicySpec.parse(template(e.contender, e.gear, w, (double) chosen.get("lr"), chosen));
      e.tuning = new LinkedHashMap<>();
      e.tuning.put("trials", trialRows);
      e.tuning.put("chosen", chosen);
      e.tuning.put("training_seeds", trainingSeeds(nTrain));
    }
  }

  /** The scored runs: every entry that runs, on seeds {@code first} … {@code first + seeds − 1}. */
  static List<Task> scoredTasks(
      List<BakeoffWorkload> ws,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      int first,
      int seeds) {
    List<Task> heldout = new ArrayList<>();
    for (BakeoffWorkload w : ws) {
      for (List<Entry> list : plan.get(w).values()) {
        for (Entry e : list) {
          if (e.skipped != null) {
            continue;
          }
          for (int s = first; s < first + seeds; s++) {
            heldout.add(
                new Task(
                    w, e.gear, e.name, "heldout", s, e.spec, e.contender.optimizer(), Map.of()));
          }
        }
      }
    }
    return heldout;
  }

  /** Hands each scored run to its entry. */
  static void collect(List<Done> done, Map<BakeoffWorkload, Map<String, List<Entry>>> plan) {
    for (Done d : done) {
      for (Entry e : plan.get(d.task().w()).get(d.task().gear())) {
        if (e.name.equals(d.task().entry())) {
          e.runs.add(d.run());
        }
      }
    }
  }
}
