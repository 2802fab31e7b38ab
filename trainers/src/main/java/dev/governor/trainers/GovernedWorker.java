package dev.governor.trainers;

import dev.governor.control.GuardAction;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.trainer.DefaultTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One ParallelWrapper worker under a {@link GovernedTrainerContext}: DL4J's {@link DefaultTrainer}
 * (its replica, its loop, its averaging), plus for worker 0 (the governed network itself) the
 * governor's listener kept among the network's listeners, and for every other worker a follower
 * {@link GovernedStep} on its copy that applies the governor's decision of the matching step before
 * each batch. Runs on the worker's own thread.
 */
final class GovernedWorker extends DefaultTrainer {
  private final EmbeddedGovernor governor;

  /** The leader's step of this worker's first batch (followers), or -1 for the leader. */
  private final long start;

  /** The network's parameters and updater state at the start of the fit (followers). */
  private final INDArray startParams;

  private final INDArray startState;

  private final int startIteration;

  private final int startEpoch;

  private GovernedStep follower;
  private long round;

  GovernedWorker(
      EmbeddedGovernor governor,
      long start,
      INDArray startParams,
      INDArray startState,
      int startIteration,
      int startEpoch) {
    this.governor = governor;
    this.start = start;
    this.startParams = startParams;
    this.startState = startState;
    this.startIteration = startIteration;
    this.startEpoch = startEpoch;
  }

  /** What DL4J's {@code DefaultTrainerContext} sets on its trainers. */
  void configure(
      String uuid,
      int threadId,
      Model model,
      boolean useMDS,
      ParallelWrapper wrapper,
      WorkspaceMode mode,
      int averagingFrequency) {
    this.originalModel = model;
    this.replicatedModel = model;
    this.threadId = threadId;
    this.parallelWrapper = wrapper;
    this.workspaceMode = mode;
    this.useMDS = useMDS;
    this.uuid = uuid + "_thread_" + threadId;
    this.averagingFrequency = averagingFrequency;
    setName("ParallelWrapper trainer " + threadId + " (governed)");
    setDaemon(true);
  }

  @Override
  protected void postInit() {
    super.postInit();
    GovernedStep leader = governor.core();
    if (threadId == 0) {
      // the wrapper set the network's listeners to its own: the governor's stays among them
      TrainingListener l = leader.listener();
      if (!Net.of(replicatedModel, false).listeners().contains(l)) {
        replicatedModel.addListeners(l);
      }
    } else {
      Net copy = Net.of(replicatedModel, false);
      // the state at the start of the fit (DL4J copied the network's parameters, updater state
      // and iteration count, which worker 0 may have changed already)
      copy.params().assign(startParams);
      if (startState != null) {
        copy.updater().getStateViewArray().assign(startState);
      }
      copy.setIteration(startIteration);
      copy.setEpochCount(startEpoch);
      GovernedStep f = new GovernedStep(copy, false, 1, 0, false, Dl4jOptimizer.adam());
      f.sink(o -> {});
      leader.followers().add(replicatedModel);
      follower = f;
    }
  }

  /** Before a follower's batch: the leader's decision of the same step, without guard action. */
  private void follow() {
    if (follower != null) {
      long s = start + round++;
      follower.apply(s, governor.published(s).withAction(GuardAction.NONE));
    }
  }

  @Override
  protected void fit(DataSet dataSet) {
    follow();
    super.fit(dataSet);
  }

  @Override
  protected void fit(MultiDataSet dataSet) {
    follow();
    super.fit(dataSet);
  }

  /**
   * DL4J's worker 0 ends its {@code run} with {@code clear()} on the network, which drops the
   * network's solver and with it the updater: the next access builds a fresh one (so plain DL4J
   * restarts the updater state, Adam's moments, at every {@code fit}). The leader keeps the
   * governed updater and gives it that fresh state, so the network holds what plain DL4J leaves and
   * stays governed for the next {@code fit}.
   */
  @Override
  public void run() {
    BaseMultiLayerUpdater<?> governed =
        threadId == 0 ? Net.of(originalModel, false).updater() : null;
    try {
      super.run();
    } finally {
      if (governed != null) {
        Net n = Net.of(originalModel, false);
        BaseMultiLayerUpdater<?> fresh = n.updater();
        if (fresh != governed) {
          INDArray state = fresh.getStateViewArray();
          n.setUpdater(governed);
          if (state != null && governed.getStateViewArray() != null) {
            governed.getStateViewArray().assign(state);
          }
        }
      }
      if (follower != null) {
        // the copy is dropped with the worker (whose workspaces DL4J has closed by now)
        governor.core().followers().remove(replicatedModel);
      }
    }
  }
}
