package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Schedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The governed step on a DL4J network, attached through DL4J's own extension points: a {@link
 * TrainingListener} plus a learning-rate actuator inside each of the network's updater blocks, so
 * that the network's own {@code fit} runs the governed step. Both ways of governing a network use
 * it: {@link Governor} (the user's {@code fit} drives; the policy answers in {@code iterationDone})
 * and {@link Dl4jTrainer} (the control loop drives; {@link #step} runs one {@code fit} per step).
 *
 * <p>Where each part of a step happens inside DL4J's {@code fit} (StochasticGradientDescent):
 *
 * <ol>
 *   <li>forward and backward pass (DL4J; masks, dropout, BatchNorm statistics as DL4J does them);
 *   <li>{@code onGradientCalculation} ({@link StepListener}, which also completes the observation
 *       and knows where in the fit a decision arrives): the undo buffer and snapshots are taken
 *       ({@link StepUndo}); the summed gradient is measured as the mean over the batch (‖g‖, per
 *       layer ‖g_l‖ and ‖θ_l‖, cos(g, g_prev), the secant sharpness ‖g − g_prev‖ / ‖Δθ_prev‖) and
 *       clipped: g ← g · min(1, c / ‖g‖);
 *   <li>DL4J's updater: division by the batch size, its own per-layer gradient normalization, then
 *       per updater block the {@link GovernedUpdater}: DL4J's own {@code GradientUpdater} of that
 *       block (Adam, Nesterovs, ...) built from a copy of the block's configuration whose learning
 *       rate is a {@link GovernedUpdater.DecidedRate} schedule, so the updater runs <em>at</em> the
 *       decided rate (no scaling after the fact; Nesterovs' velocity sees the rate as DL4J's
 *       would); then the per-layer multipliers that differ inside a block and the decoupled weight
 *       decay η_l λ θ_l are added to the update; a learning-rate-free method computes the whole
 *       update after the last block;
 *   <li>the update is measured and the step's observation is complete: with a {@link Sink} (the
 *       embedded {@link Governor}) at the end of the last block, before DL4J subtracts the update,
 *       when the update is final there (no DL4J regularization after the updater, such as {@code
 *       weightDecay}); otherwise in {@code iterationDone}, after the subtraction;
 *   <li>a decision's guard action ({@link #apply}): SKIP restores parameters, updater state (and a
 *       learning-rate-free optimizer's state) and iteration count to what they were before the last
 *       step; ROLLBACK the newest snapshot of the ring; RESET the state at construction. Decided
 *       before the subtraction, a restoring action zeroes the step's update instead of copying the
 *       parameters back (so the undo buffer holds no parameters then) and the restored iteration
 *       count is set in {@code iterationDone}.
 * </ol>
 *
 * <p>Measured parameters are those DL4J divides by the batch size ({@link
 * Trainable#updaterDivideByMinibatch}): a BatchNormalization layer's running mean and variance are
 * not gradients and are neither measured, clipped, decayed nor scaled. The network's configuration
 * is never changed: the actuator lives in the updater object only and {@link #close()} puts DL4J's
 * own gradient updaters back, so the model saves (also while attached), loads and trains with plain
 * DL4J. With a policy that decides the configured rate, no clip and no decay, a step is bit for bit
 * plain DL4J's.
 *
 * <p>With a learning-rate-free {@link Dl4jOptimizer} (Schedule-Free AdamW, Prodigy, DoG) the
 * network's updater is {@code Sgd(1.0)} and only averages the batch; the method ({@link
 * FlatOptimizer}) then computes Δθ from the clipped mean gradient with the decided lr, weight decay
 * and multipliers in its own form, and its whole state is part of the undo buffer, the snapshots
 * and the checkpoints. For Schedule-Free the parameters during training are y; {@link EvalPoint}
 * switches them to the evaluation point x and back, bit for bit.
 *
 * <p>A non-finite gradient is applied as it is (a trainer never changes a decision); the loss and
 * norms report it as NaN/Inf so a guard can skip or roll back. Not thread-safe.
 */
final class GovernedStep implements AutoCloseable {
  /** Receives each step's observation from {@code iterationDone}, after DL4J's update. */
  interface Sink {
    void stepDone(Observation o);
  }

  private final Model model;
  private final Net net;
  private final StepListener listener;
  private final Followers followers = new Followers();
  private final BaseMultiLayerUpdater<?> updater;
  private final List<UpdaterBlock> blocks;
  private final GradientUpdater<?>[] originals;
  private final GovernedUpdater[] actuators;

  private final int layerCount;
  private final StepMeasurement measure;
  private final StepUndo restorer;

  /** The network's own schedule as the policy's base (null: the updaters run at the decision). */
  private final Schedule networkBase;

  private final Dl4jOptimizer optimizer;
  private final FlatOptimizer method;
  private final LrFreeStep lrFree;
  private final EvalPoint evalPoint;

  /** The network's epoch count at construction: {@link #step}'s epochs count from it. */
  private final int epochBase;

  private final List<TrainerEvent> events = new ArrayList<>();

  private Hyperparameters h;
  private double[] multipliers;
  private long step;
  private boolean closed;

  GovernedStep(Net net, boolean measureAlignment, int snapshotEvery, int ringSize, boolean undo) {
    this(net, measureAlignment, snapshotEvery, ringSize, undo, Dl4jOptimizer.adam());
  }

  /**
   * Attaches to {@code net}: its updater blocks get the governed gradient updaters and its
   * listeners this step's listener (after the others). Until {@link #sink} is set the network
   * trains only through {@link #step}.
   *
   * @param measureAlignment measure cos(g, g_prev) and the secant sharpness (needs a copy of the
   *     previous gradient)
   * @param snapshotEvery snapshot period in steps (≥ 1)
   * @param ringSize snapshots kept for ROLLBACK (≥ 0)
   * @param undo keep the undo buffer that SKIP restores (without it SKIP restores the newest
   *     snapshot)
   * @throws IllegalArgumentException when {@code optimizer} is learning-rate-free and a layer's
   *     updater is not {@code Sgd(1.0)}, when an updater has no learning rate or a learning-rate
   *     schedule of its own, or when the network is already governed
   */
  GovernedStep(
      Net net,
      boolean measureAlignment,
      int snapshotEvery,
      int ringSize,
      boolean undo,
      Dl4jOptimizer optimizer) {
    this(net, measureAlignment, snapshotEvery, ringSize, undo, optimizer, null);
  }

  /**
   * As above; with {@code networkBase} (the network's own learning-rate schedule, {@link
   * NetworkSchedule}) the network's schedule is the policy's base: the updaters keep it and run at
   * its value times the decision's trim {@code lr / networkBase(step)}.
   */
  GovernedStep(
      Net net,
      boolean measureAlignment,
      int snapshotEvery,
      int ringSize,
      boolean undo,
      Dl4jOptimizer optimizer,
      Schedule networkBase) {
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("snapshotEvery must be >= 1, but was " + snapshotEvery);
    }
    if (ringSize < 0) {
      throw new IllegalArgumentException("ringSize must be >= 0, but was " + ringSize);
    }
    this.net = net;
    this.model = net.model;
    this.networkBase = networkBase;
    this.optimizer = optimizer == null ? Dl4jOptimizer.adam() : optimizer;
    this.layerCount = net.layers.length;
    this.updater = net.updater();
    this.blocks = updater.getUpdaterBlocks();
    for (UpdaterBlock b : blocks) {
      if (b.getGradientUpdater() instanceof GovernedUpdater) {
        throw new IllegalArgumentException(
            "the network is already governed (a Governor or a Dl4jTrainer is attached to it);"
                + " close that one first");
      }
    }

    StepWiring wiring = new StepWiring(net, blocks);
    this.measure = new StepMeasurement(wiring.layerParams(), wiring.layerGrads(), measureAlignment);

    this.lrFree = LrFreeStep.of(net, this.optimizer);
    this.method = lrFree == null ? null : lrFree.method;
    this.evalPoint = new EvalPoint(lrFree);

    // the actuators: every block's own gradient updater, rebuilt around a decided rate
    this.originals = new GradientUpdater<?>[blocks.size()];
    this.actuators = new GovernedUpdater[blocks.size()];
    for (int b = 0; b < blocks.size(); b++) {
      originals[b] = blocks.get(b).getGradientUpdater();
      actuators[b] =
          wiring.actuator(this, blocks.get(b), originals[b], method != null, networkBase != null);
    }
    if (actuators.length > 0) {
      actuators[actuators.length - 1].last = true;
    }
    if (method == null && Arrays.stream(actuators).noneMatch(a -> a.rate != null)) {
      throw new IllegalArgumentException(
          "the network has no trained parameter whose updater has a learning rate; Governor"
              + " decides the learning rate and needs one (Adam, Sgd, Nesterovs, ...)");
    }

    this.restorer =
        new StepUndo(this, net, updater, method, measure, events, undo, snapshotEvery, ringSize);
    this.listener =
        new StepListener(
            this, net, updater, measure, restorer, followers, wiring.finalAfterLastBlock());
    this.epochBase = net.epochCount();

    for (int b = 0; b < blocks.size(); b++) {
      blocks.get(b).setGradientUpdater(actuators[b]);
    }
    model.addListeners(listener);
  }

  // ---- called from the updater blocks ----

  /** The per-layer multipliers of the current decision (empty when it has none). */
  double[] multipliers() {
    return multipliers;
  }

  /**
   * Called by the last block after its updater: the learning-rate-free method's step, then (with a
   * sink, when the update is final here) the observation, before DL4J subtracts the update.
   */
  void afterLastBlock() {
    if (lrFree != null) {
      lrFree.step(h, multipliers);
    }
    listener.afterLastBlock();
  }

  // ---- the listener ----

  /** The listener that measures this network's steps. */
  StepListener listener() {
    return listener;
  }

  /** The networks that follow this one's decisions (ParallelWrapper workers). */
  Followers followers() {
    return followers;
  }

  // ---- driving it ----

  /**
   * Makes the network trainable by its own {@code fit}: every step's observation goes to {@code s}
   * from {@code iterationDone}, which may call {@link #apply} there for the next step.
   */
  void sink(Sink s) {
    listener.sink(s);
  }

  /**
   * Sets the rates of step {@code next} to {@code hp} and carries out its guard action now (inside
   * {@code iterationDone} or between steps).
   *
   * @throws IllegalArgumentException when {@code hp} has per-layer multipliers for another number
   *     of layers (nothing changes then)
   */
  void apply(long next, Hyperparameters hp) {
    if (hp.layerCount() != 0 && hp.layerCount() != layerCount) {
      throw new IllegalArgumentException(
          "layerLrMultipliers must have "
              + layerCount
              + " entries (one per trainable layer), but had "
              + hp.layerCount());
    }
    this.h = hp;
    this.step = next;
    this.multipliers = hp.layerLrMultipliers();
    if (method == null) {
      double base = networkBase == null ? Double.NaN : networkBase.lr(next);
      for (GovernedUpdater a : actuators) {
        a.decide(hp, multipliers, base);
      }
    }
    switch (hp.action()) {
      case SKIP -> restorer.skip(next, listener.beforeSubtraction());
      case ROLLBACK -> restorer.rollback(next);
      case RESET -> restorer.reset(next);
      default -> {}
    }
  }

  /**
   * Runs step {@code step} on {@code batch} with {@code hp} (its guard action first) through the
   * network's own {@code fit} and returns its observation.
   *
   * @param epoch the epoch of the step; the network's epoch count is set to its count at
   *     construction plus {@code epoch} before the step (as DL4J's {@code fit(iterator)} counts)
   * @param val a validation batch whose loss is measured before the update, or null
   * @throws IllegalArgumentException when {@code hp} has per-layer multipliers for another number
   *     of layers
   */
  Observation step(long step, int epoch, DataSet batch, Hyperparameters hp, DataSet val) {
    if (closed) {
      throw new IllegalStateException("this trainer is closed");
    }
    evalPoint.requireTrainMode(step);
    apply(step, hp);
    double v = Double.NaN;
    if (val != null) {
      boolean swap = optimizer.hasEvalPoint();
      if (swap) {
        evalPoint.evalMode();
      }
      v = net.score(val);
      if (swap) {
        evalPoint.trainMode();
      }
    }
    int e = epochBase + epoch;
    if (net.epochCount() != e) {
      net.setEpochCount(e);
    }
    Observation o = listener.fit(batch, epoch, v);
    if (o == null) {
      throw new IllegalStateException(
          "the network's fit ran no step on batch " + step + " (its listeners were replaced?)");
    }
    return o;
  }

  /** The step that runs next (its index in the observations). */
  long nextStep() {
    return step;
  }

  /** The hyperparameters the next step runs with (null before the first {@link #apply}). */
  Hyperparameters hyperparameters() {
    return h;
  }

  // ---- accessors ----

  /** The optimizer. */
  Dl4jOptimizer optimizer() {
    return optimizer;
  }

  /** The learning-rate-free optimizer's state, or null with the network's own updater. */
  FlatOptimizer method() {
    return method;
  }

  /** Which of the optimizer's points the parameters hold (training or evaluation). */
  EvalPoint evalPoint() {
    return evalPoint;
  }

  /** Whether the undo buffer is kept (SKIP undoes the last step exactly). */
  boolean keepsUndoBuffer() {
    return restorer.keeps();
  }

  int layerCount() {
    return layerCount;
  }

  String[] layerNames() {
    return net.layerNames.clone();
  }

  Net net() {
    return net;
  }

  /** Events since the last call, oldest first; the list is handed over. */
  List<TrainerEvent> drainEvents() {
    List<TrainerEvent> out = new ArrayList<>(events);
    events.clear();
    return out;
  }

  /**
   * Detaches: DL4J's own gradient updaters and the listeners without this one are put back; the
   * network stays usable and trains as plain DL4J. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (updater == net.updater()) {
      for (int b = 0; b < blocks.size(); b++) {
        if (blocks.get(b).getGradientUpdater() == actuators[b]) {
          blocks.get(b).setGradientUpdater(originals[b]);
        }
      }
    }
    List<TrainingListener> rest = new ArrayList<>(net.listeners());
    rest.removeIf(l -> l == listener);
    model.setListeners(rest);
  }

  boolean isClosed() {
    return closed;
  }

  // ---- checkpoint support ----

  /** The state beyond the model that a checkpoint must hold for an exact resume. */
  StepCheckpoint extra() {
    return StepCheckpoint.of(measure, restorer);
  }

  /** Reinstates what {@link #extra} returned (after the model itself was loaded). */
  void restoreExtra(StepCheckpoint e) {
    e.restoreInto(measure, restorer);
  }
}
