package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link Dl4jTrainer} driven by a {@link Policy} in this thread (no actors): the synchronous loop
 * of docs/design.md, recording every observation and decision into the run folder's telemetry and
 * decision queues when a folder is given. Used by {@code governor demo} and the in-process {@code
 * governor train}.
 *
 * <p>{@link #checkpoint(Path)} writes the trainer (model, updater state, data position, undo buffer
 * and snapshots) and the controller (policy state, next decision); a run built the same way and
 * {@link #resume(Path) resumed} from it makes exactly the decisions the uninterrupted run makes.
 *
 * <p>Not thread-safe. Close it to close the logs (the trainer is the caller's).
 */
public final class GovernedRun implements AutoCloseable {
  private final Dl4jTrainer trainer;
  private final ControlLoop loop;
  private final TelemetryLog telemetryLog;
  private final DecisionLog decisionLog;
  private final ControlLoop.Plant plant;

  private GovernedRun(Dl4jTrainer trainer, Policy policy, RunFolder folder) {
    this.trainer = trainer;
    this.telemetryLog = folder == null ? null : folder.openTelemetry();
    this.decisionLog = folder == null ? null : folder.openDecisions();
    this.loop = new ControlLoop(policy, telemetryLog, decisionLog);
    this.plant =
        new ControlLoop.Plant() {
          @Override
          public Observation step(long step, Hyperparameters h) {
            return trainer.step(step, h);
          }

          @Override
          public List<TrainerEvent> drainEvents() {
            return trainer.drainEvents();
          }
        };
  }

  /**
   * A run of {@code trainer} under {@code policy}, recorded into {@code folder} (null: not
   * recorded).
   */
  public static GovernedRun of(Dl4jTrainer trainer, Policy policy, RunFolder folder) {
    return new GovernedRun(trainer, policy, folder);
  }

  /**
   * Runs the next step and returns its observation.
   *
   * @throws IllegalStateException when the policy decided a value out of its domain (nothing of it
   *     reached the network)
   */
  public Observation step() {
    return loop.advance(plant);
  }

  /** Index of the next step. */
  public long nextStep() {
    return loop.step();
  }

  /** The hyperparameters the next step will use. */
  public Hyperparameters next() {
    return loop.next();
  }

  /** The last decision with its controller internals (a live holder; copy to keep). */
  public Decision lastDecision() {
    return loop.lastDecision();
  }

  /** The guard events of the last step. */
  public List<TrainerEvent> lastEvents() {
    return loop.lastEvents();
  }

  /** The trainer. */
  public Dl4jTrainer trainer() {
    return trainer;
  }

  /** Writes a checkpoint of trainer and controller into {@code dir}. */
  public void checkpoint(Path dir) throws IOException {
    trainer.saveCheckpoint(dir.resolve("trainer"));
    loop.save(dir.resolve("controller"));
  }

  /** Restores a checkpoint written by {@link #checkpoint(Path)} of a run built the same way. */
  public void resume(Path dir) throws IOException {
    trainer.loadCheckpoint(dir.resolve("trainer"));
    loop.load(dir.resolve("controller"));
    if (loop.step() != trainer.nextStep()) {
      throw new IllegalArgumentException(
          "checkpoint "
              + dir
              + " is inconsistent: controller at step "
              + loop.step()
              + ", trainer at step "
              + trainer.nextStep());
    }
  }

  @Override
  public void close() {
    loop.close();
    if (telemetryLog != null) {
      telemetryLog.close();
    }
    if (decisionLog != null) {
      decisionLog.close();
    }
  }
}
