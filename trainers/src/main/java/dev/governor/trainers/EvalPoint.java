package dev.governor.trainers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which of a learning-rate-free optimizer's two points the network's parameters hold while a {@link
 * GovernedStep} is attached: the training point, where gradients are taken (Schedule-Free AdamW:
 * y), or the evaluation point, for evaluating, saving and deploying (Schedule-Free AdamW: x). The
 * swap is exact: {@link #trainMode} after {@link #evalMode} gives back the training parameters bit
 * for bit. For the network's own updater and the methods whose two points are the same only the
 * mode changes; in every case a step refuses to run at the evaluation point ({@link
 * #requireTrainMode}). Not thread-safe.
 */
final class EvalPoint {
  /** Work done at the evaluation point ({@link #atEvalParams}). */
  interface AtEval<T, E extends Exception> {
    T run() throws E;
  }

  /** The learning-rate-free method's step, or null with the network's own updater. */
  private final LrFreeStep lrFree;

  private boolean eval;

  EvalPoint(LrFreeStep lrFree) {
    this.lrFree = lrFree;
  }

  /**
   * Sets the network's parameters to the evaluation point (Schedule-Free: x; otherwise the
   * parameters are already it). Idempotent; a step refuses to run until {@link #trainMode}.
   */
  void evalMode() {
    if (!eval && lrFree != null) {
      lrFree.toEval();
    }
    eval = true;
  }

  /** Returns to the training parameters (bit for bit those before {@link #evalMode}). */
  void trainMode() {
    if (eval && lrFree != null) {
      lrFree.toTrain();
    }
    eval = false;
  }

  /**
   * After a checkpoint load (parameters = the saved evaluation point): takes {@code trainPoint}
   * (null when the method has none) as the training point and returns to training mode.
   */
  void restoreTrainPoint(INDArray trainPoint) {
    if (lrFree != null && trainPoint != null) {
      lrFree.method.restoreTrainPoint(trainPoint);
      eval = true;
      trainMode();
    }
  }

  /** Whether the network holds the evaluation point ({@link #evalMode}). */
  boolean inEvalMode() {
    return eval;
  }

  /** Refuses to run step {@code s} at the evaluation point. */
  void requireTrainMode(long s) {
    if (eval) {
      throw new IllegalStateException(
          "step "
              + s
              + " cannot run in evaluation mode (the parameters are the evaluation point); call"
              + " trainMode() first");
    }
  }

  /** Runs {@code work} at the evaluation point and returns to the mode it found. */
  <T, E extends Exception> T atEvalParams(AtEval<T, E> work) throws E {
    boolean was = eval;
    evalMode();
    try {
      return work.run();
    } finally {
      if (!was) {
        trainMode();
      }
    }
  }
}
