package dev.governor.trainers;

import dev.governor.control.Observation;
import dev.governor.control.ProcessVariable;
import java.util.Locale;
import java.util.Properties;

/**
 * Early stopping on the validation split: the decision, from the evaluations a run makes, to end it
 * before its step budget, and which evaluation's parameters to keep.
 *
 * <p>Semantics (those of Keras' {@code EarlyStopping} and DL4J's {@code EarlyStoppingTrainer} with
 * a {@code ScoreImprovementEpochTerminationCondition}): every evaluation at a step {@code >=
 * warm-up} is counted; it <i>improves</i> when the monitored value is better than the best so far
 * by more than {@code min-delta} (validation loss: {@code v < best − min-delta}; validation
 * accuracy: {@code v > best + min-delta}); the first counted evaluation always improves. After
 * {@code patience} counted evaluations in a row without an improvement the run stops (at the step
 * of the last of them). With {@code restore-best} the parameters of the best evaluation are kept (a
 * copy taken at that evaluation) and put back when the run ends.
 *
 * <p>The generalization-gap criterion ({@code gap=k}, or the monitor {@code gap} with {@code
 * patience} as k): at each counted evaluation the gap is {@code valLoss − loss}, the validation
 * loss minus the training loss of the same step — the measurement the weight-decay loop of {@code
 * pi} trims on ({@code ProcessVariable.GENERALIZATION_GAP}) — and the training loss of the interval
 * is the mean of the finite training losses since the previous evaluation (this step included). The
 * run stops when the gap has risen (by more than {@code min-delta}) at {@code k} evaluations in a
 * row while that mean fell at each of them: the model fits the training data better and the
 * validation data worse.
 *
 * <p>NaN and infinities: a NaN validation loss means "not measured at this step" (nothing counted);
 * a non-finite measured value is counted and never improves (a diverged model runs out of
 * patience); a NaN training loss makes the interval's mean NaN, which never "falls". The decision
 * is a pure function of the observations, so a run resumed from a checkpoint with this state
 * ({@link #save}, {@link #load}) stops at the same step as the uninterrupted run.
 *
 * <p>Not thread-safe.
 */
public final class EarlyStopping {

  /** What is monitored. */
  public enum Monitor {
    /** The validation loss (lower is better). */
    VAL_LOSS("val-loss"),
    /** The validation accuracy (higher is better). */
    VAL_ACCURACY("val-accuracy"),
    /**
     * Only the generalization-gap criterion; the best parameters are those of the least val loss.
     */
    GAP("gap");

    private final String text;

    Monitor(String text) {
      this.text = text;
    }

    /** The name in a spec. */
    public String text() {
      return text;
    }
  }

  /**
   * A validated early-stopping configuration. Text form ({@link #parse}, {@link #toString}): {@code
   * monitor} or {@code monitor(key=value, ...)}, monitor {@code val-loss} | {@code val-accuracy} |
   * {@code gap}, keys {@code patience} (counted evaluations without improvement, default 5), {@code
   * min-delta} (default 0), {@code warm-up} (steps whose evaluations are not counted, default 0),
   * {@code restore-best} (default true), {@code gap} (the gap criterion's k, 0 = off, default 0;
   * the monitor {@code gap} uses {@code patience}).
   *
   * @param monitor what is monitored
   * @param patience counted evaluations without improvement before the run stops, {@code >= 1}
   * @param minDelta the least change that counts as an improvement, finite and {@code >= 0}
   * @param warmUp evaluations at steps below this are not counted, {@code >= 0}
   * @param restoreBest whether the best evaluation's parameters are kept and put back at the end
   * @param gapEvaluations k of the gap criterion ({@code 0} = off; {@code >= 1} with monitor gap)
   */
  public record Config(
      Monitor monitor,
      int patience,
      double minDelta,
      long warmUp,
      boolean restoreBest,
      int gapEvaluations) {

    /** Validates every field and names the first bad one with its value. */
    public Config {
      if (monitor == null) {
        throw new IllegalArgumentException("early-stop monitor must not be null");
      }
      if (patience < 1) {
        throw new IllegalArgumentException("early-stop patience must be >= 1, but was " + patience);
      }
      if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
        throw new IllegalArgumentException(
            "early-stop min-delta must be finite and >= 0, but was " + minDelta);
      }
      if (warmUp < 0) {
        throw new IllegalArgumentException("early-stop warm-up must be >= 0, but was " + warmUp);
      }
      if (gapEvaluations < 0) {
        throw new IllegalArgumentException(
            "early-stop gap must be >= 0, but was " + gapEvaluations);
      }
      if (monitor == Monitor.GAP) {
        gapEvaluations = patience;
      }
    }

