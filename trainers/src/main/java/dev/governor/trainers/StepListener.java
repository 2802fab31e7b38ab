package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The DL4J listener of a {@link GovernedStep}: it takes each step's observation inside the
 * network's own {@code fit} and hands it over. In {@code onGradientCalculation} it takes the loss
 * and the batch size, lets the {@link StepUndo} save the undo buffer (and a snapshot when one is
 * due), and measures and clips the summed gradient ({@link StepMeasurement}). Once the update is
 * final it measures the update and builds the {@link Observation}: with a sink, at the end of the
 * last updater block ({@link #afterLastBlock}, before DL4J subtracts the update) when the update is
 * final there ({@link StepWiring#finalAfterLastBlock}), otherwise in {@code iterationDone}. The
 * observation goes to the {@link GovernedStep.Sink}, or without one back to {@link #fit}'s caller.
 *
 * <p>A decision the sink makes during its call is carried out at that point of the fit, which this
 * listener knows: {@link #discardUpdate} and {@link #setNextIteration} do there what a restoring
 * action needs. Calls for another network than the governed one (a ParallelWrapper worker's copy)
 * go to the {@link Followers} check. Not thread-safe.
 */
final class StepListener extends BaseTrainingListener {
  private static final int NONE = Integer.MIN_VALUE;

  private final GovernedStep core;
  private final Net net;
  private final Model model;
  private final BaseMultiLayerUpdater<?> updater;
  private final StepMeasurement measure;
  private final StepUndo restorer;
  private final Followers followers;

  /**
   * Whether the update is final when the last updater block returns: no DL4J regularization is
   * applied after the updater (weightDecay is) and the last block is never skipped. A sink then
   * gets each observation there, before DL4J subtracts the update.
   */
  private final boolean finalAfterLastBlock;

  private GovernedStep.Sink sink;

  // while fit runs a step: the step's epoch and validation loss, and the observation taken
  private boolean inStep;
  private int stepEpoch = -1;
  private double valLoss = Double.NaN;
  private Observation observed;

  // the step measured in onGradientCalculation and not yet observed
  private boolean measured;
  private int batchSize;
  private double loss;

  // the iteration count a restoring action decided before DL4J's subtraction sets in iterationDone
  private int pendingIteration = NONE;
  private boolean beforeSubtraction;
  private boolean inIterationDone;

  /** {@code updater} is the network's updater at attach: the decided rates reach only that one. */
  StepListener(
      GovernedStep core,
      Net net,
      BaseMultiLayerUpdater<?> updater,
      StepMeasurement measure,
      StepUndo restorer,
      Followers followers,
      boolean finalAfterLastBlock) {
    this.core = core;
    this.net = net;
    this.model = net.model;
    this.updater = updater;
    this.measure = measure;
    this.restorer = restorer;
    this.followers = followers;
    this.finalAfterLastBlock = finalAfterLastBlock;
  }

  @Override
  public void onGradientCalculation(Model m) {
    if (m == model && !core.isClosed()) {
      measureGradient();
    } else if (m != model && !core.isClosed()) {
      followers.check(m);
    }
  }

  @Override
  public void iterationDone(Model m, int iteration, int epoch) {
    if (m == model && !core.isClosed()) {
      if (pendingIteration != NONE) {
        // DL4J adds one after this call
        net.setIteration(pendingIteration - 1);
        pendingIteration = NONE;
      }
      if (measured) {
        finishStep(epoch, false);
      }
    }
  }

  @Override
  public String toString() {
    return "Governor";
  }

  /** Where each observation goes (null: the network trains only through {@link #fit}). */
  void sink(GovernedStep.Sink s) {
    this.sink = s;
  }

  /**
   * Runs the network's {@code fit} on {@code batch} as one step that {@link GovernedStep#step}
   * drives and returns the observation taken in it, or null when the fit ran no step.
   *
   * @param epoch the epoch the observation reports
   * @param val the validation loss measured before the step (NaN: none)
   */
  Observation fit(DataSet batch, int epoch, double val) {
    valLoss = val;
    stepEpoch = epoch;
    observed = null;
    inStep = true;
    try {
      net.fit(batch);
    } finally {
      inStep = false;
      stepEpoch = -1;
      valLoss = Double.NaN;
    }
    Observation o = observed;
    observed = null;
    return o;
  }

  /** Called by every block before its updater runs: the listener must have measured the step. */
  void requireMeasured() {
    if (!measured) {
      throw new IllegalStateException(
          "Governor's listener did not see this step's gradient: it was removed from the"
              + " network's listeners (setListeners replaces them all; add yours with"
              + " addListeners) or the network is trained by another optimizer; close() the"
              + " Governor to train without it");
    }
  }

  /**
   * Called after the last block's updater (and the learning-rate-free method's step): with a sink,
   * when the update is final here, the observation, before DL4J subtracts the update.
   */
  void afterLastBlock() {
    if (sink != null && finalAfterLastBlock) {
      finishStep(net.epochCount(), true);
    }
  }

  private void measureGradient() {
    if (sink == null && !inStep) {
      throw new IllegalStateException(
          "this network is trained by a Dl4jTrainer, whose step() runs its fit; close() the"
              + " trainer to train the network otherwise");
    }
    core.evalPoint().requireTrainMode(core.nextStep());
    if (updater != net.updater()) {
      throw new IllegalStateException(
          "the network's updater was replaced while Governor was attached (setLearningRate,"
              + " setUpdater or a new solver rebuild it), so the decided rates cannot reach it;"
              + " close() the Governor before changing the updater");
    }
    batchSize = model.batchSize();
    loss = model.score();
    double paramNorm = measure.params();
    restorer.beforeUpdate(core.nextStep(), paramNorm, !(sink != null && finalAfterLastBlock));
    measure.gradient(batchSize);
    Hyperparameters h = core.hyperparameters();
    if (h.clipping()) {
      measure.clip(h.clip());
    }
    measured = true;
  }

  /**
   * Completes the observation and hands it over.
   *
   * @param early called from the last updater block, before DL4J subtracts the update (which a
   *     restoring action decided now discards)
   */
  private void finishStep(int epoch, boolean early) {
    Observation o;
    try {
      double updateNorm = measure.update();
      o =
          Observation.builder(core.nextStep())
              .epoch(stepEpoch >= 0 ? stepEpoch : epoch)
              .loss(loss)
              .gradNorm(measure.gradNorm)
              .paramNorm(measure.paramNorm)
              .updateNorm(updateNorm)
              .alignment(measure.alignment)
              .sharpness(measure.sharpness)
              .valLoss(valLoss)
              .batchSize(batchSize)
              .applied(core.hyperparameters())
              .layerGradNorms(measure.lg)
              .layerParamNorms(measure.lp)
              .layerUpdateNorms(measure.lu)
              .build();
    } finally {
      measured = false;
      valLoss = Double.NaN;
    }
    if (sink == null) {
      observed = o;
      return;
    }
    inIterationDone = !early;
    beforeSubtraction = early;
    try {
      sink.stepDone(o);
    } finally {
      inIterationDone = false;
      beforeSubtraction = false;
    }
  }

  /** Whether the sink's call comes before DL4J subtracts the update (from the last block). */
  boolean beforeSubtraction() {
    return beforeSubtraction;
  }

  /**
   * Sets the iteration count that the next step runs with: inside {@code iterationDone} DL4J adds
   * one afterwards; before DL4J's subtraction it is set in {@code iterationDone} (so the other
   * listeners still see this step's count).
   */
  void setNextIteration(int iteration) {
    if (beforeSubtraction) {
      pendingIteration = iteration;
    } else {
      net.setIteration(inIterationDone ? iteration - 1 : iteration);
    }
  }

  /**
   * Before DL4J's subtraction, a restoring action discards the step's update (θ − 0 = θ exactly,
   * BatchNorm running statistics included): the parameters it restored stay as they are.
   */
  void discardUpdate() {
    if (beforeSubtraction) {
      net.gradientView().assign(0.0);
    }
  }
}
