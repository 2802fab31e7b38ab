package dev.governor.trainers;

import dev.governor.telemetry.EventKind;
import java.util.ArrayDeque;
import java.util.List;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The restoring side of a {@link GovernedStep}: the undo buffer that SKIP restores (the state
 * before the last step), the ring of snapshots that ROLLBACK restores and the state at construction
 * that RESET restores — each of parameters, updater state, iteration count and a learning-rate-free
 * optimizer's state. Where the step is when a restoring action arrives (before or after DL4J
 * subtracts the update, inside {@code iterationDone} or between steps) is the listener's: it
 * discards the update and sets the iteration count ({@link StepListener#discardUpdate}, {@link
 * StepListener#setNextIteration}). Not thread-safe.
 */
final class StepUndo {
  /**
   * A saved state of the network: parameters, updater state, iteration count, and the state of a
   * learning-rate-free optimizer (null with the network's own updater).
   */
  record Snapshot(
      long step,
      INDArray params,
      INDArray updaterState,
      int iteration,
      FlatOptimizer.State optimizerState) {}

  private final GovernedStep core;
  private final Net net;
  private final INDArray params;
  private final BaseMultiLayerUpdater<?> updater;
  private final FlatOptimizer method;
  private final StepMeasurement measure;
  private final List<TrainerEvent> events;

  private final boolean undo;
  private final int snapshotEvery;
  private final int ringSize;
  private final ArrayDeque<Snapshot> ring = new ArrayDeque<>();

  /** The state at construction, restored by a {@code RESET}. */
  private final Snapshot origin;

  private final INDArray undoParams;
  private final INDArray undoState;
  private final FlatOptimizer.State undoMethod;
  private int undoIteration;
  private boolean undoValid;
  // whether undoParams holds this step's parameters (not needed when the decision comes before
  // DL4J subtracts the update: a restoring action then discards the update instead)
  private boolean undoHasParams;

  StepUndo(
      GovernedStep core,
      Net net,
      BaseMultiLayerUpdater<?> updater,
      FlatOptimizer method,
      StepMeasurement measure,
      List<TrainerEvent> events,
      boolean undo,
      int snapshotEvery,
      int ringSize) {
    this.core = core;
    this.net = net;
    this.params = net.params();
    this.updater = updater;
    this.method = method;
    this.measure = measure;
    this.events = events;
    this.undo = undo;
    this.snapshotEvery = snapshotEvery;
    this.ringSize = ringSize;
    INDArray state = updater.getStateViewArray();
    this.undoParams = undo ? params.dup() : null;
    this.undoState = undo && state != null ? state.dup() : null;
    this.undoMethod = undo && method != null ? method.copy() : null;
    this.origin =
        new Snapshot(
            -1,
            params.dup(),
            state == null ? null : state.dup(),
            net.iteration(),
            method == null ? null : method.copy());
  }

  /** Whether the undo buffer is kept (SKIP undoes the last step exactly). */
  boolean keeps() {
    return undo;
  }

  /**
   * Before step {@code step}'s update: a snapshot when one is due (and the parameters are finite),
   * then the undo buffer (without the parameters when {@code withParams} is false: a restoring
   * action then comes before DL4J's subtraction and discards the update).
   */
  void beforeUpdate(long step, double paramNorm, boolean withParams) {
    if (ringSize > 0 && step % snapshotEvery == 0 && Double.isFinite(paramNorm)) {
      pushSnapshot(step);
    }
    if (undo) {
      undoHasParams = withParams;
      if (undoHasParams) {
        undoParams.assign(params);
      }
      if (undoState != null) {
        undoState.assign(updater.getStateViewArray());
      }
      undoIteration = net.iteration();
      if (method != null) {
        method.copyTo(undoMethod);
      }
      undoValid = true;
    }
  }

  void skip(long at, boolean beforeSubtraction) {
    if (undoValid && (undoHasParams || beforeSubtraction)) {
      if (undoHasParams) {
        params.assign(undoParams);
      }
      core.listener().discardUpdate();
      if (undoState != null) {
        updater.getStateViewArray().assign(undoState);
      }
      if (method != null) {
        method.restore(undoMethod);
      }
      core.listener().setNextIteration(undoIteration);
      undoValid = false;
      measure.forget(false);
      events.add(
          new TrainerEvent(at, EventKind.SKIP, at - 1, "undid the update of step " + (at - 1)));
    } else if (!ring.isEmpty()) {
      Snapshot s = ring.peekLast();
      restore(s);
      events.add(
          new TrainerEvent(
              at,
              EventKind.ROLLBACK,
              s.step(),
              "skip without an undo buffer: restored the snapshot of step " + s.step()));
    } else {
      events.add(new TrainerEvent(at, EventKind.SKIP, Double.NaN, "nothing to undo"));
    }
  }

  void rollback(long at) {
    if (ring.isEmpty()) {
      events.add(
          new TrainerEvent(at, EventKind.ROLLBACK, Double.NaN, "no snapshot to roll back to"));
    } else {
      Snapshot s = ring.peekLast();
      restore(s);
      events.add(
          new TrainerEvent(
              at, EventKind.ROLLBACK, s.step(), "restored the snapshot of step " + s.step()));
    }
  }

  void reset(long at) {
    restore(origin);
    ring.clear();
    events.add(
        new TrainerEvent(
            at,
            EventKind.RESET,
            at - 1,
            "restored the start state (discarded steps 0.." + (at - 1) + ")"));
  }

  private void restore(Snapshot s) {
    params.assign(s.params());
    core.listener().discardUpdate();
    INDArray state = updater.getStateViewArray();
    if (state != null && s.updaterState() != null) {
      state.assign(s.updaterState());
    }
    if (method != null) {
      method.restore(s.optimizerState());
    }
    core.listener().setNextIteration(s.iteration());
    undoValid = false;
    measure.forget(true);
  }

  private void pushSnapshot(long at) {
    Snapshot s;
    INDArray state = updater.getStateViewArray();
    if (ring.size() >= ringSize) {
      Snapshot old = ring.pollFirst();
      old.params().assign(params);
      if (state != null) {
        old.updaterState().assign(state);
      }
      if (method != null) {
        method.copyTo(old.optimizerState());
      }
      s = new Snapshot(at, old.params(), old.updaterState(), net.iteration(), old.optimizerState());
    } else {
      s =
          new Snapshot(
              at,
              params.dup(),
              state == null ? null : state.dup(),
              net.iteration(),
              method == null ? null : method.copy());
    }
    ring.addLast(s);
  }

  // ---- checkpoint support ----

  boolean valid() {
    return undoValid;
  }

  int iteration() {
    return undoIteration;
  }

  INDArray savedParams() {
    return undoParams;
  }

  INDArray savedState() {
    return undoState;
  }

  FlatOptimizer.State savedMethod() {
    return undoMethod;
  }

  List<Snapshot> ring() {
    return List.copyOf(ring);
  }

  /** Restores what {@link StepCheckpoint#of} saved. */
  void restore(StepCheckpoint e) {
    undoValid = e.undoValid() && undo;
    undoIteration = e.undoIteration();
    undoHasParams = undo && e.undoParams() != null;
    if (undoHasParams) {
      undoParams.assign(e.undoParams());
      if (undoState != null && e.undoState() != null) {
        undoState.assign(e.undoState());
      }
      if (undoMethod != null && e.undoOptimizerState() != null) {
        FlatOptimizer.copy(e.undoOptimizerState(), undoMethod);
      }
    }
    ring.clear();
    ring.addAll(e.ring());
  }
}
