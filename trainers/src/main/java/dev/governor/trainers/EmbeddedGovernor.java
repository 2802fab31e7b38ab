package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The {@link Governor} implementation: a {@link TrainingListener} on the network plus a learning
 * rate actuator inside the network's own updater, so that the network's own {@code fit} (and
 * anything that calls it) runs the governed step.
 *
 * <p>Where each part of a step happens inside DL4J's {@code fit} (StochasticGradientDescent):
 *
 * <ol>
 *   <li>forward and backward pass (DL4J; masks, dropout, BatchNorm statistics as DL4J does them);
 *   <li>{@code onGradientCalculation}: the undo buffer and snapshots are taken, the summed gradient
 *       is measured (as the mean over the batch) and clipped to the decided global norm;
 *   <li>DL4J's updater: division by the batch size, its own per-layer gradient normalization, then
 *       per updater block the {@link GovernedUpdater}: DL4J's own {@code GradientUpdater} of that
 *       block (Adam, Nesterovs, ...) built from a copy of the block's configuration whose learning
 *       rate is a {@link DecidedRate} schedule, so the updater runs <em>at</em> the decided rate
 *       (no scaling after the fact; Nesterovs' velocity sees the rate as DL4J's would); then the
 *       per-layer multipliers that differ inside a block and the decoupled weight decay are added
 *       to the update; a learning-rate-free method computes the whole update after the last block;
 *   <li>DL4J subtracts the update and calls {@code iterationDone}: the update is measured, the
 *       observation goes to the control loop, the decision sets the rates of the next step and a
 *       SKIP/ROLLBACK/RESET restores parameters, updater state and iteration count right away (DL4J
 *       then counts the iteration and applies the weight constraints, as after any update).
 * </ol>
 *
 * <p>Measured parameters are those DL4J divides by the batch size ({@link
 * Trainable#updaterDivideByMinibatch}): a BatchNormalization layer's running mean and variance are
 * not gradients and are neither measured, clipped, decayed nor scaled. The network's configuration
 * is never changed: the actuator lives in the updater object only and {@link #close()} puts DL4J's
 * own gradient updaters back, so the model saves (also while attached), loads and trains with plain
 * DL4J.
 */
final class EmbeddedGovernor implements Governor, ControlLoop.Plant {
  private final Model model;
  private final Net net;
  private final ControlLoop loop;
  private final TelemetryLog telemetryLog;
  private final DecisionLog decisionLog;
  private final Listener listener = new Listener();
  private final BaseMultiLayerUpdater<?> updater;
  private final List<UpdaterBlock> blocks;
  private final GradientUpdater<?>[] originals;
  private final GovernedUpdater[] actuators;
  private final int lastBlock;

  private final int layerCount;
  private final INDArray params;
  // per trainable layer: the views of its measured parameters and of their gradients
  private final INDArray[][] layerParams;
  private final INDArray[][] layerGrads;
  private INDArray[][] prevGrads;

  private final Dl4jOptimizer optimizer;
  private final FlatOptimizer method;
  private final INDArray params1d;
  private final INDArray grad1d;
  private final INDArray[] paramSegments;
  private final INDArray[] gradSegments;
  private final double[] mult;

  private final boolean undo;
  private final boolean measureAlignment;
  private final int snapshotEvery = 100;
  private final int ringSize = 3;
  private final ArrayDeque<GovernedStep.Snapshot> ring = new ArrayDeque<>();

  /** The state at attach, restored by a {@code RESET}. */
  private final GovernedStep.Snapshot origin;

  private final INDArray undoParams;
  private final INDArray undoState;
  private final FlatOptimizer.State undoMethod;
  private int undoIteration;
  private boolean undoValid;

  private final List<TrainerEvent> pending = new ArrayList<>();
  private final double[] lg;
  private final double[] lp;
  private final double[] lu;

  private Hyperparameters h;
  private double[] multipliers;
  private boolean measured;
  private boolean eval;
  private boolean closed;
  private int batchSize;
  private double loss;
  private double gradNorm;
  private double paramNorm;
  private double alignment;
  private double sharpness;
  private boolean havePrev;
  private double prevGradNormSq = Double.NaN;
  private double prevInv = Double.NaN;
  private double prevUpdateNorm = Double.NaN;
  private Observation built;
  private Observation last;

  EmbeddedGovernor(
      Model network, Policy policy, Dl4jOptimizer optimizer, Supplier<RunFolder> folder) {
    this(network, policy, optimizer, folder, true, true);
  }

  /**
   * @param folder creates the run folder once the network has been accepted (null: not recorded)
   * @param undo keep the undo buffer that SKIP restores (without it SKIP restores the newest
   *     snapshot)
   * @param measureAlignment measure cos(g, g_prev) and the secant sharpness (needs a copy of the
   *     previous gradient)
   */
  EmbeddedGovernor(
      Model network,
      Policy policy,
      Dl4jOptimizer optimizer,
      Supplier<RunFolder> folder,
      boolean undo,
      boolean measureAlignment) {
    this.model = network;
    this.undo = undo;
    this.measureAlignment = measureAlignment;
    this.net = Net.of(network, false);
    this.optimizer = optimizer == null ? Dl4jOptimizer.adam() : optimizer;
    this.layerCount = net.layers.length;
    this.params = net.params();
    this.updater = net.updater();
    this.blocks = updater.getUpdaterBlocks();

    // the measured parameters, per trainable layer, from DL4J's own updater blocks
    Map<Trainable, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < layerCount; i++) {
      index.put(net.layers[i], i);
    }
    List<List<INDArray>> ps = new ArrayList<>();
    List<List<INDArray>> gs = new ArrayList<>();
    int[] allParams = new int[layerCount];
    for (int i = 0; i < layerCount; i++) {
      ps.add(new ArrayList<>());
      gs.add(new ArrayList<>());
    }
    for (UpdaterBlock b : blocks) {
      for (UpdaterBlock.ParamState s : b.getLayersAndVariablesInBlock()) {
        int l = layerIndex(index, s);
        allParams[l]++;
        if (s.getLayer().updaterDivideByMinibatch(s.getParamName())) {
          ps.get(l).add(s.getParamView());
          gs.get(l).add(s.getGradView());
        }
      }
    }
    this.layerParams = new INDArray[layerCount][];
    this.layerGrads = new INDArray[layerCount][];
    for (int i = 0; i < layerCount; i++) {
      Trainable t = net.layers[i];
      if (ps.get(i).size() == allParams[i] && allParams[i] == t.paramTable(false).size()) {
        // every parameter of the layer is measured: one contiguous view each
        layerParams[i] = new INDArray[] {t.params()};
        layerGrads[i] = new INDArray[] {t.getGradientsViewArray()};
      } else {
        layerParams[i] = ps.get(i).toArray(new INDArray[0]);
        layerGrads[i] = gs.get(i).toArray(new INDArray[0]);
      }
    }

    long[] lengths = new long[layerCount];
    for (int i = 0; i < layerCount; i++) {
      lengths[i] = net.layers[i].params().length();
    }
    this.method = this.optimizer.create(lengths, params.dataType());
    if (method != null) {
      net.requireUnitSgd(this.optimizer.name());
      INDArray grad = net.gradientView().reshape(params.shape());
      requireContiguousLayers(lengths, grad);
      this.params1d = params.reshape(params.length());
      this.grad1d = grad.reshape(grad.length());
      this.paramSegments = method.segments(params1d);
      this.gradSegments = method.segments(grad1d);
      this.undoMethod = undo ? method.copy() : null;
    } else {
      this.params1d = null;
      this.grad1d = null;
      this.paramSegments = null;
      this.gradSegments = null;
      this.undoMethod = null;
    }
    this.mult = new double[layerCount];

    // the actuators: every block's own gradient updater, rebuilt around a decided rate
    this.originals = new GradientUpdater<?>[blocks.size()];
    this.actuators = new GovernedUpdater[blocks.size()];
    for (int b = 0; b < blocks.size(); b++) {
      UpdaterBlock ub = blocks.get(b);
      originals[b] = ub.getGradientUpdater();
      actuators[b] = actuator(ub, originals[b], index);
    }
    this.lastBlock = blocks.size() - 1;
    if (method == null && Arrays.stream(actuators).noneMatch(a -> a.rate != null)) {
      throw new IllegalArgumentException(
          "the network has no trained parameter whose updater has a learning rate; Governor"
              + " decides the learning rate and needs one (Adam, Sgd, Nesterovs, ...)");
    }

    INDArray state = updater.getStateViewArray();
    this.undoParams = undo ? params.dup() : null;
    this.undoState = undo && state != null ? state.dup() : null;
    this.lg = new double[layerCount];
    this.lp = new double[layerCount];
    this.lu = new double[layerCount];
    this.origin =
        new GovernedStep.Snapshot(
            -1,
            params.dup(),
            state == null ? null : state.dup(),
            net.iteration(),
            method == null ? null : method.copy());

    RunFolder run = folder == null ? null : folder.get();
    this.telemetryLog = run == null ? null : run.openTelemetry();
    this.decisionLog = run == null ? null : run.openDecisions();
    this.loop = new ControlLoop(policy, telemetryLog, decisionLog);
    apply(loop.next());
    for (int b = 0; b < blocks.size(); b++) {
      blocks.get(b).setGradientUpdater(actuators[b]);
    }
    network.addListeners(listener);
  }

  /**
   * The trainable layer a block's parameter belongs to: the layer itself in a MultiLayerNetwork's
   * updater, its vertex (same name) in a ComputationGraph's.
   */
  private int layerIndex(Map<Trainable, Integer> index, UpdaterBlock.ParamState s) {
    Integer l = index.get(s.getLayer());
    if (l == null) {
      String name = s.getLayer().getConfig().getLayerName();
      for (int i = 0; i < layerCount && name != null; i++) {
        if (name.equals(net.layers[i].getConfig().getLayerName())) {
          index.put(s.getLayer(), i);
          return i;
        }
      }
    }
    if (l == null) {
      throw new IllegalArgumentException(
          "parameter "
              + s.getParamName()
              + " of an updater block belongs to no trainable layer of the "
              + model.getClass().getSimpleName());
    }
    return l;
  }

  /** The governed wrapper of block {@code ub}; validates its updater for the decided rate. */
  private GovernedUpdater actuator(
      UpdaterBlock ub, GradientUpdater<?> original, Map<Trainable, Integer> index) {
    List<UpdaterBlock.ParamState> trained = new ArrayList<>();
    for (UpdaterBlock.ParamState s : ub.getLayersAndVariablesInBlock()) {
      if (s.getLayer().updaterDivideByMinibatch(s.getParamName())) {
        trained.add(s);
      }
    }
    int n = trained.size();
    int[] layer = new int[n];
    INDArray[] p = new INDArray[n];
    INDArray[] g = new INDArray[n];
    for (int k = 0; k < n; k++) {
      layer[k] = layerIndex(index, trained.get(k));
      p[k] = trained.get(k).getParamView();
      g[k] = trained.get(k).getGradView();
    }
    IUpdater config = original.getConfig();
    if (method != null || n == 0 || config instanceof NoOp) {
      // learning-rate-free method (the block is Sgd(1.0), checked), running statistics, or
      // parameters the user froze with NoOp: DL4J's own updater as it is
      return new GovernedUpdater(original, null, layer, p, g);
    }
    String where =
        "layer " + net.layerNames[layer[0]] + " parameter " + trained.get(0).getParamName();
    if (!config.hasLearningRate()) {
      throw new IllegalArgumentException(
          where
              + " uses updater "
              + config
              + ", which has no learning rate; Governor decides the learning rate and needs one"
              + " (Adam, Sgd, Nesterovs, ...)");
    }
    ISchedule own = ownSchedule(config);
    if (own != null) {
      throw new IllegalArgumentException(
          where
              + ": the updater's own learning-rate schedule "
              + own
              + " would be overridden by the policy's decisions; remove it from the updater (or"
              + " express it as the policy) before Governor.attach");
    }
    DecidedRate rate = new DecidedRate(config.getLearningRate(0, 0));
    IUpdater copy = config.clone();
    copy.setLrAndSchedule(rate.value, rate);
    GradientUpdater<?> delegate = copy.instantiate(ub.getUpdaterView(), false);
    return new GovernedUpdater(delegate, rate, layer, p, g);
  }

  /** The updater configuration's learning-rate schedule, or null (DL4J updaters name it alike). */
  private static ISchedule ownSchedule(IUpdater config) {
    try {
      Method m = config.getClass().getMethod("getLearningRateSchedule");
      Object s = m.invoke(config);
      return s instanceof ISchedule sch ? sch : null;
    } catch (NoSuchMethodException e) {
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read the learning-rate schedule of " + config, e);
    }
  }

  /**
   * The flat optimizers address layer l as the range [offset_l, offset_l + length_l) of the flat
   * parameter and gradient vectors; DL4J lays the trainable layers out in this order (checked).
   */
  private void requireContiguousLayers(long[] lengths, INDArray grad) {
    long off = 0;
    for (int i = 0; i < layerCount; i++) {
      Trainable t = net.layers[i];
      if (t.params().offset() - params.offset() != off
          || t.getGradientsViewArray().offset() - grad.offset() != off
          || t.params().elementWiseStride() != 1) {
        throw new IllegalArgumentException(
            "optimizer "
                + optimizer.name()
                + " needs each layer's parameters as one contiguous range of the flat vector in"
                + " layer order, but layer "
                + net.layerNames[i]
                + " was not at offset "
                + off);
      }
      off += lengths[i];
    }
    if (off != params.length()) {
      throw new IllegalArgumentException(
          "optimizer "
              + optimizer.name()
              + " needs every parameter in a trainable layer, but the layers hold "
              + off
              + " of "
              + params.length());
    }
  }

  // ---- the decided rate and the governed gradient updater ----

  /**
   * A learning-rate schedule whose value is the current decision: the policy sets it after every
   * step; DL4J's updater reads it at the next. It exists only inside the governed updater (never in
   * the network's configuration, so it is never serialized).
   */
  static final class DecidedRate implements ISchedule {
    double value;

    DecidedRate(double value) {
      this.value = value;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
      return value;
    }

    /** The same live rate: DL4J clones schedules with their configuration. */
    @Override
    public ISchedule clone() {
      return this;
    }

    @Override
    public String toString() {
      return "DecidedRate(" + value + ")";
    }
  }

  /**
   * One updater block's gradient updater: DL4J's own (at the decided rate when {@code rate} is
   * set), then Governor's additions to the block's update.
   */
  final class GovernedUpdater implements GradientUpdater<IUpdater> {
    final GradientUpdater<?> delegate;
    final DecidedRate rate;
    final int[] layer;
    final INDArray[] paramViews;
    final INDArray[] gradViews;
    double baseMultiplier = 1.0;

    GovernedUpdater(
        GradientUpdater<?> delegate,
        DecidedRate rate,
        int[] layer,
        INDArray[] paramViews,
        INDArray[] gradViews) {
      this.delegate = delegate;
      this.rate = rate;
      this.layer = layer;
      this.paramViews = paramViews;
      this.gradViews = gradViews;
    }

    boolean isLast() {
      return this == actuators[lastBlock];
    }

    @Override
    public IUpdater getConfig() {
      return delegate.getConfig();
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
      delegate.setState(stateMap, initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
      return delegate.getState();
    }

    @Override
    public void setStateViewArray(
        INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
      delegate.setStateViewArray(viewArray, gradientShape, gradientOrder, initialize);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
      if (!measured) {
        throw new IllegalStateException(
            "Governor's listener did not see this step's gradient: it was removed from the"
                + " network's listeners (setListeners replaces them all; add yours with"
                + " addListeners) or the network is trained by another optimizer; close() the"
                + " Governor to train without it");
      }
      delegate.applyUpdater(gradient, iteration, epoch);
      if (rate != null) {
        addToUpdate();
      }
      if (method != null && isLast()) {
        methodUpdate();
      }
    }

    /** Per-layer multipliers that differ from the block's, and decoupled weight decay. */
    private void addToUpdate() {
      double wd = h.weightDecay();
      boolean layered = h.layerCount() != 0;
      if (!layered && !(wd > 0)) {
        return;
      }
      for (int k = 0; k < gradViews.length; k++) {
        double m = layered ? multipliers[layer[k]] : 1.0;
        INDArray u = gradViews[k];
        if (m != baseMultiplier) {
          // DL4J's updaters are proportional to their rate (Nesterovs at a constant rate too)
          u.muli(m / baseMultiplier);
        }
        if (wd > 0) {
          Nd4j.getBlasWrapper()
              .level1()
              .axpy(u.length(), h.layerLr(layer[k]) * wd, paramViews[k], u);
        }
      }
    }

    @Override
    public String toString() {
      return "GovernedUpdater(" + delegate + ")";
    }
  }

  /**
   * The learning-rate-free optimizer's step: Δθ from the mean clipped gradient (now in the gradient
   * view); DL4J then subtracts it.
   */
  private void methodUpdate() {
    if (h.layerCount() == 0) {
      Arrays.fill(mult, 1.0);
    } else {
      System.arraycopy(multipliers, 0, mult, 0, layerCount);
    }
    method.step(params1d, grad1d, paramSegments, gradSegments, h.lr(), mult, h.weightDecay());
  }

  // ---- the listener ----

  private final class Listener extends BaseTrainingListener {
    @Override
    public void onGradientCalculation(Model m) {
      if (m == model && !closed) {
        measureGradient();
      }
    }

    @Override
    public void iterationDone(Model m, int iteration, int epoch) {
      if (m == model && !closed && measured) {
        finishStep(epoch);
      }
    }

    @Override
    public String toString() {
      return "Governor(" + loop.policy().spec() + ")";
    }
  }

  private static double sq(double x) {
    return x * x;
  }

  private void measureGradient() {
    if (eval) {
      throw new IllegalStateException(
          "step "
              + loop.step()
              + " cannot run in evaluation mode (the parameters are the evaluation point); call"
              + " trainMode() first");
    }
    if (updater != net.updater()) {
      throw new IllegalStateException(
          "the network's updater was replaced while Governor was attached (setLearningRate,"
              + " setUpdater or a new solver rebuild it), so the decided rates cannot reach it;"
              + " close() the Governor before changing the updater");
    }
    long step = loop.step();
    batchSize = model.batchSize();
    loss = model.score();
    double psq = 0;
    for (int i = 0; i < layerCount; i++) {
      double s = 0;
      for (INDArray a : layerParams[i]) {
        s += sq(GovernedStep.norm(a));
      }
      lp[i] = Math.sqrt(s);
      psq += s;
    }
    paramNorm = Math.sqrt(psq);
    if (ringSize > 0 && step % snapshotEvery == 0 && Double.isFinite(paramNorm)) {
      pushSnapshot(step);
    }
    if (undo) {
      undoParams.assign(params);
      if (undoState != null) {
        undoState.assign(updater.getStateViewArray());
      }
      undoIteration = net.iteration();
      if (method != null) {
        method.copyTo(undoMethod);
      }
      undoValid = true;
    }

    // the gradient views hold the batch SUM (DL4J's updater divides); norms are of the mean
    double inv = 1.0 / batchSize;
    double gsq = 0;
    for (int i = 0; i < layerCount; i++) {
      double s = 0;
      for (INDArray a : layerGrads[i]) {
        s += sq(GovernedStep.norm(a) * inv);
      }
      lg[i] = Math.sqrt(s);
      gsq += s;
    }
    gradNorm = Math.sqrt(gsq);

    alignment = Double.NaN;
    sharpness = Double.NaN;
    if (measureAlignment) {
      if (prevGrads == null) {
        prevGrads = new INDArray[layerCount][];
        for (int i = 0; i < layerCount; i++) {
          prevGrads[i] = new INDArray[layerGrads[i].length];
          for (int k = 0; k < layerGrads[i].length; k++) {
            prevGrads[i][k] = layerGrads[i][k].dup();
          }
        }
      } else {
        double dotSum = 0;
        for (int i = 0; i < layerCount; i++) {
          for (int k = 0; k < layerGrads[i].length; k++) {
            if (havePrev) {
              dotSum += Nd4j.getBlasWrapper().dot(layerGrads[i][k], prevGrads[i][k]);
            }
            prevGrads[i][k].assign(layerGrads[i][k]);
          }
        }
        if (havePrev) {
          double dot = dotSum * inv * prevInv;
          alignment = dot / (gradNorm * Math.sqrt(prevGradNormSq));
          sharpness = Math.sqrt(Math.max(0, gsq + prevGradNormSq - 2 * dot)) / prevUpdateNorm;
        }
      }
    }
    prevInv = inv;
    prevGradNormSq = gsq;
    havePrev = true;

    if (h.clipping() && gradNorm > h.clip()) {
      double f = h.clip() / gradNorm;
      for (INDArray[] l : layerGrads) {
        for (INDArray a : l) {
          a.muli(f);
        }
      }
    }
    measured = true;
  }

  private void finishStep(int epoch) {
    try {
      double usq = 0;
      for (int i = 0; i < layerCount; i++) {
        double s = 0;
        for (INDArray a : layerGrads[i]) {
          s += sq(GovernedStep.norm(a));
        }
        lu[i] = Math.sqrt(s);
        usq += s;
      }
      double updateNorm = Math.sqrt(usq);
      prevUpdateNorm = updateNorm;
      built =
          Observation.builder(loop.step())
              .epoch(epoch)
              .loss(loss)
              .gradNorm(gradNorm)
              .paramNorm(paramNorm)
              .updateNorm(updateNorm)
              .alignment(alignment)
              .sharpness(sharpness)
              .batchSize(batchSize)
              .applied(h)
              .layerGradNorms(lg)
              .layerParamNorms(lp)
              .layerUpdateNorms(lu)
              .build();
      last = loop.advance(this);
    } finally {
      measured = false;
      built = null;
    }
    apply(loop.next());
  }

  /** Sets the rates of the next step and carries out its guard action now. */
  private void apply(Hyperparameters next) {
    if (next.layerCount() != 0 && next.layerCount() != layerCount) {
      throw new IllegalArgumentException(
          "layerLrMultipliers must have "
              + layerCount
              + " entries (one per trainable layer), but had "
              + next.layerCount());
    }
    this.h = next;
    this.multipliers = next.layerLrMultipliers();
    if (method == null) {
      for (GovernedUpdater a : actuators) {
        if (a.rate != null) {
          double m = next.layerCount() == 0 ? 1.0 : multipliers[a.layer[0]];
          a.baseMultiplier = m;
          a.rate.value = next.lr() * m;
        }
      }
    }
    long step = loop.step();
    switch (next.action()) {
      case SKIP -> skip(step);
      case ROLLBACK -> rollback(step);
      case RESET -> {
        restore(origin);
        ring.clear();
        pending.add(
            new TrainerEvent(
                step,
                EventKind.RESET,
                step - 1,
                "restored the state at attach (discarded steps 0.." + (step - 1) + ")"));
      }
      default -> {}
    }
  }

  /**
   * Sets the iteration count that the next step runs with: DL4J adds one after {@code
   * iterationDone}, where the guard actions run.
   */
  private void setNextIteration(int iteration) {
    net.setIteration(iteration - 1);
  }

  private void skip(long step) {
    if (undoValid) {
      params.assign(undoParams);
      if (undoState != null) {
        updater.getStateViewArray().assign(undoState);
      }
      if (method != null) {
        method.restore(undoMethod);
      }
      setNextIteration(undoIteration);
      undoValid = false;
      prevUpdateNorm = Double.NaN;
      pending.add(
          new TrainerEvent(
              step, EventKind.SKIP, step - 1, "undid the update of step " + (step - 1)));
    } else if (!ring.isEmpty()) {
      GovernedStep.Snapshot s = ring.peekLast();
      restore(s);
      pending.add(
          new TrainerEvent(
              step,
              EventKind.ROLLBACK,
              s.step(),
              "skip without an undo buffer: restored the snapshot of step " + s.step()));
    } else {
      pending.add(new TrainerEvent(step, EventKind.SKIP, Double.NaN, "nothing to undo"));
    }
  }

  private void rollback(long step) {
    if (ring.isEmpty()) {
      pending.add(
          new TrainerEvent(step, EventKind.ROLLBACK, Double.NaN, "no snapshot to roll back to"));
    } else {
      GovernedStep.Snapshot s = ring.peekLast();
      restore(s);
      pending.add(
          new TrainerEvent(
              step, EventKind.ROLLBACK, s.step(), "restored the snapshot of step " + s.step()));
    }
  }

  private void restore(GovernedStep.Snapshot s) {
    params.assign(s.params());
    INDArray state = updater.getStateViewArray();
    if (state != null && s.updaterState() != null) {
      state.assign(s.updaterState());
    }
    if (method != null) {
      method.restore(s.optimizerState());
    }
    setNextIteration(s.iteration());
    undoValid = false;
    havePrev = false;
    prevUpdateNorm = Double.NaN;
  }

  private void pushSnapshot(long step) {
    GovernedStep.Snapshot s;
    INDArray state = updater.getStateViewArray();
    if (ring.size() >= ringSize) {
      GovernedStep.Snapshot old = ring.pollFirst();
      old.params().assign(params);
      if (state != null) {
        old.updaterState().assign(state);
      }
      if (method != null) {
        method.copyTo(old.optimizerState());
      }
      s =
          new GovernedStep.Snapshot(
              step, old.params(), old.updaterState(), net.iteration(), old.optimizerState());
    } else {
      s =
          new GovernedStep.Snapshot(
              step,
              params.dup(),
              state == null ? null : state.dup(),
              net.iteration(),
              method == null ? null : method.copy());
    }
    ring.addLast(s);
  }

  // ---- ControlLoop.Plant: the step has already run inside fit ----

  @Override
  public Observation step(long step, Hyperparameters applied) {
    return built;
  }

  @Override
  public List<TrainerEvent> drainEvents() {
    List<TrainerEvent> out = new ArrayList<>(pending);
    pending.clear();
    return out;
  }

  // ---- the Governor API ----

  @Override
  public void evalMode() {
    if (!eval && method != null) {
      method.toEval(params1d);
    }
    eval = true;
  }

  @Override
  public void trainMode() {
    if (eval && method != null) {
      method.toTrain(params1d);
    }
    eval = false;
  }

  @Override
  public boolean inEvalMode() {
    return eval;
  }

  @Override
  public Observation fit(DataSet b) {
    requireOpen();
    long before = loop.step();
    net.fit(b);
    return loop.step() > before ? last : null;
  }

  @Override
  public void fit(DataSetIterator data) {
    requireOpen();
    net.fit(data);
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this Governor is closed");
    }
  }

  @Override
  public Hyperparameters next() {
    return loop.next();
  }

  @Override
  public long step() {
    return loop.step();
  }

  @Override
  public Decision lastDecision() {
    return loop.lastDecision();
  }

  @Override
  public List<TrainerEvent> lastEvents() {
    return loop.lastEvents();
  }

  @Override
  public Observation lastObservation() {
    return last;
  }

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
    loop.close();
    if (telemetryLog != null) {
      telemetryLog.close();
    }
    if (decisionLog != null) {
      decisionLog.close();
    }
  }
}
