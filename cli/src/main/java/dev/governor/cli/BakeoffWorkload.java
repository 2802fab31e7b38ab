package dev.governor.cli;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.trainers.Calibration;
import dev.governor.trainers.CharLstm;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.Dl4jTrainer;
import dev.governor.trainers.EarlyStopping;
import dev.governor.trainers.GovernedRun;
import dev.governor.trainers.LabeledData;
import dev.governor.trainers.Models;
import dev.governor.trainers.SequenceStream;
import dev.governor.trainers.TextCorpus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One workload of {@code governor bakeoff}: a model, its data, its step budget and its metric with
 * a target fixed before any run. The data are loaded once and shared read-only by all runs; each
 * run builds a fresh network from its seed (initialization {@code seed}, data order {@code seed +
 * 1}).
 *
 * <ul>
 *   <li>{@code fmnist-mlp}, {@code fmnist-cnn}: the built-in {@code mlp} and {@code cnn} on
 *       Fashion-MNIST (the last 5 000 of the 60 000 training images are the validation set, the 10
 *       000 test images the test set), batch 128, Adam-default LR 1e-3. Metric: accuracy (higher is
 *       better); steps-to-target on the validation set, the final figure on the test set.
 *   <li>{@code char-lstm}: {@link CharLstm} on the fortunes corpus (windows of 64 characters, batch
 *       32), LR 2e-3 (the default rate of Karpathy's char-rnn). Metric: validation bits per
 *       character (lower is better); test bits per character beside it.
 * </ul>
 */
final class BakeoffWorkload {
  static final List<String> NAMES = List.of("fmnist-mlp", "fmnist-cnn", "char-lstm");

  private static final double LOG2_VOCAB = Math.log(TextCorpus.VOCAB) / Math.log(2);

  final String name;
  final boolean text;
  final String model;
  final long steps;
  final int batch;
  final int evalEvery;
  final double defaultLr;
  final double standardClip;
  final double target;
  final String targetDerivation;
  final String data;

  // Fashion-MNIST
  private final LabeledData train;
  private final LabeledData val;
  private final LabeledData test;
  // text
  private final TextCorpus corpus;
  private final int length;
  private final int hidden;
  private final DataSet valWindows;
  private final DataSet testWindows;
  final double unigramBits;
  final double bigramBits;

  /** The character LSTM of --quick: window length and hidden units. */
  static final int QUICK_LSTM_LENGTH = 32;

  static final int QUICK_LSTM_HIDDEN = 64;

  /** The settings that differ between --quick and the full run, per workload. */
  record Budget(long steps, int evalEvery, int valSize, int testSize) {}

  BakeoffWorkload(
      String name,
      String model,
      Budget b,
      int batch,
      double defaultLr,
      double target,
      String derivation,
      String data,
      Datasets.Split split,
      TextCorpus corpus,
      int length,
      int hidden) {
    this.name = name;
    this.model = model;
    this.text = corpus != null;
    this.steps = b.steps();
    this.batch = batch;
    this.evalEvery = b.evalEvery();
    this.defaultLr = defaultLr;
    this.standardClip = 1.0;
    this.data = data;
    this.length = length;
    this.hidden = hidden;
    if (corpus == null) {
      // the validation split of every training run (Datasets.holdOut), of which the first
      // valSize examples are read
      Datasets.Split held =
          Datasets.holdOut(split, Datasets.defaultValidationSize(split.train().size()));
      this.train = held.train();
      this.val = held.validation().head(b.valSize());
      this.test = split.test().head(b.testSize());
      this.corpus = null;
      this.valWindows = null;
      this.testWindows = null;
      this.unigramBits = Double.NaN;
      this.bigramBits = Double.NaN;
      this.target = target;
      this.targetDerivation = derivation;
    } else {
      this.train = null;
      this.val = null;
      this.test = null;
      this.corpus = corpus;
      int vw = Math.min(SequenceStream.windows(corpus.validation().length, length), b.valSize());
      int tw = Math.min(SequenceStream.windows(corpus.test().length, length), b.testSize());
      if (vw < 1 || tw < 1) {
        throw new IllegalArgumentException(
            corpus.name() + " has too little validation or test text for windows of " + length);
      }
      this.valWindows = SequenceStream.range(corpus.validation(), length, 0, vw);
      this.testWindows = SequenceStream.range(corpus.test(), length, 0, tw);
      this.unigramBits = TextCorpus.unigramBits(corpus.train(), corpus.validation());
      this.bigramBits = TextCorpus.bigramBits(corpus.train(), corpus.validation());
      this.target = bigramBits;
      this.targetDerivation =
          String.format(
              Locale.ROOT,
              "validation bits per character of the add-one bigram model of the training text"
                  + " (%.4f; unigram %.4f%s): a model must use more than the previous character"
                  + " to reach it; computed from the data before any run",
              bigramBits,
              unigramBits,
              Double.isNaN(corpus.entropyRate())
                  ? ""
                  : String.format(Locale.ROOT, "; source entropy rate %.4f", corpus.entropyRate()));
    }
  }

  /** Where the data come from, and whether synthetic stand-ins are allowed. */
  record Sources(String mode, Path fashionDir, Path textDir) {}

  /**
   * Loads workload {@code name}.
   *
   * @param steps a step budget that overrides the workload's (0 = the workload's)
   * @throws IllegalArgumentException naming the workload when it is unknown
   * @throws dev.governor.trainers.MissingDatasetException when {@code mode} is {@code real} and the
   *     data set is not installed
   */
  static BakeoffWorkload load(
      String name, boolean quick, long steps, Sources src, PrintWriter stderr) {
    return BakeoffCatalog.load(name, quick, steps, src, stderr);
  }

  /** Whether a higher metric is better (accuracy) or lower (bits per character). */
  boolean higherIsBetter() {
    return !text;
  }

  /** The metric's name in tables and summary.json. */
  String metric() {
    return text ? "val_bpc" : "test_accuracy";
  }

  /** Whether {@code m} meets the target. */
  boolean meets(double m) {
    return text ? m <= target : m >= target;
  }

  /** The metric a diverged or non-finite run is scored with (bpc of a uniform guess). */
  double worst() {
    return text ? LOG2_VOCAB : 0.0;
  }

  /** A one-line description for the terminal and the report. */
  String describe() {
    return text
        ? String.format(
            Locale.ROOT,
            "%s: LSTM %d units, windows of %d, batch %d, %d steps on %s; validation bits/char"
                + " of the unigram model %.3f, of the bigram model %.3f",
            name,
            hidden,
            length,
            batch,
            steps,
            corpus.describe(),
            unigramBits,
            bigramBits)
        : String.format(
            Locale.ROOT,
            "%s: %s, batch %d, %d steps on %s (%d train / %d val / %d test)",
            name,
            model,
            batch,
            steps,
            data,
            train.size(),
            val.size(),
            test.size());
  }

  /**
   * Whether the optimizer {@code name} can run in this build, or why not. Adam is the built-in
   * models' updater; the LR-free optimizers come with {@code Dl4jOptimizer}.
   */
  static String unavailable(String optimizer) {
    try {
      Dl4jOptimizer.parse(optimizer);
      return null;
    } catch (IllegalArgumentException e) {
      return "optimizer not available in this build: " + e.getMessage();
    }
  }

  private Dl4jTrainer trainer(long seed, Dl4jOptimizer optimizer, EarlyStopping.Config early) {
    Model net =
        text
            ? CharLstm.create(hidden, 1, seed, optimizer.networkUpdater())
            : Models.create(model, train, seed, optimizer);
    Dl4jTrainer.Builder b =
        text
            ? Dl4jTrainer.builder(net, new SequenceStream(corpus.train(), length, batch, seed + 1))
            : Dl4jTrainer.builder(net, train).batch(batch).seed(seed + 1);
    // the validation loss reaches the policy at the evaluation steps (pi's weight-decay loop trims
    // on the generalization gap it gives); the test set is never shown to a policy
    if (text) {
      b.validation(valWindows, evalEvery);
    } else {
      b.validation(val, evalEvery);
    }
    return b.optimizer(optimizer).alignment(true).earlyStopping(early).build();
  }

  /**
   * What one run produced.
   *
   * @param evalSteps the steps of the validation evaluations (steps done), up to the end or the
   *     early stop
   * @param stepsRun the steps trained: the budget, or the stop step + 1 when early stopping ended
   *     the run
   * @param earlyStop early stopping's status (null when the bake-off runs without it)
   */
  record Run(
      long[] evalSteps,
      double[] evalMetric,
      double valMetric,
      double testMetric,
      boolean diverged,
      long stepsToTarget,
      int guardEvents,
      double finalLr,
      double finalLoss,
      double wallSeconds,
      Calibration.Report calibration,
      long stepsRun,
      EarlyStopping.Status earlyStop) {}

  /** The validation metric of the trainer's current model. */
  private double valMetric(Dl4jTrainer t) {
    return text ? bpc(t, valWindows) : finiteOr(t.evaluate(val).accuracy());
  }

  private double testMetric(Dl4jTrainer t) {
    return text ? bpc(t, testWindows) : finiteOr(t.evaluate(test).accuracy());
  }

  private double finiteOr(double m) {
    return Double.isFinite(m) ? m : worst();
  }

  private double bpc(Dl4jTrainer t, DataSet windows) {
    int n = (int) windows.getFeatures().size(0);
    double sum = 0;
    int chunk = 256;
    for (int from = 0; from < n; from += chunk) {
      int to = Math.min(n, from + chunk);
      DataSet part =
          from == 0 && to == n
              ? windows
              : new DataSet(
                  windows
                      .getFeatures()
                      .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)),
                  windows
                      .getLabels()
                      .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)));
      sum += t.score(part) * (to - from);
    }
    double b = CharLstm.bitsPerChar(sum / n, length);
    return Double.isFinite(b) ? Math.min(b, 1e3) : worst();
  }

  /**
   * Trains a fresh network of {@code seed} with {@code optimizer} for {@link #steps} steps under
   * {@code policy}, evaluating the validation metric every {@link #evalEvery} steps and at the end,
   * then the test metric.
   */
  Run run(long seed, Policy policy, Dl4jOptimizer optimizer) {
    return run(seed, policy, optimizer, null, null);
  }

  /**
   * {@link #run(long, Policy, Dl4jOptimizer)}, recording its telemetry and decisions into {@code
   * folder} (null: not recorded), a run folder {@code inspect} and the dashboard read, with early
   * stopping {@code early} (null: none, the fixed budget).
   *
   * <p>Early stopping reads the trainer's validation loss (and, for {@code val-accuracy}, the
   * accuracy on the same validation split), measured on the parameters before the steps {@code 0,
   * evalEvery, 2·evalEvery, …} — the models this method's validation metric is measured on after
   * {@code evalEvery, 2·evalEvery, …} steps, plus the untrained one — so its patience counts these
   * evaluations and its warm-up is in steps. The run ends after the step at which it stops (that
   * step's update is discarded with restore-best); a run that keeps going is evaluated once more at
   * the end of its budget ({@link Dl4jTrainer#endOfBudget}). With restore-best the model scored
   * (validation metric, test metric, calibration) is the best evaluation's; the trajectory and the
   * steps to the target are those of the steps run.
   */
  Run run(
      long seed,
      Policy policy,
      Dl4jOptimizer optimizer,
      RunFolder folder,
      EarlyStopping.Config early) {
    long t0 = System.nanoTime();
    Dl4jTrainer trainer = trainer(seed, optimizer, early);
    List<Long> es = new ArrayList<>();
    List<Double> em = new ArrayList<>();
    long reached = -1;
    int events = 0;
    boolean bad = false;
    double lastLr = Double.NaN;
    int tail = (int) Math.max(1, Math.min(50, steps / 4));
    double[] losses = new double[tail];
    long done = 0;
    EarlyStopping.Status status;
    try (GovernedRun run = GovernedRun.of(trainer, policy, folder)) {
      for (long s = 0; s < steps; s++) {
        Hyperparameters h = run.next();
        lastLr = h.lr();
        Observation o = run.step();
        for (var ev : run.lastEvents()) {
          events += ev.kind() == EventKind.EARLY_STOP ? 0 : 1;
        }
        bad = !Double.isFinite(o.loss());
        losses[(int) (s % tail)] = o.loss() / (text ? length : 1);
        done = s + 1;
        if (trainer.stopRequested()) {
          break;
        }
        if (done % evalEvery == 0 || done == steps) {
          double m = valMetric(trainer);
          es.add(done);
          em.add(m);
          if (reached < 0 && meets(m)) {
            reached = done;
          }
        }
      }
      status = early == null ? null : trainer.endOfBudget();
    }
    // the model scored: the last one, or with restore-best the best evaluation's
    double valM = early == null ? em.get(em.size() - 1) : valMetric(trainer);
    double testM = testMetric(trainer);
    // classifiers: calibration on the test set, the temperature fitted on the validation split
    Calibration.Report cal =
        text ? null : trainer.calibration(test, val, "the validation split (" + val.size() + ")");
    boolean diverged = bad || (text && valM >= worst());
    return new Run(
        es.stream().mapToLong(Long::longValue).toArray(),
        em.stream().mapToDouble(Double::doubleValue).toArray(),
        valM,
        testM,
        diverged,
        reached,
        events,
        lastLr,
        tailMean(losses, done),
        (System.nanoTime() - t0) / 1e9,
        cal,
        done,
        status);
  }

  /**
   * The mean of the last {@code min(tail, done)} losses of the ring {@code losses} (slot {@code s %
   * tail} holds step {@code s}'s).
   */
  private static double tailMean(double[] losses, long done) {
    int n = (int) Math.min(losses.length, done);
    double sum = 0;
    for (long s = done - n; s < done; s++) {
      sum += losses[(int) (s % losses.length)];
    }
    return sum / n;
  }

  /** The figure a run is judged by: test accuracy, or validation bits per character. */
  double score(Run r) {
    return text ? r.valMetric() : r.testMetric();
  }

  /** The figure tuning selects by: the validation metric (never the test set). */
  double tuningScore(Run r) {
    return r.valMetric();
  }

  /** The evaluation's name for the test figure. */
  String testName() {
    return text ? "test_bpc" : "test_accuracy";
  }
}
