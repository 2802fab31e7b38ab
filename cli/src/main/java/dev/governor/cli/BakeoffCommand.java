package dev.governor.cli;

import dev.governor.cli.BakeoffContenders.Contender;
import dev.governor.cli.BakeoffContenders.Lr;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import dev.governor.report.TextTable;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.TextCorpus;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.math3.distribution.TDistribution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor bakeoff}: the fair comparison of {@code pi} with tuned and LR-free baselines on
 * the DL4J workloads (see {@link BakeoffWorkload}, {@link BakeoffContenders}). Protocol:
 *
 * <ol>
 *   <li>Every contender runs with the same safety gear (on, off, or both, reported separately).
 *   <li>LR-needing contenders without tuning ({@code pi}, {@code sgdr}) run at each initial LR of
 *       the grid ×{0.1, 1, 10} around the workload's default.
 *   <li>The tuned baselines ({@code cosine} over LR × t-max, {@code constant} over LR) get the same
 *       budget: {@code --trials} configurations drawn without replacement (seeded) from a fixed
 *       grid, each trained on the training seeds 100, 101, …, chosen by the validation metric; the
 *       chosen configuration is then run on the held-out seeds 1 … {@code --seeds} and only those
 *       runs are reported.
 *   <li>Every reported entry runs on the held-out seeds; per workload: the mean of the metric with
 *       its 95 % t-interval, steps to the target (fixed before any run, see the workload), the
 *       ratio of the median steps to the best tuned baseline's, and a performance profile over the
 *       workloads.
 *   <li>Goals: {@code pi} at every initial LR within the 95 % CI of the tuned cosine or better, and
 *       {@code pi} at its default LR ahead of SF-AdamW and Prodigy at theirs; a missed goal is
 *       printed and the command exits 1.
 * </ol>
 */
@Command(
    name = "bakeoff",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "The fair DL4J bake-off: pi vs tuned cosine / constant, SGDR, range test + cosine and the"
          + " LR-free optimizers on Fashion-MNIST MLP and CNN and a character LSTM on the"
          + " fortunes corpus, with equal safety gear, tuning on training seeds and scoring on"
          + " held-out seeds.",
      "Example: governor bakeoff --quick --out runs/bakeoff1",
      ""
    },
    footer = {
      "",
      "Budget: --quick (MLP 200 steps, CNN 50 steps of batch 64, a 64-unit LSTM on windows of"
          + " 32 for 160 steps; gear on; 4 tuning trials on 1 training seed) measured 24.7 min of"
          + " CPU (--jobs 2; 1 h 41 min wall on a 2-core machine shared at load ~20); the full"
          + " default (5 MLP epochs, 3 CNN epochs, 3000 LSTM"
          + " steps, gear on and off, 8 trials on 2 training seeds) runs for several hours"
          + " (docs/notes/dl4j-bakeoff.md).",
      "Output: DIR/summary.json (protocol, contenders, per-problem figures, aggregate, goals),"
          + " DIR/report.html (per-workload plots and the performance profile).",
      "Exit codes: 0 all goals met, 1 a goal missed (named on stderr), 2 bad option or missing"
          + " data set."
    })
public final class BakeoffCommand implements Callable<Integer> {

  static final double[] LR_GRID = {0.1, 1, 10};

  @Spec CommandSpec spec;

  @Option(
      names = "--workloads",
      paramLabel = "LIST",
      split = ",",
      description = "Workloads (default fmnist-mlp,fmnist-cnn,char-lstm).")
  List<String> workloads = BakeoffWorkload.NAMES;

  @Option(
      names = "--contenders",
      paramLabel = "LIST",
      split = ",",
      description =
          "Contenders (default all: pi,cosine,constant,sgdr,lrfind+cos,sf-adamw,prodigy,dog).")
  List<String> contenders = BakeoffContenders.labels();

  @Option(
      names = "--pi-options",
      paramLabel = "K=V,...",
      description =
          "Extra options for every pi entry, in spec form, e.g. 'wd-tau=0.5, setpoint=-2.3' (to"
              + " score a variant of pi under the same protocol; summary.json records the specs).")
  String piOptions;

  @Option(names = "--quick", description = "The CI-sized variant (< 15 min on 2 cores).")
  boolean quick;

  @Option(
      names = "--seeds",
      paramLabel = "N",
      description = "Held-out seeds 1..N per reported entry (default 3).")
  int seeds = 3;