    /** Monitor {@code m} with the defaults (patience 5, min-delta 0, no warm-up, restore-best). */
    public static Config of(Monitor m) {
      return new Config(m, 5, 0, 0, true, 0);
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException in one line naming the key and the value
     */
    public static Config parse(String text) {
      return EarlyStopSpec.parse(text);
    }

    /** Whether higher values of the monitored quantity are better. */
    public boolean higherIsBetter() {
      return monitor == Monitor.VAL_ACCURACY;
    }

    /** The text form, which {@link #parse} reads back to an equal config. */
    @Override
    public String toString() {
      return monitor.text
          + "(patience="
          + patience
          + ", min-delta="
          + minDelta
          + ", warm-up="
          + warmUp
          + ", restore-best="
          + restoreBest
          + (monitor == Monitor.GAP ? "" : ", gap=" + gapEvaluations)
          + ")";
    }
  }

  /**
   * Where a run stands: the best evaluation so far and, once stopped, why.
   *
   * @param evaluations counted evaluations so far
   * @param bestStep the step of the best evaluation (−1 before the first)
   * @param best its monitored value (NaN before the first)
   * @param bestValLoss its validation loss
   * @param stopped whether the run stopped early
   * @param stopStep the step after which it stopped (−1 when it did not)
   * @param reason one line saying why it stopped (empty when it did not)
   */
  public record Status(
      int evaluations,
      long bestStep,
      double best,
      double bestValLoss,
      boolean stopped,
      long stopStep,
      String reason) {}

  private final Config c;
  private int evaluations;
  private long bestStep = -1;
  private double best = Double.NaN;
  private double bestValLoss = Double.NaN;
  private int wait;
  private boolean improved;
  private boolean stopped;
  private long stopStep = -1;
  private String reason = "";
  // gap criterion
  private double trainSum;
  private int trainCount;
  private boolean trainNaN;
  private boolean havePrev;
  private double prevGap = Double.NaN;
  private double prevTrain = Double.NaN;
  private int rises;

  /** A fresh state for {@code config}. */
  public EarlyStopping(Config config) {
    if (config == null) {
      throw new IllegalArgumentException("early-stop config must not be null");
    }
    this.c = config;
  }

  /** The configuration. */
  public Config config() {
    return c;
  }

  /**
   * Takes one step's measurements and returns whether the run must stop after it. Call it for every
   * step in order (the training losses between evaluations feed the gap criterion); after a stop it
   * changes nothing and returns true.
   *
   * @param step the step
   * @param trainLoss the step's training loss
   * @param valLoss its validation loss, NaN when none was measured at this step
   * @param valAccuracy its validation accuracy (read only when the monitor is {@code val-accuracy};
   *     NaN otherwise)
   */
  public boolean observe(long step, double trainLoss, double valLoss, double valAccuracy) {
    return observe(step, trainLoss, valLoss, valLoss - trainLoss, valAccuracy);
  }

  /**
   * {@link #observe(long, double, double, double)} for a governed step's observation: its loss,
   * validation loss and the generalization gap as {@code pi}'s weight-decay loop measures it
   * ({@link ProcessVariable#GENERALIZATION_GAP}).
   */
  public boolean observe(Observation o, double valAccuracy) {
    return observe(
        o.step(),
        o.loss(),
        o.valLoss(),
        ProcessVariable.GENERALIZATION_GAP.measure(o),
        valAccuracy);
  }

  private boolean observe(
      long step, double trainLoss, double valLoss, double gap, double valAccuracy) {
    improved = false;
    if (stopped) {
      return true;
    }
    if (Double.isNaN(trainLoss)) {
      trainNaN = true;
    } else if (Double.isFinite(trainLoss)) {
      trainSum += trainLoss;
      trainCount++;
    }
    if (Double.isNaN(valLoss)) {
      return false;
    }
    double trainMean = trainNaN || trainCount == 0 ? Double.NaN : trainSum / trainCount;
    trainSum = 0;
    trainCount = 0;
    trainNaN = false;
    if (step < c.warmUp()) {
      return false;
    }
    count(step, valLoss, valAccuracy);
    if (c.gapEvaluations() > 0) {
      boolean rising =
          havePrev && gap > prevGap + c.minDelta() && trainMean < prevTrain && Double.isFinite(gap);
      rises = rising ? rises + 1 : 0;
      havePrev = true;
      prevGap = gap;
      prevTrain = trainMean;
      if (rises >= c.gapEvaluations()) {
        return stop(
            step,
            String.format(
                Locale.ROOT,
                "the generalization gap (val - train loss) rose at %d evaluations in a row while"
                    + " the training loss fell (gap %.4g at step %d)",
                rises,
                gap,
                step));
      }
    }
    if (c.monitor() != Monitor.GAP && wait >= c.patience()) {
      return stop(
          step,
          String.format(
              Locale.ROOT,
              "%s did not improve by more than %s for %d evaluations (best %.6g at step %d)",
              c.monitor().text(),
              Double.toString(c.minDelta()),
              wait,
              best,
              bestStep));
    }
    return false;
  }

