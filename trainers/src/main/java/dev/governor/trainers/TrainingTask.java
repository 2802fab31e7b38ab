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
 * data order {@code seed + 1}, the synthetic data {@code seed + 2}.
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
    Dl4jOptimizer optimizer) {

  /** Size of the synthetic task (train, test). */
  public static final int SYNTHETIC_TRAIN = 20000;

  public static final int SYNTHETIC_TEST = 5000;

  /** Examples of the test set used for the validation loss (the first ones). */
  public static final int VALIDATION_SIZE = 1000;

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
    return new TrainingTask(dataset, dataDir, model, batch, epochs, seed, trainLimit, valEvery, o);
  }

  /**
   * Loads the data set (Fashion-MNIST from {@link #dataDir()}, or the seeded synthetic task).
   *
   * @throws MissingDatasetException when Fashion-MNIST is asked for and not installed
   */
  public Datasets.Split load() {
    Datasets.Split s =
        dataset.equals("fashion-mnist")
            ? Datasets.fashionMnist(dataDir)
            : Datasets.teacher(seed + 2, SYNTHETIC_TRAIN, SYNTHETIC_TEST).split();
    return trainLimit > 0
        ? new Datasets.Split(s.train().head(trainLimit), s.test(), s.bayesAccuracy())
        : s;
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
        .validation(data.test().head(VALIDATION_SIZE), valEvery)
        .optimizer(optimizer)
        .build();
  }

  /**
   * The calibration of {@code trainer}'s model on the test set, with the temperature fitted on the
   * last {@link Calibration#FIT_EXAMPLES} training examples (all of them when there are fewer): the
   * task has no validation split apart from the test set, whose head the validation loss reads. The
   * fit examples were trained on, so a model that fits its training data more tightly than the test
   * data gets a temperature below the test set's own optimum.
   */
  public Calibration.Report calibrate(Dl4jTrainer trainer, Datasets.Split data) {
    LabeledData train = data.train();
    LabeledData fit = train.tail(Calibration.FIT_EXAMPLES);
    String split =
        fit.size() < train.size()
            ? "the last "
                + fit.size()
                + " training examples (no validation split apart from the test set)"
            : "all "
                + fit.size()
                + " training examples (no validation split apart from the test set)";
    return trainer.calibration(data.test(), fit, split);
  }

  /**
   * Trains a fresh model on {@code data} under {@code policy} for {@link #epochs()} epochs, in this
   * thread, recording into {@code folder} (null: nothing recorded), evaluating on the test set
   * after every epoch, and calling {@code progress} with the number of steps done after each step;
   * the result carries the final model's {@link #calibrate calibration}.
   */
  public TrainingResult run(
      Datasets.Split data, Policy policy, RunFolder folder, LongConsumer progress) {
    Dl4jTrainer trainer = trainer(data);
    long total = totalSteps(data);
    long perEpoch = stepsPerEpoch(data);
    double initialLr = policy.initial().lr();
    double[] loss = new double[(int) total];
    double[] lr = new double[(int) total];
    double[] clip = new double[(int) total];
    double[] wd = new double[(int) total];
    double[] epochAcc = new double[epochs];
    double[] epochLoss = new double[epochs];
    List<TrainerEvent> events = new ArrayList<>();
    long t0 = System.nanoTime();
    long stepNanos = 0;
    try (GovernedRun run = GovernedRun.of(trainer, policy, folder)) {
      for (int e = 0; e < epochs; e++) {
        for (long k = 0; k < perEpoch; k++) {
          long s0 = System.nanoTime();
          Hyperparameters h = run.next();
          Observation o = run.step();
          stepNanos += System.nanoTime() - s0;
          int i = (int) o.step();
          loss[i] = o.loss();
          lr[i] = h.lr();
          clip[i] = h.clip();
          wd[i] = h.weightDecay();
          events.addAll(run.lastEvents());
          if (progress != null) {
            progress.accept(i + 1);
          }
        }
        Evaluation ev = trainer.evaluate(data.test());
        epochAcc[e] = ev.accuracy();
        epochLoss[e] = ev.loss();
      }
    }
    Calibration.Report calibration = calibrate(trainer, data);
    double wall = (System.nanoTime() - t0) / 1e9;
    int tail = (int) Math.min(total, Math.max(1, perEpoch / 4));
    double finalLoss = 0;
    for (int i = (int) total - tail; i < total; i++) {
      finalLoss += loss[i];
    }
    finalLoss /= tail;
    boolean diverged = !Double.isFinite(finalLoss) || !Double.isFinite(epochLoss[epochs - 1]);
    return new TrainingResult(
        dataset,
        model,
        optimizer.toString(),
        policy.spec().toString(),
        initialLr,
        epochs,
        total,
        epochAcc[epochs - 1],
        finalLoss,
        diverged,
        wall,
        total / (stepNanos / 1e9),
        loss,
        lr,
        clip,
        wd,
        epochAcc,
        epochLoss,
        events,
        calibration);
  }
}
