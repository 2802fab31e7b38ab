package dev.governor.cli;

import dev.governor.cli.BakeoffPlan.Entry;
import dev.governor.cli.BakeoffPlan.Task;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Json;
import dev.governor.report.TextTable;
import dev.governor.telemetry.RunFolder;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.EarlyStopping;
import dev.governor.trainers.TextCorpus;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor bakeoff}: the fair comparison of {@code pi} with tuned and LR-free baselines on
 * the DL4J workloads (see {@link BakeoffWorkload}, {@link BakeoffContenders}); what runs is {@link
 * BakeoffPlan}, the run pool {@link BakeoffPool}, the figures and goals {@link BakeoffScoring}, the
 * outputs {@link BakeoffPage}. Protocol:
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
 *   <li>With {@code --early-stop SPEC} every run of every contender (tuning trials included) stops
 *       by the same rule on the workload's validation split, and the model scored is the restored
 *       best one ({@link BakeoffWorkload#run(long, dev.governor.control.Policy, Dl4jOptimizer,
 *       RunFolder, EarlyStopping.Config)}); each entry reports the steps each run used. Off by
 *       default: the fixed budget is the headline protocol.
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
          + " 32 for 160 steps; gear on; 4 tuning trials on 1 training seed; every contender)"
          + " measured 36 min of CPU (--jobs 2; 32 min wall on a 2-core machine at load 2-10);"
          + " the full"
          + " default (5 MLP epochs, 3 CNN epochs, 3000 LSTM"
          + " steps, gear on and off, 8 trials on 2 training seeds) runs for several hours"
          + " (docs/notes/dl4j-bakeoff.md).",
      "Output: DIR/summary.json (protocol, contenders, per-problem figures, aggregate, goals),"
          + " DIR/report.html (per-workload plots and the performance profile).",
      "Exit codes: 0 all goals met, 1 a goal missed (named on stderr), 2 bad option or missing"
          + " data set."
    })
public final class BakeoffCommand implements Callable<Integer> {

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
          "Contenders (default all: pi,cosine,constant,sgdr,lrfind+cos,sf-adamw,pi+sf,prodigy,"
              + "dog; pi+sf = pi setting Schedule-Free AdamW's LR).")
  List<String> contenders = BakeoffContenders.labels();

  @Option(
      names = "--pi-options",
      paramLabel = "K=V,...",
      description =
          "Extra options for every pi entry (pi and pi+sf), in spec form, e.g. 'wd-tau=0.5, setpoint=-2.3' (to"
              + " score a variant of pi under the same protocol; summary.json records the specs).")
  String piOptions;

  @Option(
      names = "--quick",
      description = "The reduced variant (about 36 min of CPU with every contender; see Budget).")
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
      names = "--early-stop",
      paramLabel = "SPEC",
      description =
          "Early stopping for every run of every contender (tuning and scored), on the workload's"
              + " validation split: val-loss | val-accuracy | gap, with options (patience=5"
              + " evaluations, min-delta=0, warm-up=0 steps, restore-best=true, gap=0 = off), e.g."
              + " 'val-accuracy(patience=3, warm-up=60)'. Patience counts the workload's"
              + " evaluations (--quick: every 20 steps on the MLP, 10 on the CNN, 40 on the LSTM;"
              + " protocol.budget.eval_every in summary.json); the restored best model is the one"
              + " scored. Default none: the fixed-budget protocol.")
  String earlyStop;

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
    UserException.requireAtLeast("--trials", nTrials, 1);
    UserException.requireAtLeast("--train-seeds", nTrain, 1);
    UserException.requireAtLeast("--jobs", jobs, 1);
    if (steps < 0) {
      throw new UserException(
          "--steps must be >= 0 (0 = each workload's budget), but was " + steps);
    }
    EarlyStopping.Config es = Dl4jSetup.parseEarlyStop(earlyStop);
    if (es != null
        && es.monitor() == EarlyStopping.Monitor.VAL_ACCURACY
        && workloads.contains("char-lstm")) {
      throw new UserException(
          "--early-stop val-accuracy needs a classifier, but char-lstm is a language model (use"
              + " val-loss, its validation bits per character)");
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
    BakeoffPool pool = new BakeoffPool(jobs, quiet, record ? dir : null, es);
    stdout.printf(
        Locale.ROOT,
        "bakeoff: %s, gear %s%s, %s seeds %d..%d, %d tuning trials x %d training seeds, %d"
            + " jobs -> %s%n",
        quick ? "quick" : "full",
        gearMode,
        es == null ? "" : ", early stop " + es,
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

    // plan, tune on the training seeds, run every entry on the scored seeds
    List<Map<String, Object>> skipped = new ArrayList<>();
    Map<BakeoffWorkload, Map<String, List<Entry>>> plan =
        BakeoffPlan.entries(ws, gears, contenders, piExtra, stderr, skipped);
    Map<Entry, List<Map<String, Object>>> trialConfigs = new LinkedHashMap<>();
    List<Task> tuning = BakeoffPlan.tuningTasks(ws, plan, nTrials, nTrain, trialConfigs);
    BakeoffPlan.choose(trialConfigs, pool.execute(tuning, stderr, "tuning"), ws, plan, nTrain);
    List<Task> scored = BakeoffPlan.scoredTasks(ws, plan, firstScoredSeed(), seeds);
    BakeoffPlan.collect(pool.execute(scored, stderr, "held-out"), plan);
    double wall = (System.nanoTime() - t0) / 1e9;

    BakeoffScoring.Scores sc =
        BakeoffScoring.score(ws, gears, plan, goalValues, firstScoredSeed(), es);
    TextTable.lines(sc.table()).forEach(stdout::println);
    stdout.println();
    BakeoffPage.printGoals(stdout, sc.goals());
    Map<String, Object> protocol =
        BakeoffPage.protocol(ws, gears, nTrials, nTrain, scoreOn, heldoutList(), es);
    Json.write(
        dir.resolve("summary.json"),
        BakeoffPage.summary(quick, wall, protocol, ws, plan, skipped, sc));
    BakeoffPage.report(
        dir.resolve("report.html"),
        quick,
        seeds,
        ws,
        plan,
        gears,
        sc.table(),
        sc.goals(),
        skipped,
        sc.aggregate(),
        es);
    stdout.printf(
        Locale.ROOT,
        "bakeoff: wrote %s and %s (%.0f s)%n",
        dir.resolve("summary.json"),
        dir.resolve("report.html"),
        wall);
    stdout.flush();
    List<String> missed = sc.missed();
    if (!missed.isEmpty()) {
      for (String m : missed) {
        stderr.println("bakeoff: goal missed: " + m);
      }
      return Main.EXIT_CHECK_FAILED;
    }
    return 0;
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

  static Path defaultOut() {
    return Path.of(
        "runs",
        "bakeoff-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }
}
