package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The {@link Trainer} plant for a Deeplearning4j {@link MultiLayerNetwork} or {@link
 * ComputationGraph} trained on an in-memory {@link LabeledData}: each {@link #step} takes the next
 * mini-batch of a seeded, per-epoch shuffled stream and runs one governed step through the
 * network's own {@code fit}, attached exactly as {@link Governor} attaches (see the class comment
 * of {@code GovernedStep} for what is measured and how a decision is applied): DL4J's updater runs
 * at the decided rate, masks, weight constraints, BatchNorm statistics and iteration counts are
 * DL4J's, and the network's epoch count is its count at build plus the stream's epoch.
 *
 * <p>While the trainer is open the network trains only through {@link #step} (its own {@code fit}
 * throws); {@link #close()} detaches, after which it is a plain DL4J network again.
 *
 * <p>The optimizer is the network's own updater (default, {@link Dl4jOptimizer#adam()}) or a
 * learning-rate-free method chosen with {@link Builder#optimizer}; the policy's lr is then the
 * method's own lr (see {@link Dl4jOptimizer}).
 *
 * <p><b>Training and evaluation parameters.</b> With Schedule-Free AdamW the network's parameters
 * during training are the gradient point y, while the model to evaluate, save or deploy is the
 * average x. {@link #evalMode()} puts x into the network, {@link #trainMode()} puts y back bit for
 * bit; {@link #step} refuses to run in evaluation mode. {@link #evaluate}, the validation loss and
 * {@link #saveCheckpoint} switch by themselves (and return to the mode they found). When you use
 * {@link #model()} directly for inference or {@code ModelSerializer}, call {@code evalMode()} first
 * and {@code trainMode()} before the next step. For the other optimizers both points are the same
 * and the switch only guards against stepping in evaluation mode.
 *
 * <p>Checkpoints ({@link #saveCheckpoint}) hold the model with its updater state ({@code
 * ModelSerializer}, loadable by plain DL4J; for Schedule-Free the evaluation point x), the
 * data-stream position, the previous gradient (for the alignment measurement), the undo buffer, the
 * snapshot ring and the optimizer's state (for Schedule-Free also y), so a trainer loaded from a
 * checkpoint produces exactly the observations the original would have.
 *
 * <p>Early stopping ({@link Builder#earlyStopping}) is measured, fed and restored around each step
 * by {@code Dl4jEarlyStop}.
 *
 * <p>Build one with {@link #builder(Model, LabeledData)}. Not thread-safe.
 */
public final class Dl4jTrainer implements Trainer {
  private final GovernedStep core;
  private final Batches stream;
  private final DataSet val;
  private final int valEvery;
  private final BiConsumer<Long, DataSet> batchHook;
  private final Dl4jEarlyStop early;
  private final List<TrainerEvent> ownEvents = new ArrayList<>();
  private long nextStep;

  private Dl4jTrainer(Builder b) {
    Net net = Net.of(b.model);
    this.core =
        new GovernedStep(net, b.alignment, b.snapshotEvery, b.ringSize, b.undo, b.optimizer);
    this.stream = b.source != null ? b.source : new BatchStream(b.train, b.batch, b.seed);
    this.val =
        b.valSet != null
            ? b.valSet
            : b.val == null ? null : BatchStream.all(b.val, 0, b.val.size());
    this.valEvery = b.valEvery;
    this.batchHook = b.batchHook;
    if (b.earlyStop != null && this.val == null) {
      throw new IllegalArgumentException(
          "early stopping needs a validation set, but the trainer has none");
    }
    this.early = b.earlyStop == null ? null : new Dl4jEarlyStop(core, b.earlyStop, this.val);
  }

  /** A builder for training {@code model} (a MultiLayerNetwork or ComputationGraph) on train. */
  public static Builder builder(Model model, LabeledData train) {
    return new Builder(model, train, null);
  }

  /**
   * A builder for training {@code model} on the batches of {@code source} (e.g. a {@link
   * SequenceStream} of character windows); the builder's {@code batch} and {@code seed} do not
   * apply, the source has its own.
   */
  public static Builder builder(Model model, Batches source) {
    return new Builder(model, null, source);
  }

  @Override
  public Observation step(long step, Hyperparameters h) {
    if (step != nextStep) {
      throw new IllegalArgumentException(
          "steps must run in order: expected step " + nextStep + ", but was " + step);
    }
    int epoch = stream.epoch();
    DataSet batch = stream.next();
    if (batchHook != null) {
      batchHook.accept(step, batch);
    }
    DataSet v = val != null && step % valEvery == 0 ? val : null;
    if (early != null) {
      early.beforeStep(v);
    }
    Observation o = core.step(step, epoch, batch, h, v);
    nextStep++;
    TrainerEvent stop = early == null ? null : early.afterStep(step, o);
    if (stop != null) {
      ownEvents.add(stop);
    }
    return o;
  }

  /**
   * Whether early stopping ({@link Builder#earlyStopping}) ended the run: the runtime runs no more
   * steps. With {@code restore-best} the network then holds the best evaluation's parameters.
   */
  @Override
  public boolean stopRequested() {
    return early != null && early.stopped();
  }

  /** The step of early stopping's best evaluation (NaN without early stopping or before one). */
  @Override
  public double stopBestStep() {
    if (early == null) {
      return Double.NaN;
    }
    long b = early.status().bestStep();
    return b < 0 ? Double.NaN : b;
  }

  /** Early stopping's status, or null when the trainer has none. */
  public EarlyStopping.Status earlyStopping() {
    return early == null ? null : early.status();
  }

  /**
   * Puts the parameters of the best evaluation early stopping kept into the network (a no-op
   * without {@code restore-best} or before the first counted evaluation) and leaves the trainer in
   * evaluation mode: the network is the model to evaluate, save or deploy, and {@link #step}
   * throws. Called by the trainer when early stopping ends the run; call it at the end of a run
   * that used its whole budget to get the best model rather than the last (DL4J's {@code
   * EarlyStoppingResult.getBestModel()}). Returns whether parameters were restored.
   */
  public boolean restoreBest() {
    return early != null && early.restoreBest();
  }

  /**
   * Ends a run that used its whole step budget, for a caller that scores the best model rather than
   * the last: the current model (the parameters after the last step, which the periodic evaluations
   * — measured before a step — never saw) is evaluated on the validation set as one more evaluation
   * at step {@link #nextStep()} ({@link EarlyStopping#observeFinal}); with {@code restore-best} it
   * is kept when it is the best evaluation, else the best evaluation's parameters are put back
   * ({@link #restoreBest()}). A NaN validation loss (a diverged model) is not counted, so
   * restore-best then puts the best evaluation back. The trainer is then in evaluation mode. After
   * an early stop it changes nothing; without early stopping it does nothing and returns null.
   *
   * @return early stopping's status after this evaluation
   */
  public EarlyStopping.Status endOfBudget() {
    return early == null ? null : early.endOfBudget(nextStep);
  }

  @Override
  public int layerCount() {
    return core.layerCount();
  }

  /**
   * Detaches from the network (DL4J's own updater and listeners are put back); the model stays
   * usable for evaluation and plain DL4J training, {@link #step} throws. Idempotent.
   */
  @Override
  public void close() {
    core.close();
  }

  /** Names of the trainable layers, in the order of the per-layer measurements. */
  public List<String> layerNames() {
    return List.of(core.layerNames());
  }

  @Override
  public long stepsPerEpoch() {
    return stream.batchesPerEpoch();
  }

  /** The epoch the next step belongs to. */
  public int epoch() {
    return stream.epoch();
  }

  /** Index of the next step. */
  public long nextStep() {
    return nextStep;
  }

  /** Skip/rollback/snapshot events since the last call, oldest first. */
  public List<TrainerEvent> drainEvents() {
    List<TrainerEvent> e = core.drainEvents();
    if (ownEvents.isEmpty()) {
      return e;
    }
    List<TrainerEvent> all = new ArrayList<>(e);
    all.addAll(ownEvents);
    ownEvents.clear();
    return all;
  }

  /**
   * The network being trained. Its parameters are the training point unless {@link #evalMode()} is
   * on; call that before using it for inference or saving it.
   */
  public Model model() {
    return core.net().model;
  }

  /** The optimizer. */
  public Dl4jOptimizer optimizer() {
    return core.optimizer();
  }

  /**
   * Puts the evaluation parameters into the network (Schedule-Free AdamW: x; the other optimizers:
   * the parameters as they are). Idempotent. {@link #step} throws until {@link #trainMode()}.
   */
  public void evalMode() {
    core.evalPoint().evalMode();
  }

  /** Puts the training parameters back into the network, bit for bit. Idempotent. */
  public void trainMode() {
    core.evalPoint().trainMode();
  }

  /** Whether the network holds the evaluation parameters ({@link #evalMode()}). */
  public boolean inEvalMode() {
    return core.evalPoint().inEvalMode();
  }

  /**
   * Accuracy and mean loss of the model on {@code data}, at the evaluation parameters; the mode is
   * the same afterwards.
   */
  public Evaluation evaluate(LabeledData data) {
    return core.evalPoint().atEvalParams(() -> Evaluation.of(core.net(), data));
  }

  /**
   * The model's output rows on {@code data} at the evaluation parameters, one per example (the
   * class probabilities of a softmax classifier; NaN where the model diverged); the mode is the
   * same afterwards.
   */
  public double[][] outputs(LabeledData data) {
    return core.evalPoint().atEvalParams(() -> Evaluation.outputs(core.net(), data));
  }

  /**
   * Calibration of the model at the evaluation parameters: the figures on {@code test} before and
   * after a temperature fitted on {@code fit} ({@link Calibration.Report#of}), with {@link
   * Calibration#DEFAULT_BINS} bins; {@code fitSplit} names {@code fit} in words for the report.
   */
  public Calibration.Report calibration(LabeledData test, LabeledData fit, String fitSplit) {
    return Calibration.Report.of(
        outputs(test), test.y(), outputs(fit), fit.y(), Calibration.DEFAULT_BINS, fitSplit);
  }

  /**
   * The model's loss on {@code data} at the evaluation parameters (DL4J's score: the loss
   * function's mean over the examples, summed over time steps for recurrent outputs), without
   * training; the mode is the same afterwards.
   */
  public double score(DataSet data) {
    return core.evalPoint().atEvalParams(() -> core.net().score(data));
  }

  @Override
  public void saveCheckpoint(Path dir) throws IOException {
    core.evalPoint()
        .atEvalParams(
            () -> {
              Dl4jCheckpoint.write(dir, core, stream, nextStep, early);
              return null;
            });
  }

  @Override
  public void loadCheckpoint(Path dir) throws IOException {
    Dl4jCheckpoint.Restored r = Dl4jCheckpoint.read(dir, core, stream, early);
    nextStep = r.nextStep();
    if (early != null) {
      early.restored(r.bestParams());
    }
  }

  /** Options of a {@link Dl4jTrainer}; each setter validates its value at once. */
  public static final class Builder {
    private final Model model;
    private final LabeledData train;
    private final Batches source;
    private DataSet valSet;
    private int batch = 128;
    private long seed;
    private LabeledData val;
    private int valEvery = 100;
    private boolean alignment = true;
    private int snapshotEvery = 100;
    private int ringSize = 3;
    private boolean undo = true;
    private BiConsumer<Long, DataSet> batchHook;
    private Dl4jOptimizer optimizer = Dl4jOptimizer.adam();
    private EarlyStopping.Config earlyStop;

    private Builder(Model model, LabeledData train, Batches source) {
      if (model == null || (train == null && source == null)) {
        throw new IllegalArgumentException("model and training data must not be null");
      }
      this.model = model;
      this.train = train;
      this.source = source;
    }

    /** Examples per mini-batch (default 128). */
    public Builder batch(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("batch must be >= 1, but was " + v);
      }
      batch = v;
      return this;
    }

    /** Seed of the data order (default 0). */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Validation data whose loss is measured every {@code every} steps (default none). */
    public Builder validation(LabeledData data, int every) {
      return validation(data, null, every);
    }

    /** Validation batch whose loss is measured every {@code every} steps (default none). */
    public Builder validation(DataSet data, int every) {
      return validation(null, data, every);
    }

    /** Sets the validation source, {@code data} or {@code set} (the other null), and its period. */
    private Builder validation(LabeledData data, DataSet set, int every) {
      if (every < 1) {
        throw new IllegalArgumentException("validation period must be >= 1, but was " + every);
      }
      val = data;
      valSet = set;
      valEvery = every;
      return this;
    }

    /** Whether to measure cos(g_t, g_{t−1}) and the secant sharpness (default on). */
    public Builder alignment(boolean v) {
      alignment = v;
      return this;
    }

    /** Snapshot period in steps and ring size for rollbacks (default 100 and 3; 0 = none). */
    public Builder snapshots(int every, int ring) {
      if (every < 1 || ring < 0) {
        throw new IllegalArgumentException(
            "snapshots must be every >= 1 steps with ring >= 0, but were " + every + ", " + ring);
      }
      snapshotEvery = every;
      ringSize = ring;
      return this;
    }

    /**
     * Whether to keep a copy of the state before each step so a guard SKIP can undo it exactly
     * (default on; off saves two copies per step, and SKIP then restores the newest snapshot).
     */
    public Builder undo(boolean v) {
      undo = v;
      return this;
    }

    /**
     * A hook that sees (and may change) every batch before its step runs — for fault injection in
     * tests and demos (e.g. a NaN in one batch). Default none.
     */
    public Builder batchHook(BiConsumer<Long, DataSet> hook) {
      batchHook = hook;
      return this;
    }

    /**
     * The optimizer (default {@link Dl4jOptimizer#adam()}, the network's own updater). A
     * learning-rate-free one needs the network configured with {@link
     * Dl4jOptimizer#networkUpdater()}; {@link #build()} refuses it otherwise.
     */
    public Builder optimizer(Dl4jOptimizer v) {
      if (v == null) {
        throw new IllegalArgumentException("optimizer must not be null");
      }
      optimizer = v;
      return this;
    }

    /**
     * Early stopping on the validation set (default none; null = none): the trainer feeds it every
     * step's training and validation loss (and, for {@code val-accuracy}, the accuracy on the
     * validation set at the evaluation steps), keeps the best evaluation's parameters with {@code
     * restore-best}, records an {@link dev.governor.telemetry.EventKind#EARLY_STOP} event when it
     * stops, and then reports {@link Dl4jTrainer#stopRequested()}. Its state is part of the
     * checkpoint. {@link #build()} refuses it without a {@link #validation} set.
     */
    public Builder earlyStopping(EarlyStopping.Config c) {
      earlyStop = c;
      return this;
    }

    /**
     * Builds the trainer.
     *
     * @throws IllegalArgumentException when a learning-rate-free optimizer meets a network whose
     *     updater is not {@code Sgd(1.0)}
     */
    public Dl4jTrainer build() {
      return new Dl4jTrainer(this);
    }
  }
}
