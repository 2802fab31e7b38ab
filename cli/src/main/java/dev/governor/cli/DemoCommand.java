package dev.governor.cli;

import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Progress;
import dev.governor.report.TextTable;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.TrainingResult;
import dev.governor.trainers.TrainingTask;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor demo}: the main job. The feedback policy {@code pi} against the {@code cosine}
 * and {@code sgdr} schedules at three initial learning rates (a sensible default, 10× below, 10×
 * above), and the LR range test + cosine, Schedule-Free AdamW and Prodigy at their own LRs, on the
 * same model, data, seed (one) and step budget, every contender with the same safety gear;
 * Fashion-MNIST when installed, the seeded synthetic task otherwise. A contender whose policy or
 * optimizer is not in the build is skipped with a logged reason. A table on the terminal, {@code
 * summary.json} and {@code report.html} in the output folder, and one run folder (telemetry and
 * decision queues) per run.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "The main job: pi vs cosine vs SGDR on a DL4J model at three initial learning rates "
          + "(default, 10x below, 10x above), and range test + cosine, Schedule-Free AdamW and "
          + "Prodigy at their own LRs; one seed, the same safety gear for all. Fashion-MNIST "
          + "when installed, synthetic otherwise.",
      "Example: governor demo --out runs/demo1",
      ""
    },
    footer = {
      "",
      "Output: DIR/summary.json (every run's figures), DIR/report.html (accuracy, loss, LR, clip "
          + "and weight-decay plots), DIR/<policy>-lr<i>/ (run folders with the queues).",
      "Exit codes: 0 ok, 2 bad option or missing dataset (one line names it)."
    })
public final class DemoCommand implements Callable<Integer> {

  /**
   * Default budget: 4 epochs (the runs' cost with the default contenders is measured in
   * docs/notes/dl4j-bakeoff.md).
   */
  static final int DEFAULT_EPOCHS = 4;

  static final int DEFAULT_BATCH = 128;

  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output folder (must not exist). Default runs/demo-<timestamp>.")
  Path out;

  @Option(
      names = "--dataset",
      paramLabel = "NAME",
      description =
          "auto (Fashion-MNIST when installed, else synthetic), fashion-mnist, synthetic.")
  String dataset = "auto";

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where the Fashion-MNIST IDX files are. Default " + "/usr/share/datasets/fashion-mnist.")
  Path dataDir = Datasets.DEFAULT_FASHION_MNIST_DIR;

  @Option(names = "--model", paramLabel = "NAME", description = "mlp (default) or cnn.")
  String model = "mlp";

  @Option(names = "--epochs", paramLabel = "N", description = "Epochs per run (default 4).")
  int epochs = DEFAULT_EPOCHS;

  @Option(names = "--batch", paramLabel = "N", description = "Mini-batch size (default 128).")
  int batch = DEFAULT_BATCH;

  @Option(
      names = "--lr",
      paramLabel = "X",
      description =
          "The sensible default initial LR; the demo also runs 10x below and above. Default: the"
              + " optimizer's own (adam 1e-3, sf-adamw 0.0025, prodigy and dog 1).")
  Double lr;

  @Option(
      names = "--optimizer",
      paramLabel = "SPEC",
      description =
          "adam (default) | sf-adamw | prodigy | dog, options in spec form, e.g."
              + " prodigy(d0=1e-5); for the LR-free ones the policy's lr is the method's own.")
  String optimizer = "adam";

  @Option(
      names = "--policies",
      paramLabel = "LIST",
      split = ",",
      description =
          "Contenders (default pi,cosine,sgdr,lrfind+cos,sf-adamw,pi+sf,prodigy): policies,"
              + " which may carry options in spec form, or lrfind+cos (range test + cosine),"
              + " sf-adamw, prodigy, dog (the LR-free optimizers at their own defaults), pi+sf"
              + " (pi setting Schedule-Free AdamW's LR from each initial LR).")
  List<String> policies =
      List.of("pi", "cosine", "sgdr", "lrfind+cos", "sf-adamw", "pi+sf", "prodigy");

  @Option(
      names = "--gear",
      paramLabel = "on|off",
      description =
          "Safety gear for every contender (default on): spike guard, safety cut and, for the"
              + " baselines, the global-norm clip 1.0.")
  String gear = "on";

  @Option(names = "--seed", paramLabel = "S", description = "Run seed (default 1).")
  long seed = 1;

  @Option(
      names = "--train-limit",
      paramLabel = "N",
      description = "Use only the first N training examples (default all; for quick looks).")
  int trainLimit;

