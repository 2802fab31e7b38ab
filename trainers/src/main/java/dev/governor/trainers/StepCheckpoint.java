package dev.governor.trainers;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The state of a {@link GovernedStep} beyond the model that a checkpoint must hold for an exact
 * resume: what the measurement keeps of the previous step (for the alignment and the secant
 * sharpness) and the undo buffer and snapshot ring. {@code prevGrad} is the previous measured
 * gradient, the layers' views concatenated in layer order.
 */
record StepCheckpoint(
    boolean havePrev,
    double prevUpdateNorm,
    double prevGradNormSq,
    double prevInv,
    INDArray prevGrad,
    boolean undoValid,
    int undoIteration,
    INDArray undoParams,
    INDArray undoState,
    FlatOptimizer.State undoOptimizerState,
    List<StepUndo.Snapshot> ring) {

  /** The state of {@code measure} and {@code undo} now. */
  static StepCheckpoint of(StepMeasurement measure, StepUndo undo) {
    return new StepCheckpoint(
        measure.havePrev,
        measure.prevUpdateNorm,
        measure.prevGradNormSq,
        measure.prevInv,
        measure.prevGradFlat(),
        undo.valid(),
        undo.iteration(),
        undo.savedParams(),
        undo.savedState(),
        undo.savedMethod(),
        undo.ring());
  }

  /** Puts this state back into {@code measure} and {@code undo}. */
  void restoreInto(StepMeasurement measure, StepUndo undo) {
    measure.havePrev = havePrev;
    measure.prevUpdateNorm = prevUpdateNorm;
    measure.prevGradNormSq = prevGradNormSq;
    measure.prevInv = prevInv;
    if (prevGrad != null) {
      measure.restorePrevGrad(prevGrad);
    }
    undo.restore(this);
  }
}
