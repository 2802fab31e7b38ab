package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import java.lang.reflect.Method;
import java.util.Map;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * One updater block's gradient updater while a {@link GovernedStep} is attached: DL4J's own updater
 * of the block (Adam, Nesterovs, ...), built from a clone of the block's configuration whose
 * learning rate is a {@link DecidedRate} schedule, so it runs <em>at</em> the decided rate over the
 * block's own state view; then the per-layer multipliers that differ inside the block and the
 * decoupled weight decay are added to the block's update. Blocks without a rate to decide (a
 * learning-rate-free method's {@code Sgd(1.0)}, BatchNorm running statistics, parameters frozen
 * with {@code NoOp}) keep DL4J's updater as it is.
 */
final class GovernedUpdater implements GradientUpdater<IUpdater> {
  private final GovernedStep core;
  final GradientUpdater<?> delegate;

  /** The decided rate this block's updater reads, or null when the block has none. */
  final DecidedRate rate;

  /** Per measured parameter of the block: its trainable layer, parameter and gradient view. */
  final int[] layer;

  private final INDArray[] paramViews;
  private final INDArray[] gradViews;

  /** The multiplier of the rate the block's updater runs at (that of its first layer). */
  double baseMultiplier = 1.0;

  /** Whether this is the network's last block (set once at attach). */
  boolean last;

  private GovernedUpdater(
      GovernedStep core,
      GradientUpdater<?> delegate,
      DecidedRate rate,
      int[] layer,
      INDArray[] paramViews,
      INDArray[] gradViews) {
    this.core = core;
    this.delegate = delegate;
    this.rate = rate;
    this.layer = layer;
    this.paramViews = paramViews;
    this.gradViews = gradViews;
  }

  /**
   * The governed wrapper of block {@code ub}; validates its updater for the decided rate.
   *
   * @param lrFree a learning-rate-free method computes the update (the block is {@code Sgd(1.0)},
   *     checked by the caller)
   * @param where "layer L parameter P" of the block's first measured parameter (null: none)
   * @throws IllegalArgumentException naming {@code where} when the updater has no learning rate or
   *     a learning-rate schedule of its own
   */
  static GovernedUpdater of(
      GovernedStep core,
      UpdaterBlock ub,
      GradientUpdater<?> original,
      boolean lrFree,
      int[] layer,
      INDArray[] paramViews,
      INDArray[] gradViews,
      String where,
      boolean networkBase) {
    IUpdater config = original.getConfig();
    if (lrFree || where == null || config instanceof NoOp) {
      // learning-rate-free method, running statistics, or parameters the user froze with NoOp:
      // DL4J's own updater as it is
      return new GovernedUpdater(core, original, null, layer, paramViews, gradViews);
    }
    if (!config.hasLearningRate()) {
      throw new IllegalArgumentException(
          where
              + " uses updater "
              + config
              + ", which has no learning rate; Governor decides the learning rate and needs one"
              + " (Adam, Sgd, Nesterovs, ...)");
    }
    ISchedule own = ownSchedule(config);
    if (own != null && !networkBase) {
      throw new IllegalArgumentException(
          where
              + ": the updater's own learning-rate schedule "
              + own
              + " would be overridden by the policy's decisions; remove it from the updater,"
              + " express it as the policy, or make it the policy's base (pi(base=network))"
              + " before Governor.attach");
    }
    DecidedRate rate =
        networkBase
            ? new DecidedRate(config.getLearningRate(0, 0), config)
            : new DecidedRate(config.getLearningRate(0, 0), null);
    IUpdater copy = config.clone();
    copy.setLrAndSchedule(rate.value, rate);
    GradientUpdater<?> delegate = copy.instantiate(ub.getUpdaterView(), false);
    return new GovernedUpdater(core, delegate, rate, layer, paramViews, gradViews);
  }

  /** The updater configuration's learning-rate schedule, or null (DL4J updaters name it alike). */
  static ISchedule ownSchedule(IUpdater config) {
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
   * Sets the block's rate for the next step: {@code lr} times its first layer's multiplier; with
   * the network's schedule as the policy's base, the schedule's own value at DL4J's iteration and
   * epoch times {@code lr / base} (the policy's trim; exactly 1 when the policy decides the base).
   *
   * @param base the policy's base value for the step (the network's schedule as the plant predicted
   *     it), used only with the network's schedule as the base
   * @throws IllegalStateException when the trim {@code lr / base} is not finite
   */
  void decide(Hyperparameters h, double[] multipliers, double base) {
    if (rate != null) {
      double m = h.layerCount() == 0 ? 1.0 : multipliers[layer[0]];
      baseMultiplier = m;
      rate.value = h.lr() * m;
      if (rate.network != null) {
        double f = h.lr() * m / Math.max(Double.MIN_NORMAL, base);
        if (!(f < Double.POSITIVE_INFINITY)) {
          throw new IllegalStateException(
              "the decided learning rate "
                  + h.lr()
                  + " is not a finite multiple of the network schedule's value "
                  + base);
        }
        rate.factor = f;
      }
    }
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
    core.listener().requireMeasured();
    delegate.applyUpdater(gradient, iteration, epoch);
    if (rate != null) {
      addToUpdate(core.hyperparameters(), core.multipliers());
    }
    if (last) {
      core.afterLastBlock();
    }
  }

  /** Per-layer multipliers that differ from the block's, and decoupled weight decay. */
  private void addToUpdate(Hyperparameters h, double[] multipliers) {
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
        Nd4j.getBlasWrapper().level1().axpy(u.length(), h.layerLr(layer[k]) * wd, paramViews[k], u);
      }
    }
  }

  @Override
  public String toString() {
    return "GovernedUpdater(" + delegate + ")";
  }

  /**
   * A learning-rate schedule whose value is the current decision: the policy sets it after every
   * step; DL4J's updater reads it at the next. It exists only inside the governed updater (never in
   * the network's configuration, so it is never serialized).
   */
  static final class DecidedRate implements ISchedule {
    /** The decided rate (without the network's schedule as the base). */
    double value;

    /**
     * The network's own updater configuration whose learning rate (fixed or its schedule) is the
     * policy's base, or null.
     */
    final IUpdater network;

    /** With the network's schedule as the base: the policy's trim of it. */
    double factor = 1.0;

    DecidedRate(double value, IUpdater network) {
      this.value = value;
      this.network = network;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
      return network == null ? value : factor * network.getLearningRate(iteration, epoch);
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
}