  @Option(
      names = "--score-on",
      paramLabel = "held-out|training",
      description =
          "Which seeds the reported entries run on: held-out (1..N, the default; the only"
              + " figures to report) or training (100..99+N: for choosing a policy's defaults"
              + " on the training split without looking at held-out seeds).")
  String scoreOn = "held-out";

  @Option(
      names = "--train-seeds",
      paramLabel = "N",
      description = "Training seeds 100.. per tuning trial (default 2; 1 with --quick).")
  Integer trainSeeds;

  @Option(
      names = "--trials",
      paramLabel = "N",
      description = "Tuning trials per tuned baseline (default 8; 4 with --quick).")
  Integer trials;

  @Option(
      names = "--gear",
      paramLabel = "on|off|both",
      description = "Safety gear for every contender (default both; on with --quick).")
  String gear;

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Steps per run for every workload (default: each workload's budget).")
  long steps;

  @Option(
      names = "--data",
      paramLabel = "MODE",
      description =
          "auto (real data when installed, else synthetic stand-ins), real, synthetic (default"
              + " auto).")
  String data = "auto";

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist).")
  Path dataDir = Datasets.DEFAULT_FASHION_MNIST_DIR;

  @Option(
      names = "--text-dir",
      paramLabel = "DIR",
      description = "The fortunes files (default /usr/share/games/fortunes).")
  Path textDir = TextCorpus.DEFAULT_FORTUNES_DIR;

  @Option(
      names = "--goal",
      paramLabel = "WORKLOAD=VALUE",
      description =
          "An extra goal: pi at every initial LR reaches VALUE on WORKLOAD (accuracy >= VALUE,"
              + " or bits per character <= VALUE). Repeatable.")
  List<String> extraGoals = new ArrayList<>();

  @Option(
      names = "--jobs",
      paramLabel = "N",
      description = "Runs in parallel (default: the number of cores).")
  int jobs = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output folder (must not exist). Default runs/bakeoff-<timestamp>.")
  Path out;

  @Option(
      names = "--record",
      description =
          "Record every held-out run as a run folder DIR/runs/<workload>-<entry>-seed-<n>"
              + " (telemetry and decisions), for inspect and the dashboard.")
  boolean record;

  @Option(names = "--quiet", description = "No progress lines.")
  boolean quiet;

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

