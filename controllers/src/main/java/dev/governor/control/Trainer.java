package dev.governor.control;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The plant SPI: anything that can run one optimization step under given hyperparameters and report
 * what it measured — a Deeplearning4j model, or a simulated problem.
 *
 * <p>Contract: steps are run in order {@code 0, 1, 2, …}. Before running step {@code t} the trainer
 * carries out {@code h.action()} (see {@link GuardAction}: {@code SKIP} undoes the update of step
 * {@code t − 1}; {@code ROLLBACK} restores its newest snapshot; {@code RESET} restores the state
 * before step 0), then runs the step with {@code h}'s learning rate, clip threshold and weight
 * decay, and returns the observation of step {@code t} with the applied values filled in. A trainer
 * never changes a value it was given: a decision is applied as it is or, if it cannot be, the step
 * throws.
 *
 * <p>Not thread-safe: one caller (one actor) drives a trainer.
 */
public interface Trainer extends AutoCloseable {

  /**
   * Runs step {@code step} with {@code h} and returns its observation.
   *
   * @param step the step index, one more than the previous call's (0 first)
   * @param h the hyperparameters (already validated) and guard action for this step
   */
  Observation step(long step, Hyperparameters h);

  /** Number of layers the trainer reports per-layer measurements for (0 when none). */
  int layerCount();

  /** Steps per epoch, or {@code -1} when the plant has no epochs (a simulated problem). */
  default long stepsPerEpoch() {
    return -1;
  }

  /**
   * Whether the trainer asks to end the run after the step it ran last, before the step budget
   * (early stopping on a validation set); a runtime then runs no more steps and ends the run as if
   * the budget were spent. The default never asks.
   */
  default boolean stopRequested() {
    return false;
  }

  /**
   * When {@link #stopRequested()}: the step of the best evaluation, whose model a run that restores
   * the best one keeps; NaN when unknown or when there was none. The default is NaN.
   */
  default double stopBestStep() {
    return Double.NaN;
  }

  /**
   * Writes everything needed to resume the plant exactly (model, optimizer state, RNG positions)
   * into {@code dir}.
   */
  void saveCheckpoint(Path dir) throws IOException;

  /** Restores a state written by {@link #saveCheckpoint(Path)}. */
  void loadCheckpoint(Path dir) throws IOException;

  /** Releases native memory or files; the default does nothing. */
  @Override
  default void close() {}
}