  @Mixin ValidationOptions validation = new ValidationOptions();

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    Settings cfg = Settings.bind(spec, "demo");
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Dl4jOptimizer opt = Dl4jSetup.parseOptimizer(optimizer);
    double lr = this.lr != null ? this.lr : opt.defaultLr();
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new UserException("--lr must be finite and > 0, but was " + lr);
    }
    String g = gear.toLowerCase(Locale.ROOT);
    if (!g.equals("on") && !g.equals("off")) {
      throw new UserException("--gear must be on or off, but was '" + gear + "'");
    }
    boolean gearOn = g.equals("on");
    String ds = Dl4jSetup.resolveDataset(dataset, dataDir, stderr);
    TrainingTask task = validation.task(ds, dataDir, model, batch, epochs, seed, trainLimit, opt);
    Path dir = out != null ? out : defaultOut();
    if (Files.exists(dir)) {
      throw new UserException("--out " + dir + " already exists; choose a new folder");
    }
    double[] lrs = DemoPlan.lrGrid(lr);
    // Validate every policy before anything is written or trained.
    Datasets.Split data = task.load();
    long total = task.totalSteps(data);
    if (total < 1) {
      // incomplete batches are dropped: a batch larger than the data set leaves no step to run
      throw new UserException(
          "--batch "
              + batch
              + " is larger than the "
              + data.train().size()
              + " training examples"
              + (trainLimit > 0 ? " (--train-limit " + trainLimit + ")" : "")
              + ", so no step would run; choose a smaller --batch");
    }
    List<String> notes = new ArrayList<>();
    List<DemoPlan.DemoRun> plan =
        DemoPlan.runs(policies, task, lrs, total, gearOn, cfg, stderr, notes);
    Files.createDirectories(dir);
    stdout.printf(
        Locale.ROOT,
        "demo: %s, model %s, optimizer %s, %d epochs x %d steps (batch %d), 1 seed (%d), %d"
            + " runs -> %s%n",
        data.train().name()
            + " ("
            + data.train().size()
            + " train / "
            + data.test().size()
            + " test)",
        model,
        opt,
        epochs,
        task.stepsPerEpoch(data),
        batch,
        seed,
        plan.size(),
        dir);
    double bayes = data.bayesAccuracy();
    if (!Double.isNaN(bayes)) {
      stdout.printf(
          Locale.ROOT,
          "demo: synthetic teacher task (labels drawn from a random teacher network): Bayes"
              + " accuracy %.4f — what a model that knew the teacher would score%n",
          bayes);
    }
    stdout.flush();
    if (!quiet) {
      stderr.println(DashboardCommand.hint(dir));
      stderr.flush();
    }
    List<TrainingResult> results = new ArrayList<>();
    try (Progress pb = progress(plan.size() * total)) {
      long done = 0;
      for (DemoPlan.DemoRun d : plan) {
        PolicySpec s = d.spec();
        Policy policy = Policies.create(s);
        Path runDir = dir.resolve(d.dir());
        Map<String, String> config = config(d.task(), s, policy.initial().lr());
        config.put("contender", d.contender().label());
        config.putAll(cfg.effective(spec, "demo"));
        RunFolder folder =
            RunFolder.create(
                runDir, RunHeader.of(runDir.getFileName().toString(), s, config, seed));
        final long base = done;
        pb.message(
            d.contender().label()
                + (Double.isNaN(d.lr()) ? "" : " lr=" + Dl4jReports.lrText(d.lr())));
        TrainingResult r = d.task().run(data, policy, folder, n -> pb.stepTo(base + n));
        folder.writeSummary(Dl4jReports.summary(r));
        results.add(r);
        done += total;
      }
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(Dl4jReports.header());
    for (int i = 0; i < results.size(); i++) {
      rows.add(Dl4jReports.row(plan.get(i).contender().label(), results.get(i)));
    }
    TextTable.lines(rows).forEach(stdout::println);
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i).earlyStop() != null) {
        stdout.println(
            plan.get(i).dir()
                + ": "
                + Dl4jReports.earlyStopLine(results.get(i).earlyStop(), total));
      }
    }
    for (String n : notes) {
      stdout.println("note: " + n.substring("demo: ".length()));
    }

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("dataset", ds);
    if (!Double.isNaN(bayes)) {
      summary.put("bayes_accuracy", bayes);
    }
    summary.put("model", model);
    summary.put("optimizer", opt.toString());
    summary.put("epochs", epochs);
    summary.put("batch", batch);
    summary.put("seed", seed);
    summary.put("steps_per_run", total);
    summary.put("initial_lrs", lrs);
    summary.put("seeds", List.of(seed));
    summary.put(
        "gear",
        gearOn ? "standard (guard, safety cut, clip " + DemoPlan.STANDARD_CLIP + ")" : "off");
    summary.put("notes", notes);
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("contender", plan.get(i).contender().label());
      m.put("optimizer", plan.get(i).task().optimizer().toString());
      m.putAll(Dl4jReports.summary(results.get(i)));
      list.add(m);
    }
    summary.put("runs", list);
    Json.write(dir.resolve("summary.json"), summary);

    HtmlPage rep =
        new HtmlPage(
            "Governor demo: "
                + String.join(
                    " vs ", plan.stream().map(d -> d.contender().label()).distinct().toList())
                + " on "
                + ds
                + " / "
                + model);
    Map<String, List<Dl4jReports.Labelled>> groups = new LinkedHashMap<>();
    for (int i = 0; i < lrs.length; i++) {
      List<Dl4jReports.Labelled> group = new ArrayList<>();
      for (int k = 0; k < plan.size(); k++) {
        // the contenders that choose their own LR are shown with the default-LR group
        if (plan.get(k).lrIndex() == i) {
          group.add(new Dl4jReports.Labelled(plan.get(k).contender().label(), results.get(k)));
        }
      }
      groups.put("initial lr " + Dl4jReports.lrText(lrs[i]), group);
    }
    for (String line : Dl4jReports.conclusion(groups)) {
      rep.conclusion(line);
    }
    rep.grid(Dl4jReports.grid(groups));
    rep.text(
        "Same model, data, seed and budget ("
            + epochs
            + " epochs, "
            + total
            + " steps of batch "
            + batch
            + ") for every run, one seed ("
            + seed
            + "); "
            + (opt.isNetworkUpdater()
                ? "Adam"
                : "optimizer " + opt + " (the policy's lr is its own lr)")
            + " unless the contender is an LR-free optimizer (its own lr);"
            + " the policy sets LR and clip (no contender decays weights by default). Safety gear "
            + (gearOn
                ? "on for every contender: the spike guard and safety cut (pi: its own, same"
                    + " defaults) and, for the baselines, the global-norm clip "
                    + DemoPlan.STANDARD_CLIP
                    + " (pi sets its clip with its clip loop)."
                : "off (the baselines as configured; pi with its own guard)."));
    List<List<String>> settings = new ArrayList<>();
    settings.add(
        List.of("run", "contender", "initial lr", "test acc", "lr", "clip", "wd", "policy spec"));
    for (int i = 0; i < plan.size(); i++) {
      DemoPlan.DemoRun d = plan.get(i);
      TrainingResult r = results.get(i);
      settings.add(
          List.of(
              d.dir(),
              d.contender().label(),
              Dl4jReports.lrText(r.initialLr()),
              Num.fixed(r.testAccuracy(), 4),
              Dl4jReports.settingText(r.lr()),
              Dl4jReports.settingText(r.clip()),
              Dl4jReports.settingText(r.weightDecay()),
              d.spec().toString()));
    }
    List<Dl4jReports.Labelled> all = new ArrayList<>();
    for (int i = 0; i < plan.size(); i++) {
      all.add(new Dl4jReports.Labelled(plan.get(i).dir(), results.get(i)));
    }
    Dl4jReports.calibrationSection(rep, all);
    rep.heading("Runs").table(settings);
    rep.text(
        "lr, clip and wd: the value when it is constant over the run (such series are not"
            + " drawn), else the range; the optimizer of each run: "
            + String.join(
                ", ",
                plan.stream()
                    .map(d -> d.contender().label() + " " + d.task().optimizer())
                    .distinct()
                    .toList())
            + ".");
    for (String n : notes) {
      rep.text(n);
    }
    rep.write(dir.resolve("report.html"));
    stdout.println(
        "demo: wrote " + dir.resolve("summary.json") + " and " + dir.resolve("report.html"));
    return 0;
  }

  static Map<String, String> config(TrainingTask task, PolicySpec s, double lr) {
    Map<String, String> c = Dl4jTrain.taskConfig("demo", task);
    c.put("initial-lr", Double.toString(lr));
    c.put("policy", s.toString());
    return c;
  }

  private Progress progress(long max) {
    return quiet ? Progress.none() : Progress.bar("demo", System.err).max(max).every(500).start();
  }

  static Path defaultOut() {
    return Path.of(
        "runs",
        "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }
}