  @Override
  public Integer call() throws Exception {
    Settings.bind(spec, "bakeoff");
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    int nTrials = trials != null ? trials : quick ? 4 : 8;
    int nTrain = trainSeeds != null ? trainSeeds : quick ? 1 : 2;
    String gearMode = (gear != null ? gear : quick ? "on" : "both").toLowerCase(Locale.ROOT);
    List<String> gears =
        switch (gearMode) {
          case "on" -> List.of("on");
          case "off" -> List.of("off");
          case "both" -> List.of("on", "off");
          default ->
              throw new UserException("--gear must be on, off or both, but was '" + gear + "'");
        };
    if (!scoreOn.equals("held-out") && !scoreOn.equals("training")) {
      throw new UserException("--score-on must be held-out or training, but was '" + scoreOn + "'");
    }
    if (seeds < 2) {
      throw new UserException("--seeds must be >= 2 (for a confidence interval), but was " + seeds);
    }
    Map<String, String> piExtra = Map.of();
    if (piOptions != null) {
      try {
        piExtra = PolicySpec.parse("pi(" + piOptions + ")").options();
        PolicySpec check = PolicySpec.parse("pi(optimizer=adaptive, lr=0.001, t-max=100)");
        for (Map.Entry<String, String> e : piExtra.entrySet()) {
          check = check.with(e.getKey(), e.getValue());
        }
        Policies.create(check);
      } catch (IllegalArgumentException e) {
        throw new UserException("--pi-options '" + piOptions + "': " + e.getMessage(), e);
      }
    }
    if (nTrials < 1) {
      throw new UserException("--trials must be >= 1, but was " + nTrials);
    }
    if (nTrain < 1) {
      throw new UserException("--train-seeds must be >= 1, but was " + nTrain);
    }
    if (jobs < 1) {
      throw new UserException("--jobs must be >= 1, but was " + jobs);
    }
    if (steps < 0) {
      throw new UserException("--steps must be >= 1, but was " + steps);
    }
    String mode = data.toLowerCase(Locale.ROOT);
    if (!List.of("auto", "real", "synthetic").contains(mode)) {
      throw new UserException("--data must be auto, real or synthetic, but was '" + data + "'");
    }
    for (String w : workloads) {
      if (!BakeoffWorkload.NAMES.contains(w)) {
        throw new UserException(
            "--workloads must name some of " + BakeoffWorkload.NAMES + ", but had '" + w + "'");
      }
    }
    for (String c : contenders) {
      if (!BakeoffContenders.labels().contains(c)) {
        throw new UserException(
            "--contenders must name some of "
                + BakeoffContenders.labels()
                + ", but had '"
                + c
                + "'");
      }
    }
    Map<String, Double> goalValues = new LinkedHashMap<>();
    for (String g : extraGoals) {
      int eq = g.indexOf('=');
      String w = eq < 0 ? "" : g.substring(0, eq).trim();
      double v;
      try {
        v = eq < 0 ? Double.NaN : Double.parseDouble(g.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!workloads.contains(w) || !Double.isFinite(v)) {
        throw new UserException(
            "--goal must be WORKLOAD=NUMBER for a workload of this run, but was '" + g + "'");
      }
      goalValues.put(w, v);
    }
    Path dir = out != null ? out : defaultOut();
    if (Files.exists(dir)) {
      throw new UserException("--out " + dir + " already exists; choose a new folder");
    }

    long t0 = System.nanoTime();
    BakeoffWorkload.Sources src = new BakeoffWorkload.Sources(mode, dataDir, textDir);
    List<BakeoffWorkload> ws = new ArrayList<>();
    for (String w : workloads) {
      ws.add(BakeoffWorkload.load(w, quick, steps, src, stderr));
    }
    Files.createDirectories(dir);
    outDir = dir;
    stdout.printf(
        Locale.ROOT,
        "bakeoff: %s, gear %s, %s seeds %d..%d, %d tuning trials x %d training seeds, %d"
            + " jobs -> %s%n",
        quick ? "quick" : "full",
        gearMode,
        scoreOn.equals("training") ? "scored on TRAINING" : "held-out",
        firstScoredSeed(),
        firstScoredSeed() + seeds - 1,
        nTrials,
        nTrain,
        jobs,
        dir);
    for (BakeoffWorkload w : ws) {
      stdout.println("  " + w.describe());
    }
    stdout.flush();
    if (!quiet) {
      stderr.println(
          record
              ? DashboardCommand.hint(dir)
              : "bakeoff: runs are kept in memory; --record writes the held-out runs as run"
                  + " folders for the dashboard");
      stderr.flush();
    }

    // Plan: entries per (workload, gear); skipped ones carry their reason.
    Map<BakeoffWorkload, Map<String, List<Entry>>> plan = new LinkedHashMap<>();
    List<Map<String, Object>> skipped = new ArrayList<>();
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
                      withOptions(template(c, g, w, w.defaultLr * m, w.steps), label, piExtra));
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

    // Phase 1: tuning trials of the tuned baselines on the training seeds.
    List<Task> tuning = new ArrayList<>();
    Map<Entry, List<Map<String, Object>>> trialConfigs = new LinkedHashMap<>();
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
    List<Done> tuned = execute(tuning, stderr, "tuning");
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

    // Phase 2: every entry on the held-out seeds.
    List<Task> heldout = new ArrayList<>();
    for (BakeoffWorkload w : ws) {
      for (List<Entry> list : plan.get(w).values()) {
        for (Entry e : list) {
          if (e.skipped != null) {
            continue;
          }
          for (int s = firstScoredSeed(); s < firstScoredSeed() + seeds; s++) {
            heldout.add(
                new Task(
                    w, e.gear, e.name, "heldout", s, e.spec, e.contender.optimizer(), Map.of()));
          }
        }
      }
    }
    List<Done> done = execute(heldout, stderr, "held-out");
    for (Done d : done) {
      for (Entry e : plan.get(d.task().w()).get(d.task().gear())) {
        if (e.name.equals(d.task().entry())) {
          e.runs.add(d.run());
        }
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;

    // Figures, goals, outputs.
    Map<String, Object> perProblem = new LinkedHashMap<>();
    Map<String, Map<String, Double>> ratios = new LinkedHashMap<>();
    List<List<String>> table = new ArrayList<>();
    table.add(
        List.of(
            "workload",
            "entry",
            "runs",
            "diverged",
            "reached",
            "median steps",
            "metric mean ± ci95",
            "test",
            "ratio",
            "spec"));
    for (BakeoffWorkload w : ws) {
      Map<String, Object> pw = new LinkedHashMap<>();
      for (String g : gears) {
        List<Entry> list = plan.get(w).get(g);
        double bestTuned = Double.POSITIVE_INFINITY;
        for (Entry e : list) {
          if (e.skipped == null && e.contender.lr() == Lr.TUNED) {
            bestTuned = Math.min(bestTuned, medianSteps(e));
          }
        }
        for (Entry e : list) {
          Map<String, Object> m = figures(w, e, bestTuned);
          pw.put(e.name, m);
          if (e.skipped == null) {
            ratios.computeIfAbsent(e.name, k -> new LinkedHashMap<>()).put(w.name, medianSteps(e));
            table.add(row(w, e, m));
          }
        }
      }
      perProblem.put(w.name, pw);
    }
    Map<String, Object> aggregate = aggregate(ratios, ws);
    Map<String, Object> goals = new LinkedHashMap<>();
    List<String> missed = new ArrayList<>();
    for (BakeoffWorkload w : ws) {
      String g = gears.get(0);
      goals(w, plan.get(w).get(g), goalValues.get(w.name), goals, missed);
    }

    TextTable.lines(table).forEach(stdout::println);
    stdout.println();
    for (Map.Entry<String, Object> g : goals.entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> v = (Map<String, Object>) g.getValue();
      stdout.println(
          "goal "
              + g.getKey()
              + ": "
              + (v.get("met") == null
                  ? "not evaluated (" + v.get("reason") + ")"
                  : Boolean.TRUE.equals(v.get("met")) ? "met" : "MISSED")
              + (v.get("value") instanceof Double d
                  ? String.format(Locale.ROOT, " (value %.4f, goal %s)", d, v.get("goal"))
                  : ""));
    }

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("command", "bakeoff");
    summary.put("quick", quick);
    summary.put("wall_seconds", wall);
    summary.put("protocol", protocol(ws, gears, nTrials, nTrain));
    Map<String, Object> cs = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      for (List<Entry> list : plan.get(w).values()) {
        for (Entry e : list) {
          Object prev = cs.get(e.name);
          String text =
              e.spec != null
                  ? e.spec.toString()
                  : e.gear.equals("on") ? e.contender.gearOn() : e.contender.gearOff();
          Map<String, Object> specs =
              prev instanceof Map<?, ?> ? castMap(prev) : new LinkedHashMap<>();
          specs.put(w.name, text);
          cs.put(e.name, specs);
        }
      }
    }
    summary.put("contenders", cs);
    summary.put("skipped", skipped);
    summary.put("per_problem", perProblem);
    summary.put("aggregate", aggregate);
    summary.put("goals", goals);
    Json.write(dir.resolve("summary.json"), summary);
    report(dir.resolve("report.html"), ws, plan, gears, table, goals, skipped, aggregate);
    stdout.printf(
        Locale.ROOT,
        "bakeoff: wrote %s and %s (%.0f s)%n",
        dir.resolve("summary.json"),
        dir.resolve("report.html"),
        wall);
    stdout.flush();
    if (!missed.isEmpty()) {
      for (String m : missed) {
        stderr.println("bakeoff: goal missed: " + m);
      }
      return Main.EXIT_CHECK_FAILED;
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  static String mult(double m) {
    return m == 1 ? "1" : m == 10 ? "10" : Double.toString(m);
  }

  /** {@code spec} with {@code extra} options added when the entry is {@code pi}'s. */
  static String withOptions(String spec, String label, Map<String, String> extra) {
    if (!label.equals("pi") || extra.isEmpty()) {
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

  /** The output folder of this bake-off (set once it is created). */
  private Path outDir;

  /**
   * The run folder a recorded held-out run writes: DIR/runs/<workload>-<entry>-seed-<n>, the
   * entry's characters other than letters, digits, '.', '_' and '-' as '_' (pi@x1: pi_x1).
   */
  private RunFolder recordFolder(Task t) {
    String id =
        t.w().name + "-" + t.entry().replaceAll("[^A-Za-z0-9._-]", "_") + "-seed-" + t.seed();
    return RunFolder.create(
        outDir.resolve("runs").resolve(id),
        RunHeader.of(id, t.spec(), Map.of("workload", t.w().name, "entry", t.entry()), t.seed()));
  }

  private List<Done> execute(List<Task> tasks, PrintWriter stderr, String phase)
      throws InterruptedException {
    if (tasks.isEmpty()) {
      return List.of();
    }
    AtomicInteger count = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, tasks.size()));
    try {
      List<Future<Done>> fs = new ArrayList<>();
      for (Task t : tasks) {
        fs.add(
            pool.submit(
                () -> {
                  BakeoffWorkload.Run r =
                      t.w()
                          .run(
                              t.seed(),
                              Policies.create(t.spec()),
                              Dl4jOptimizer.parse(t.optimizer()),
                              record && t.role().equals("heldout") ? recordFolder(t) : null);
                  int k = count.incrementAndGet();
                  if (!quiet) {
                    synchronized (stderr) {
                      stderr.printf(
                          Locale.ROOT,
                          "bakeoff %s [%d/%d] %s %s%s seed %d: %s %.4f, target %s, %.1f s%n",
                          phase,
                          k,
                          tasks.size(),
                          t.w().name,
                          t.entry(),
                          t.role().startsWith("trial") ? " " + t.role() + " " + t.config() : "",
                          t.seed(),
                          t.w().metric(),
                          t.w().score(r),
                          r.stepsToTarget() < 0 ? "not reached" : "at " + r.stepsToTarget(),
                          r.wallSeconds());
                      stderr.flush();
                    }
                  }
                  return new Done(t, r);
                }));
      }
      List<Done> out = new ArrayList<>();
      for (Future<Done> f : fs) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(c);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static double medianSteps(Entry e) {
    if (e.runs.isEmpty()) {
      return Double.POSITIVE_INFINITY;
    }
    double[] v = new double[e.runs.size()];
    for (int i = 0; i < v.length; i++) {
      long s = e.runs.get(i).stepsToTarget();
      v[i] = s < 0 ? Double.POSITIVE_INFINITY : s;
    }
    return median(v);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /**
   * Half-width of the 95 % t-interval of the mean: {@code t(0.975, n−1) · s / √n} with the sample
   * standard deviation {@code s}; NaN for fewer than 2 values.
   */
  static double ci95(double[] v) {
    int n = v.length;
    if (n < 2) {
      return Double.NaN;
    }
    double m = mean(v);
    double ss = 0;
    for (double x : v) {
      ss += (x - m) * (x - m);
    }
    double sd = Math.sqrt(ss / (n - 1));
    return new TDistribution(null, n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
  }

  private static double[] scores(BakeoffWorkload w, Entry e) {
    return e.runs.stream().mapToDouble(r -> clean(w, w.score(r))).toArray();
  }

  private static double clean(BakeoffWorkload w, double v) {
    return Double.isFinite(v) ? v : w.worst();
  }

  private Map<String, Object> figures(BakeoffWorkload w, Entry e, double bestTuned) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("contender", e.contender.label());
    m.put("gear", e.gear);
    m.put("optimizer", e.contender.optimizer());
    m.put("initial_lr_multiplier", e.contender.lr() == Lr.GRID ? e.lrMult : null);
    m.put("tuned", e.contender.lr() == Lr.TUNED);
    m.put("spec", e.spec == null ? null : e.spec.toString());
    if (e.skipped != null) {
      m.put("skipped", e.skipped);
      return m;
    }
    double[] s = scores(w, e);
    double med = medianSteps(e);
    int reached = 0;
    int diverged = 0;
    double[] test = new double[e.runs.size()];
    double[] val = new double[e.runs.size()];
    double[] fin = new double[e.runs.size()];
    for (int i = 0; i < test.length; i++) {
      BakeoffWorkload.Run r = e.runs.get(i);
      reached += r.stepsToTarget() >= 0 ? 1 : 0;
      diverged += r.diverged() ? 1 : 0;
      test[i] = clean(w, r.testMetric());
      val[i] = clean(w, r.valMetric());
      fin[i] = r.finalLr();
    }
    m.put("runs", e.runs.size());
    m.put("diverged", diverged);
    m.put("reached", reached);
    m.put("median_steps_to_target", med);
    double mean = mean(s);
    double h = ci95(s);
    m.put("metric", w.metric());
    m.put("mean", mean);
    m.put("ci95", List.of(mean - h, mean + h));
    m.put(
        "final_loss_median",
        median(e.runs.stream().mapToDouble(BakeoffWorkload.Run::finalLoss).toArray()));
    m.put(
        "ratio_to_best_tuned",
        Double.isFinite(med) && Double.isFinite(bestTuned) ? med / bestTuned : null);
    m.put("heldout", heldoutSeeds(e, firstScoredSeed()));
    if (w.text) {
      m.put("val_bpc_mean", mean(val));
      m.put("val_bpc_ci95", ci95(val));
      m.put("test_bpc_mean", mean(test));
      m.put("test_bpc_ci95", ci95(test));
      m.put("unigram_bpc", w.unigramBits);
    } else {
      m.put("test_accuracy_mean", mean(test));
      m.put("test_accuracy_ci95", ci95(test));
      m.put("val_accuracy_mean", mean(val));
    }
    m.put("per_seed", Arrays.stream(s).boxed().toList());
    m.put(
        "steps_to_target_per_seed",
        e.runs.stream()
            .map(r -> r.stepsToTarget() < 0 ? null : (Object) r.stepsToTarget())
            .toList());
    m.put("final_lr_median", median(fin));
    m.put("guard_events", e.runs.stream().mapToInt(BakeoffWorkload.Run::guardEvents).sum());
    if (e.tuning != null) {
      m.put("tuning", e.tuning);
    }
    return m;
  }

  private static List<Integer> heldoutSeeds(Entry e, int first) {
    List<Integer> s = new ArrayList<>();
    for (int i = first; i < first + e.runs.size(); i++) {
      s.add(i);
    }
    return s;
  }

  private static List<String> row(BakeoffWorkload w, Entry e, Map<String, Object> m) {
    double[] s = scores(w, e);
    double med = medianSteps(e);
    double[] test = e.runs.stream().mapToDouble(r -> clean(w, r.testMetric())).toArray();
    Object ratio = m.get("ratio_to_best_tuned");
    return List.of(
        w.name,
        e.name,
        Integer.toString(e.runs.size()),
        m.get("diverged").toString(),
        m.get("reached").toString(),
        Double.isFinite(med) ? Long.toString((long) med) : "-",
        String.format(Locale.ROOT, "%.4f ± %.4f", mean(s), ci95(s)),
        String.format(Locale.ROOT, "%.4f", mean(test)),
        ratio instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : "-",
        e.spec.toString());
  }

  /** τ values of the performance profile. */
  static final double[] TAUS = {1, 1.1, 1.25, 1.5, 2, 3, 4, 8, 16};

  /**
   * Dolan–Moré performance profile over the workloads on median steps to target: for entry e on
   * workload w, r = steps(e, w) / min over entries of steps(·, w); ρ_e(τ) = fraction of workloads
   * with r ≤ τ (an entry that missed the target never counts). Entries of different gear settings
   * are profiled together. {@code geomean_ratio} is over the workloads the entry reached.
   */
  static Map<String, Object> aggregate(
      Map<String, Map<String, Double>> steps, List<BakeoffWorkload> ws) {
    Map<String, Double> best = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      double b = Double.POSITIVE_INFINITY;
      for (Map<String, Double> per : steps.values()) {
        Double s = per.get(w.name);
        if (s != null) {
          b = Math.min(b, s);
        }
      }
      best.put(w.name, b);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Double>> e : steps.entrySet()) {
      List<Double> r = new ArrayList<>();
      int n = 0;
      for (BakeoffWorkload w : ws) {
        Double s = e.getValue().get(w.name);
        if (s == null) {
          continue;
        }
        n++;
        if (Double.isFinite(s) && Double.isFinite(best.get(w.name))) {
          r.add(s / best.get(w.name));
        }
      }
      double lg = 0;
      for (double x : r) {
        lg += Math.log(x);
      }
      List<List<Double>> profile = new ArrayList<>();
      for (double tau : TAUS) {
        int c = 0;
        for (double x : r) {
          c += x <= tau ? 1 : 0;
        }
        profile.add(List.of(tau, n == 0 ? 0.0 : (double) c / n));
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("geomean_ratio", r.isEmpty() ? null : Math.exp(lg / r.size()));
      m.put("problems", n);
      m.put("problems_reached", r.size());
      m.put("profile", profile);
      out.put(e.getKey(), m);
    }
    return out;
  }

  private static Entry find(List<Entry> list, String contender, double mult) {
    for (Entry e : list) {
      if (e.contender.label().equals(contender) && e.lrMult == mult) {
        return e;
      }
    }
    return null;
  }

  private static void goals(
      BakeoffWorkload w,
      List<Entry> list,
      Double extra,
      Map<String, Object> goals,
      List<String> missed) {
    boolean up = w.higherIsBetter();
    Entry cos = find(list, "cosine", 1);
    for (double m : LR_GRID) {
      Entry pi = find(list, "pi", m);
      String name = w.name + ": pi@x" + mult(m) + " within the 95% CI of tuned cosine or better";
      if (pi == null || cos == null || pi.skipped != null || cos.skipped != null) {
        goals.put(name, unknown(pi == null || cos == null ? "not in this run" : reason(pi, cos)));
        continue;
      }
      double[] c = scores(w, cos);
      double h = ci95(c);
      double bound = up ? mean(c) - h : mean(c) + h;
      put(goals, missed, name, mean(scores(w, pi)), bound, up);
    }
    Entry pi1 = find(list, "pi", 1);
    for (String other : List.of("sf-adamw", "prodigy")) {
      Entry o = find(list, other, 1);
      String name = w.name + ": pi@x1 ahead of " + other + " at its defaults";
      if (pi1 == null || o == null || pi1.skipped != null || o.skipped != null) {
        goals.put(name, unknown(pi1 == null || o == null ? "not in this run" : reason(pi1, o)));
        continue;
      }
      double v = mean(scores(w, pi1));
      double g = mean(scores(w, o));
      boolean met = up ? v > g : v < g;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("value", v);
      m.put("goal", (up ? "> " : "< ") + Num.fixed(g, 4));
      m.put("met", met);
      goals.put(name, m);
      if (!met) {
        missed.add(name + " (pi " + Num.fixed(v, 4) + ", " + other + " " + Num.fixed(g, 4) + ")");
      }
    }
    if (extra != null) {
      for (double m : LR_GRID) {
        Entry pi = find(list, "pi", m);
        String name = w.name + ": pi@x" + mult(m) + " reaches " + Num.fixed(extra, 4) + " (--goal)";
        if (pi == null || pi.skipped != null) {
          goals.put(name, unknown(pi == null ? "not in this run" : pi.skipped));
          continue;
        }
        put(goals, missed, name, mean(scores(w, pi)), extra, up);
      }
    }
  }

  private static String reason(Entry a, Entry b) {
    return a.skipped != null ? a.name + ": " + a.skipped : b.name + ": " + b.skipped;
  }

  private static void put(
      Map<String, Object> goals,
      List<String> missed,
      String name,
      double value,
      double bound,
      boolean up) {
    boolean met = up ? value >= bound : value <= bound;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", value);
    m.put("goal", (up ? ">= " : "<= ") + Num.fixed(bound, 4));
    m.put("met", met);
    goals.put(name, m);
    if (!met) {
      missed.add(name + " (value " + Num.fixed(value, 4) + ", goal " + m.get("goal") + ")");
    }
  }

  private static Map<String, Object> unknown(String reason) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", null);
    m.put("goal", null);
    m.put("met", null);
    m.put("reason", reason);
    return m;
  }

  private Map<String, Object> protocol(
      List<BakeoffWorkload> ws, List<String> gears, int nTrials, int nTrain) {
    Map<String, Object> p = new LinkedHashMap<>();
    Map<String, Object> gear = new LinkedHashMap<>();
    gear.put("settings", gears);
    gear.put(
        "on",
        "every baseline: gear=standard (spike guard skip/rollback + safety cut, pi's defaults)"
            + " and the workload's standard global-norm clip; pi: its own guard and safety cut"
            + " (same defaults) and its clip loop");
    gear.put(
        "off",
        "no guard, no safety cut, no clipping (pi: guard=off, clip-loop=off, clip=inf,"
            + " cut-growth=1e308)");
    p.put("gear", gear);
    Map<String, Object> budget = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("steps", w.steps);
      b.put("batch", w.batch);
      b.put("eval_every", w.evalEvery);
      b.put("default_lr", w.defaultLr);
      b.put("standard_clip", w.standardClip);
      b.put("data", w.data);
      b.put("description", w.describe());
      budget.put(w.name, b);
    }
    p.put("budget", budget);
    Map<String, Object> trialsM = new LinkedHashMap<>();
    trialsM.put("per_tuned_baseline", nTrials);
    trialsM.put(
        "grid",
        "LR = default x 10^(k/4), k = -4..4; cosine also t-max in {1, 1.5, 2} x budget; drawn"
            + " without replacement with a fixed seed");
    trialsM.put("selected_by", "mean validation metric over the training seeds");
    p.put("trials", trialsM);
    Map<String, Object> seedsM = new LinkedHashMap<>();
    seedsM.put("scored_on", scoreOn);
    seedsM.put("heldout", heldoutList());
    seedsM.put("training", trainingSeeds(nTrain));
    seedsM.put("lr_grid", Arrays.stream(LR_GRID).boxed().toList());
    p.put("seeds", seedsM);
    p.put(
        "split",
        "tuning runs on the training seeds only; every reported figure is from the held-out seeds."
            + " Fashion-MNIST: train = first 55000 training images, validation = last 5000"
            + " (steps-to-target, tuning), test = the 10000 test images (reported accuracy)."
            + " Fortunes: per-fortune seeded split (TextCorpus, seed 1), 90/5/5 %.");
    Map<String, Object> targets = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("metric", w.text ? "validation bits per character (lower is better)" : "accuracy");
      t.put("value", w.target);
      t.put("derivation", w.targetDerivation);
      targets.put(w.name, t);
    }
    p.put("targets", targets);
    p.put(
        "ci95",
        "mean ± t(0.975, n-1) s / sqrt(n) over the held-out seeds; diverged runs score accuracy 0"
            + " or log2(98) bits per character");
    return p;
  }

  /** The first seed of the scored runs: 1 (held out) or 100 (the training seeds). */
  private int firstScoredSeed() {
    return scoreOn.equals("training") ? 100 : 1;
  }

  private List<Integer> heldoutList() {
    List<Integer> s = new ArrayList<>();
    for (int i = firstScoredSeed(); i < firstScoredSeed() + seeds; i++) {
      s.add(i);
    }
    return s;
  }

  private void report(
      Path file,
      List<BakeoffWorkload> ws,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      List<String> gears,
      List<List<String>> table,
      Map<String, Object> goals,
      List<Map<String, Object>> skipped,
      Map<String, Object> aggregate)
      throws java.io.IOException {
    HtmlPage rep = new HtmlPage("Governor DL4J bake-off" + (quick ? " (quick)" : ""));
    rep.text(
        "Same safety gear for every contender (gear "
            + String.join(" and ", gears)
            + "); tuned baselines chosen on training seeds, every figure from held-out seeds 1.."
            + seeds
            + "; targets fixed before the runs.");
    List<List<String>> g = new ArrayList<>();
    g.add(List.of("goal", "value", "goal", "met"));
    for (Map.Entry<String, Object> e : goals.entrySet()) {
      Map<String, Object> v = castMap(e.getValue());
      g.add(
          List.of(
              e.getKey(),
              v.get("value") == null ? "-" : Num.fixed((Double) v.get("value"), 4),
              v.get("goal") == null ? String.valueOf(v.get("reason")) : v.get("goal").toString(),
              v.get("met") == null ? "not evaluated" : v.get("met").toString()));
    }
    rep.heading("Goals").table(g);
    rep.heading("Results").table(table);
    for (BakeoffWorkload w : ws) {
      rep.heading(w.describe());
      rep.text("Target: " + Num.fixed(w.target, 4) + " — " + w.targetDerivation);
      for (String gs : gears) {
        Chart c =
            Chart.of(
                w.name + " (gear " + gs + "): validation " + (w.text ? "bpc" : "accuracy"),
                "step",
                w.text ? "bits per character" : "accuracy");
        for (Entry e : plan.get(w).get(gs)) {
          if (e.skipped != null || e.runs.isEmpty()) {
            continue;
          }
          long[] xs = e.runs.get(0).evalSteps();
          double[] x = new double[xs.length];
          double[] y = new double[xs.length];
          for (int i = 0; i < xs.length; i++) {
            x[i] = xs[i];
            double s = 0;
            for (BakeoffWorkload.Run r : e.runs) {
              s += clean(w, r.evalMetric()[i]);
            }
            y[i] = s / e.runs.size();
          }
          c.add(Series.points(e.name, x, y));
        }
        rep.chart(c);
      }
    }
    Chart prof =
        Chart.of(
                "Performance profile over the workloads (median steps to target)",
                "tau (ratio to the fastest entry)",
                "fraction of workloads")
            .logX();
    for (Map.Entry<String, Object> e : aggregate.entrySet()) {
      @SuppressWarnings("unchecked")
      List<List<Double>> p = (List<List<Double>>) castMap(e.getValue()).get("profile");
      double[] x = new double[p.size()];
      double[] y = new double[p.size()];
      for (int i = 0; i < p.size(); i++) {
        x[i] = p.get(i).get(0);
        y[i] = p.get(i).get(1);
      }
      prof.add(Series.points(e.getKey(), x, y));
    }
    rep.heading("Performance profile").chart(prof);
    if (!skipped.isEmpty()) {
      List<List<String>> s = new ArrayList<>();
      s.add(List.of("workload", "entry", "gear", "reason"));
      for (Map<String, Object> m : skipped) {
        s.add(
            List.of(
                m.get("workload").toString(),
                m.get("entry").toString(),
                m.get("gear").toString(),
                m.get("reason").toString()));
      }
      rep.heading("Skipped").table(s);
    }
    rep.write(file);
  }

  static Path defaultOut() {
    return Path.of(
        "runs",
        "bakeoff-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }
}