  /**
   * Counts one evaluation of the monitored value: keeps it as the best when it improves (Keras'
   * rule, see the class comment; the wait starts again), else adds one to the wait.
   */
  private void count(long step, double valLoss, double valAccuracy) {
    evaluations++;
    double v = c.monitor() == Monitor.VAL_ACCURACY ? valAccuracy : valLoss;
    boolean better;
    if (!Double.isFinite(v)) {
      better = false;
    } else if (bestStep < 0) {
      better = true;
    } else if (c.higherIsBetter()) {
      better = v > best + c.minDelta();
    } else {
      better = v < best - c.minDelta();
    }
    if (better) {
      best = v;
      bestStep = step;
      bestValLoss = valLoss;
      wait = 0;
      improved = true;
    } else {
      wait++;
    }
  }

  /**
   * The evaluation of the model a run ends its budget with, at {@code step} (the step that would
   * come next): the periodic evaluations measure the parameters before a step, so the last update's
   * result is otherwise never compared. Counted like any other evaluation at a step {@code >=
   * warm-up} (it can become the best), it never stops the run and does not feed the gap criterion.
   * Does nothing once the run has stopped. Returns whether it is the new best (then keep the
   * current parameters rather than restoring an earlier evaluation's).
   *
   * @param valLoss the final model's validation loss (NaN: not measured, nothing counted)
   * @param valAccuracy its validation accuracy (read only with the monitor {@code val-accuracy})
   */
  public boolean observeFinal(long step, double valLoss, double valAccuracy) {
    improved = false;
    if (stopped || Double.isNaN(valLoss) || step < c.warmUp()) {
      return false;
    }
    count(step, valLoss, valAccuracy);
    return improved;
  }

  private boolean stop(long step, String why) {
    stopped = true;
    stopStep = step;
    reason = why;
    return true;
  }

  /** Whether the last {@link #observe} was a new best (keep that evaluation's parameters). */
  public boolean improved() {
    return improved;
  }

  /** Whether the run has stopped. */
  public boolean stopped() {
    return stopped;
  }

  /** The status now. */
  public Status status() {
    return new Status(evaluations, bestStep, best, bestValLoss, stopped, stopStep, reason);
  }

  /** Writes the state (every double as raw bits) into {@code p} under {@code prefix}. */
  public void save(Properties p, String prefix) {
    p.setProperty(prefix + "config", c.toString());
    p.setProperty(prefix + "evaluations", Integer.toString(evaluations));
    p.setProperty(prefix + "bestStep", Long.toString(bestStep));
    p.setProperty(prefix + "best", bits(best));
    p.setProperty(prefix + "bestValLoss", bits(bestValLoss));
    p.setProperty(prefix + "wait", Integer.toString(wait));
    p.setProperty(prefix + "stopped", Boolean.toString(stopped));
    p.setProperty(prefix + "stopStep", Long.toString(stopStep));
    p.setProperty(prefix + "reason", reason);
    p.setProperty(prefix + "trainSum", bits(trainSum));
    p.setProperty(prefix + "trainCount", Integer.toString(trainCount));
    p.setProperty(prefix + "trainNaN", Boolean.toString(trainNaN));
    p.setProperty(prefix + "havePrev", Boolean.toString(havePrev));
    p.setProperty(prefix + "prevGap", bits(prevGap));
    p.setProperty(prefix + "prevTrain", bits(prevTrain));
    p.setProperty(prefix + "rises", Integer.toString(rises));
  }

  /**
   * Restores a state written by {@link #save} of the same configuration.
   *
   * @throws IllegalArgumentException when the state is missing, of another configuration or damaged
   */
  public void load(Properties p, String prefix) {
    String cfg = p.getProperty(prefix + "config");
    if (!c.toString().equals(cfg)) {
      throw new IllegalArgumentException(
          "the checkpoint's early stopping is " + cfg + ", but this run's is " + c);
    }
    try {
      evaluations = Integer.parseInt(p.getProperty(prefix + "evaluations"));
      bestStep = Long.parseLong(p.getProperty(prefix + "bestStep"));
      best = unbits(p.getProperty(prefix + "best"));
      bestValLoss = unbits(p.getProperty(prefix + "bestValLoss"));
      wait = Integer.parseInt(p.getProperty(prefix + "wait"));
      stopped = Boolean.parseBoolean(p.getProperty(prefix + "stopped"));
      stopStep = Long.parseLong(p.getProperty(prefix + "stopStep"));
      reason = p.getProperty(prefix + "reason", "");
      trainSum = unbits(p.getProperty(prefix + "trainSum"));
      trainCount = Integer.parseInt(p.getProperty(prefix + "trainCount"));
      trainNaN = Boolean.parseBoolean(p.getProperty(prefix + "trainNaN"));
      havePrev = Boolean.parseBoolean(p.getProperty(prefix + "havePrev"));
      prevGap = unbits(p.getProperty(prefix + "prevGap"));
      prevTrain = unbits(p.getProperty(prefix + "prevTrain"));
      rises = Integer.parseInt(p.getProperty(prefix + "rises"));
      improved = false;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the checkpoint's early-stopping state is damaged: " + e.getMessage(), e);
    }
  }

  private static String bits(double v) {
    return Long.toString(Double.doubleToRawLongBits(v));
  }

  private static double unbits(String s) {
    return Double.longBitsToDouble(Long.parseLong(s));
  }
}
