package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.telemetry.RunFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * A complete, validated description of a governed DL4J training job — data set, model, batch size,
 * epochs, seed — and the factory of its {@link Dl4jTrainer}. The CLI's {@code demo} and {@code
 * train} build one from their flags; the actor runtime can build the same trainer with {@link
 * #trainer(Datasets.Split)} and drive it through its own loop.
 *
 * <p>Random streams are split from {@code seed}: the model's initialization uses {@code seed}, the
 * data order {@code seed + 1}, the synthetic data {@code seed + 2}, a disturbance's label noise
 * {@code seed + 3}.
 *
 * @param dataset {@code fashion-mnist} or {@code synthetic}
 * @param dataDir where the Fashion-MNIST files are (ignored for synthetic)
 * @param model {@code mlp} or {@code cnn}
 * @param batch examples per step, {@code >= 1}
 * @param epochs passes over the training data, {@code >= 1}
 * @param seed the run seed
 * @param trainLimit use only the first this many training examples (0 = all)
 * @param valEvery measure the validation loss every this many steps, {@code >= 1}
 * @param optimizer the optimizer (null: {@link Dl4jOptimizer#adam()}); the policy's lr is its own
 *     lr ({@link Dl4jOptimizer#defaultLr()})
 * @param valSize examples of the validation split held out of the training set ({@link
 *     Datasets#holdOut}: its last ones, before {@code trainLimit} is applied); {@link
 *     #DEFAULT_VALIDATION} = {@link Datasets#defaultValidationSize} (Fashion-MNIST 5 000, the
 *     synthetic task 2 000), 0 = none (then no validation loss is measured)
 * @param earlyStop early stopping on the validation split (null = none; needs {@code valSize != 0})
 */
public record TrainingTask(
    String dataset,
    Path dataDir,
    String model,
    int batch,
    int epochs,
    long seed,
    int trainLimit,
    int valEvery,
    Dl4jOptimizer optimizer,
    int valSize,
    EarlyStopping.Config earlyStop) {

  /** Size of the synthetic task (train, test). */
  public static final int SYNTHETIC_TRAIN = 20000;

  public static final int SYNTHETIC_TEST = 5000;

  /** {@link #valSize()}: the default size ({@link Datasets#defaultValidationSize}). */
  public static final int DEFAULT_VALIDATION = -1;

  /** Validates every field and names the first bad one. */
  public TrainingTask {
    dataset = dataset == null ? "" : dataset.toLowerCase(Locale.ROOT);
    if (!dataset.equals("fashion-mnist") && !dataset.equals("synthetic")) {
      throw new IllegalArgumentException(
          "dataset must be fashion-mnist or synthetic, but was '" + dataset + "'");
    }
    if (dataDir == null) {
      dataDir = Datasets.DEFAULT_FASHION_MNIST_DIR;
    }
    model = model == null ? "" : model.toLowerCase(Locale.ROOT);
    if (!Models.names().contains(model)) {
      throw new IllegalArgumentException(
          "model must be one of " + Models.names() + ", but was '" + model + "'");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, but was " + batch);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, but was " + epochs);
    }
    if (trainLimit < 0) {
      throw new IllegalArgumentException("train limit must be >= 0, but was " + trainLimit);
    }
    if (valEvery < 1) {
      throw new IllegalArgumentException("validation period must be >= 1, but was " + valEvery);
    }
    if (optimizer == null) {
      optimizer = Dl4jOptimizer.adam();
    }
    if (valSize < DEFAULT_VALIDATION) {
      throw new IllegalArgumentException(
          "validation size must be >= 0 (or -1 for the default), but was " + valSize);
    }
    if (earlyStop != null && valSize == 0) {
      throw new IllegalArgumentException(
          "early stopping needs a validation split, but the validation size was 0");
    }
  }

  /** A task with the default validation split and no early stopping. */
  public TrainingTask(
      String dataset,
      Path dataDir,
      String model,
      int batch,
      int epochs,
      long seed,
      int trainLimit,
      int valEvery,
      Dl4jOptimizer optimizer) {
    this(
        dataset,
        dataDir,
        model,
        batch,
        epochs,
        seed,
        trainLimit,
        valEvery,
        optimizer,
        DEFAULT_VALIDATION,
        null);
  }

  /** A task with the default optimizer ({@link Dl4jOptimizer#adam()}). */
  public TrainingTask(
      String dataset,
      Path dataDir,
      String model,
      int batch,
      int epochs,
      long seed,
      int trainLimit,
      int valEvery) {
    this(dataset, dataDir, model, batch, epochs, seed, trainLimit, valEvery, null);
  }

  /** A copy with another optimizer. */
  public TrainingTask withOptimizer(Dl4jOptimizer o) {
    return with(o, valSize, earlyStop);
  }

  /** A copy with another validation size ({@link #DEFAULT_VALIDATION}, 0 = none, or a size). */
  public TrainingTask withValidation(int size) {
    return with(optimizer, size, earlyStop);
  }

  /** A copy with early stopping {@code c} (null = none). */
  public TrainingTask withEarlyStopping(EarlyStopping.Config c) {
    return with(optimizer, valSize, c);
  }

  /** A copy with the data set, model and schedule of this task and the given rest. */
  private TrainingTask with(Dl4jOptimizer o, int size, EarlyStopping.Config c) {
    return new TrainingTask(
        dataset, dataDir, model, batch, epochs, seed, trainLimit, valEvery, o, size, c);
  }

  /**
   * Loads the data set (Fashion-MNIST from {@link #dataDir()}, or the seeded synthetic task) and
   * holds out the validation split: the last {@link #valSize()} training examples ({@link
   * Datasets#holdOut}); then {@link #trainLimit()} keeps the first examples of the rest. The
   * validation split is the same whatever the limit, and the test set is read only for the final
   * test figures.
   *
   * @throws MissingDatasetException when Fashion-MNIST is asked for and not installed
   */
  public Datasets.Split load() {
    Datasets.Split s =
        dataset.equals("fashion-mnist")
            ? Datasets.fashionMnist(dataDir)
            : Datasets.teacher(seed + 2, SYNTHETIC_TRAIN, SYNTHETIC_TEST).split();
    int n = s.train().size();
    s =
        Datasets.holdOut(
            s, valSize == DEFAULT_VALIDATION ? Datasets.defaultValidationSize(n) : valSize);
    return trainLimit > 0 ? s.withTrain(s.train().head(trainLimit)) : s;
  }

  /**
   * Which examples form {@code data}'s validation split, in words for {@code summary.json} (null
   * when there is none).
   */
  public static String validationSplit(Datasets.Split data) {
    LabeledData v = data.validation();
    return v == null
        ? null
        : "the last "
            + v.size()
            + " examples of the training set ("
            + v.name()
            + "), held out before training: never trained on; the validation loss, early stopping"
            + " and the temperature fit read them, the test set only the final test figures";
  }

  /** Steps per epoch on {@code data} (incomplete last batches are dropped). */
  public long stepsPerEpoch(Datasets.Split data) {
    return data.train().size() / batch;
  }

  /** Total steps of the task on {@code data}. */
  public long totalSteps(Datasets.Split data) {
    return stepsPerEpoch(data) * epochs;
  }

  /** A fresh model and its trainer on {@code data}, seeded from {@link #seed()}. */
  public Dl4jTrainer trainer(Datasets.Split data) {
    return Dl4jTrainer.builder(Models.create(model, data.train(), seed, optimizer), data.train())
        .batch(batch)
        .seed(seed + 1)
        .optimizer(optimizer)
        .validation(data.validation(), valEvery)
        .earlyStopping(earlyStop)
        .build();
  }

  /**
   * A fresh model and its trainer on {@code data} with {@code d} applied to the training batches
   * ({@link Dl4jDisturbance#wrap}; its label noise seeded from {@code seed + 3}); with no
   * disturbance exactly {@link #trainer(Datasets.Split)}. The validation and test sets are those of
   * {@code data}: pass {@link Dl4jDisturbance#apply}'s split to score after a shift.
   */
  public Dl4jTrainer trainer(Datasets.Split data, Dl4jDisturbance d) {
    if (d == null || d.kind() == Dl4jDisturbance.Kind.NONE) {
      return trainer(data);
    }
    Batches source = d.wrap(new BatchStream(data.train(), batch, seed + 1), seed + 3);
    return Dl4jTrainer.builder(Models.create(model, data.train(), seed, optimizer), source)
        .optimizer(optimizer)
        .validation(data.validation(), valEvery)
        .earlyStopping(earlyStop)
        .build();
  }

  /**
   * The calibration of {@code trainer}'s model on the test set, with the temperature fitted on the
   * validation split. Without one it is fitted on the last {@link Calibration#FIT_EXAMPLES}
   * training examples (all of them when there are fewer); those were trained on, so a model that
   * fits its training data more tightly than the test data then gets a temperature below the test
   * set's own optimum.
   */
  public Calibration.Report calibrate(Dl4jTrainer trainer, Datasets.Split data) {
    if (data.validation() != null) {
      LabeledData v = data.validation();
      return trainer.calibration(
          data.test(),
          v,
          "the validation split: the last "
              + v.size()
              + " training examples, held out ("
              + v.name()
              + ")");
    }
    LabeledData train = data.train();
    LabeledData fit = train.tail(Calibration.FIT_EXAMPLES);
    String split =
        fit.size() < train.size()
            ? "the last " + fit.size() + " training examples (no validation split)"
            : "all " + fit.size() + " training examples (no validation split)";
    return trainer.calibration(data.test(), fit, split);
  }

  /**
   * Trains a fresh model on {@code data} under {@code policy} for {@link #epochs()} epochs, in this
   * thread, recording into {@code folder} (null: nothing recorded), evaluating on the test set
   * after every epoch (a report: nothing acts on it), and calling {@code progress} with the number
   * of steps done after each step; with {@link #earlyStop()} the run ends when early stopping says
   * so (the last, partial epoch's test figures are those of the final model), and with its {@code
   * restore-best} the final model is the best evaluation's, the model after the last step among
   * them when the run used its whole budget ({@link Dl4jTrainer#endOfBudget}). The result carries
   * the final model's {@link #calibrate calibration}.
   */
  public TrainingResult run(
      Datasets.Split data, Policy policy, RunFolder folder, LongConsumer progress) {
    Dl4jTrainer trainer = trainer(data);
    long budget = totalSteps(data);
    long perEpoch = stepsPerEpoch(data);
    double initialLr = policy.initial().lr();
    double[] loss = new double[(int) budget];
    double[] lr = new double[(int) budget];
    double[] clip = new double[(int) budget];
    double[] wd = new double[(int) budget];
    List<Double> epochAcc = new ArrayList<>();
    List<Double> epochLoss = new ArrayList<>();
    List<TrainerEvent> events = new ArrayList<>();
    long t0 = System.nanoTime();
    long stepNanos = 0;
    long done = 0;
    try (GovernedRun run = GovernedRun.of(trainer, policy, folder)) {
      for (int e = 0; e < epochs && !trainer.stopRequested(); e++) {
        for (long k = 0; k < perEpoch && !trainer.stopRequested(); k++) {
          long s0 = System.nanoTime();
          Hyperparameters h = run.next();
          Observation o = run.step();
          stepNanos += System.nanoTime() - s0;
          int i = (int) o.step();
          loss[i] = o.loss();
          lr[i] = h.lr();
          clip[i] = h.clip();
          wd[i] = h.weightDecay();
          for (TrainerEvent ev : run.lastEvents()) {
            if (ev.kind() != dev.governor.telemetry.EventKind.EARLY_STOP) {
              events.add(ev);
            }
          }
          done = i + 1;
          if (progress != null) {
            progress.accept(i + 1);
          }
        }
        if (earlyStop != null
            && earlyStop.restoreBest()
            && !trainer.stopRequested()
            && e == epochs - 1) {
          trainer.endOfBudget();
        }
        Evaluation ev = trainer.evaluate(data.test());
        epochAcc.add(ev.accuracy());
        epochLoss.add(ev.loss());
      }
    }
    Calibration.Report calibration = calibrate(trainer, data);
    double wall = (System.nanoTime() - t0) / 1e9;
    int total = (int) done;
    int tail = (int) Math.min(total, Math.max(1, perEpoch / 4));
    double finalLoss = 0;
    for (int i = total - tail; i < total; i++) {
      finalLoss += loss[i];
    }
    finalLoss /= tail;
    int last = epochLoss.size() - 1;
    boolean diverged = !Double.isFinite(finalLoss) || !Double.isFinite(epochLoss.get(last));
    return new TrainingResult(
        dataset,
        model,
        optimizer.toString(),
        policy.spec().toString(),
        initialLr,
        epochAcc.size(),
        total,
        epochAcc.get(last),
        finalLoss,
        diverged,
        wall,
        total / (stepNanos / 1e9),
        java.util.Arrays.copyOf(loss, total),
        java.util.Arrays.copyOf(lr, total),
        java.util.Arrays.copyOf(clip, total),
        java.util.Arrays.copyOf(wd, total),
        epochAcc.stream().mapToDouble(Double::doubleValue).toArray(),
        epochLoss.stream().mapToDouble(Double::doubleValue).toArray(),
        events,
        calibration,
        validationSplit(data),
        trainer.earlyStopping());
  }
}
