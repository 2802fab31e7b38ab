package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryLog;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** The {@link Governor} implementation: a {@link GovernedStep} under a {@link ControlLoop}. */
final class EmbeddedGovernor implements Governor, ControlLoop.Plant {
  private final GovernedStep core;
  private final ControlLoop loop;
  private final TelemetryLog telemetryLog;
  private final DecisionLog decisionLog;
  private int epoch;
  private DataSet batch;

  EmbeddedGovernor(Model network, Policy policy, Dl4jOptimizer optimizer, RunFolder folder) {
    this.core = new GovernedStep(Net.of(network), true, 100, 3, true, optimizer);
    this.telemetryLog = folder == null ? null : folder.openTelemetry();
    this.decisionLog = folder == null ? null : folder.openDecisions();
    this.loop = new ControlLoop(policy, telemetryLog, decisionLog);
  }

  /** Refuses a network whose updater does not fit the optimizer, before a run folder is made. */
  static void check(Model network, Dl4jOptimizer optimizer) {
    if (!optimizer.isNetworkUpdater()) {
      Net.of(network).requireUnitSgd(optimizer.name());
    }
  }

  @Override
  public void evalMode() {
    core.evalMode();
  }

  @Override
  public void trainMode() {
    core.trainMode();
  }

  @Override
  public boolean inEvalMode() {
    return core.inEvalMode();
  }

  @Override
  public Observation fit(DataSet b) {
    this.batch = b;
    try {
      return loop.advance(this);
    } finally {
      this.batch = null;
    }
  }

  @Override
  public void fit(DataSetIterator data) {
    while (data.hasNext()) {
      fit(data.next());
    }
    epoch++;
  }

  @Override
  public Observation step(long step, Hyperparameters h) {
    return core.step(step, epoch, batch, h, null);
  }

  @Override
  public List<TrainerEvent> drainEvents() {
    return core.drainEvents();
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
