package dev.governor.trainers;

import dev.governor.control.Observation;
import dev.governor.telemetry.EventKind;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Early stopping inside a {@link Dl4jTrainer}: feeds the {@link EarlyStopping} monitor every step's
 * observation (for {@code val-accuracy} also the accuracy on the validation batch, measured like
 * the validation loss on the parameters before the step's update), keeps the best evaluation's
 * parameters with {@code restore-best} and puts them back, makes the {@link EventKind#EARLY_STOP}
 * event, and scores the model left at the end of the budget ({@link #endOfBudget}).
 */
final class Dl4jEarlyStop {
  private final GovernedStep core;
  private final EarlyStopping early;
  private final DataSet val;
  private INDArray bestParams;

  /** The accuracy {@link #beforeStep} measured (NaN: none). */
  private double valAccuracy = Double.NaN;

  /** The parameters {@link #beforeStep} copied (null: none). */
  private INDArray before;

  Dl4jEarlyStop(GovernedStep core, EarlyStopping.Config config, DataSet val) {
    this.core = core;
    this.early = new EarlyStopping(config);
    this.val = val;
  }

  /**
   * Measures, before the step's update, what the step's evaluation needs: at an evaluation step
   * ({@code v} the validation batch, else null) of a run not yet stopped, the accuracy for {@code
   * val-accuracy} and, with {@code restore-best}, a copy of the parameters; with no guard action
   * they are the ones the validation loss is measured on.
   */
  void beforeStep(DataSet v) {
    valAccuracy = Double.NaN;
    before = null;
    if (v != null && !early.stopped()) {
      if (early.config().monitor() == EarlyStopping.Monitor.VAL_ACCURACY) {
        valAccuracy = accuracy(v);
      }
      if (early.config().restoreBest()) {
        before = evalParams();
      }
    }
  }

  /**
   * Feeds step {@code step}'s observation to the monitor; when that stops the run, returns the
   * {@code EARLY_STOP} event (and with {@code restore-best} has put the best parameters back), else
   * null.
   */
  TrainerEvent afterStep(long step, Observation o) {
    if (early.stopped()) {
      return null;
    }
    boolean stop = early.observe(o, valAccuracy);
    if (early.improved() && before != null) {
      bestParams = before;
    }
    if (!stop) {
      return null;
    }
    EarlyStopping.Status st = early.status();
    TrainerEvent e =
        new TrainerEvent(
            step,
            EventKind.EARLY_STOP,
            st.bestStep() < 0 ? Double.NaN : st.bestStep(),
            "early stop after step " + step + ": " + st.reason());
    if (early.config().restoreBest()) {
      restoreBest();
    }
    return e;
  }

  /** A copy of the evaluation parameters; the mode is the same afterwards. */
  private INDArray evalParams() {
    return core.evalPoint().atEvalParams(() -> core.net().params().dup());
  }

  /** Accuracy on a classification batch at the evaluation parameters (NaN for sequence labels). */
  private double accuracy(DataSet d) {
    if (d.getLabels().rank() != 2) {
      return Double.NaN;
    }
    return core.evalPoint()
        .atEvalParams(
            () -> {
              INDArray out = core.net().output(d.getFeatures());
              INDArray pred = out.argMax(1);
              INDArray want = d.getLabels().argMax(1);
              long n = pred.length();
              long hits = 0;
              for (long k = 0; k < n; k++) {
                if (Double.isFinite(out.getDouble(k, 0)) && pred.getLong(k) == want.getLong(k)) {
                  hits++;
                }
              }
              return (double) hits / n;
            });
  }

  /** Whether the monitor ended the run. */
  boolean stopped() {
    return early.stopped();
  }

  EarlyStopping.Status status() {
    return early.status();
  }

  /** The monitor, whose state a checkpoint holds. */
  EarlyStopping monitor() {
    return early;
  }

  /** The best evaluation's parameters (null: none kept). */
  INDArray bestParams() {
    return bestParams;
  }

  /** Takes the best parameters a checkpoint held. */
  void restored(INDArray best) {
    bestParams = best;
  }

  /** See {@link Dl4jTrainer#restoreBest()}. */
  boolean restoreBest() {
    if (bestParams == null) {
      return false;
    }
    core.evalPoint().evalMode();
    core.net().params().assign(bestParams);
    return true;
  }

  /** See {@link Dl4jTrainer#endOfBudget()}; {@code nextStep} is the step of this evaluation. */
  EarlyStopping.Status endOfBudget(long nextStep) {
    if (!early.stopped()) {
      double valLoss = core.evalPoint().atEvalParams(() -> core.net().score(val));
      double valAccuracy =
          early.config().monitor() == EarlyStopping.Monitor.VAL_ACCURACY
              ? accuracy(val)
              : Double.NaN;
      boolean best = early.observeFinal(nextStep, valLoss, valAccuracy);
      if (early.config().restoreBest()) {
        if (best) {
          bestParams = evalParams();
        } else {
          restoreBest();
        }
      }
    }
    core.evalPoint().evalMode();
    return early.status();
  }
}
