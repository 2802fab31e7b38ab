package dev.governor.trainers;

import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.factory.TrainerContext;
import org.deeplearning4j.parallelism.trainer.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ParallelWrapper} under a {@link Governor}: every worker applies the governor's
 * decisions. Attach first, build the wrapper (parameter averaging, its default mode), then give it
 * this trainer context:
 *
 * <pre>{@code
 * try (Governor g = Governor.attach(net, policy, dir)) {
 *   ParallelWrapper pw = new ParallelWrapper.Builder<>(net).workers(2).build();
 *   pw.setTrainerContext(new GovernedTrainerContext(g));
 *   pw.fit(trainIterator);
 * }
 * }</pre>
 *
 * <p>(Set after {@code build()}: in 1.0.0-M2.1 the builder replaces the context given to {@code
 * trainerFactory} with its own in every training mode.)
 *
 * <p>How ParallelWrapper trains (1.0.0-M2.1, {@code DefaultTrainer}): worker 0 trains the network
 * itself, every other worker a copy built from the network's configuration (so with DL4J's own
 * updaters, not the governed ones) and loaded with its parameters and updater state at the start of
 * each {@code fit} (DL4J copies them, and the iteration count in the configuration, on the worker's
 * thread while worker 0 may already be training; here every copy starts from the state at the start
 * of the {@code fit}, taken before the first batch is handed out, so the run is reproducible); each
 * round hands one batch to each worker, waits for all, and averages the parameters (and updater
 * states) every {@code averagingFrequency} rounds. Worker 0 is the <em>leader</em>: its steps are
 * the governor's steps (measured, observed, decided as without ParallelWrapper). Every other worker
 * is a <em>follower</em>: its copy is governed by a {@link GovernedStep} without a policy that,
 * before the worker's k-th batch of a {@code fit}, takes the leader's decision for the leader's
 * k-th step of that {@code fit} — learning rate (per layer), clip threshold, decoupled weight decay
 * — so every worker applies the same decisions in the same round. Worker 0 receives a batch in
 * every round (a short last round leaves the other workers out), so the leader is never behind a
 * follower.
 *
 * <p>At the end of each {@code fit} DL4J's worker 0 calls {@code clear()} on the network, which
 * drops its updater (plain DL4J then builds a fresh one, restarting the updater state, at the next
 * access); worker 0 here keeps the governed updater and gives it that fresh state, so the network
 * holds what plain DL4J leaves and stays governed for the next {@code fit}.
 *
 * <p>Not carried to the followers: the guard actions (SKIP, ROLLBACK, RESET restore the leader's
 * network, which ParallelWrapper then averages with the followers' — not an undo of the round).
 * Refused: a learning-rate-free optimizer ({@code sf-adamw}, {@code prodigy}, {@code dog}: its
 * state is not DL4J's updater state, which is all ParallelWrapper averages), and a wrapper around
 * another network than the governed one. Without this factory a follower would train at the
 * configured rate while the leader is governed; Governor's listener refuses that in the worker (the
 * wrapper's {@code fit} then fails with the message).
 */
public final class GovernedTrainerContext implements TrainerContext {
  private final EmbeddedGovernor governor;

  /** The leader's next step at the start of the current {@code fit} (set when worker 0 is made). */
  private volatile long start = Long.MIN_VALUE;

  /** The network's parameters and updater state at the start of the current {@code fit}. */
  private volatile INDArray startParams;

  private volatile INDArray startState;

  private volatile int startIteration;

  private volatile int startEpoch;

  /**
   * @param governor a governor from {@link Governor#attach} (open)
   * @throws IllegalArgumentException when it was attached with a learning-rate-free optimizer
   */
  public GovernedTrainerContext(Governor governor) {
    Objects.requireNonNull(governor, "governor");
    if (!(governor instanceof EmbeddedGovernor g)) {
      throw new IllegalArgumentException(
          "governor must come from Governor.attach, but was " + governor.getClass().getName());
    }
    if (!g.optimizer().isNetworkUpdater()) {
      throw new IllegalArgumentException(
          "optimizer "
              + g.optimizer().name()
              + " keeps its own state, which ParallelWrapper does not average; under"
              + " ParallelWrapper use the network's own updater (Adam, Sgd, ...)");
    }
    this.governor = g;
  }

  @Override
  public void init(Model model, Object... args) {
    requireGoverned(model);
  }

  private void requireGoverned(Model model) {
    if (model != governor.network()) {
      throw new IllegalArgumentException(
          "the ParallelWrapper's network is not the one this governor is attached to");
    }
  }

  @Override
  public Trainer create(
      String uuid,
      int threadId,
      Model model,
      int rootDevice,
      boolean useMDS,
      ParallelWrapper wrapper,
      WorkspaceMode mode,
      int averagingFrequency) {
    requireGoverned(model);
    if (threadId == 0) {
      // ParallelWrapper makes all its workers before it hands out the first batch
      start = governor.startPublishing();
      Net n = Net.of(model, false);
      startParams = n.params().dup();
      INDArray state = n.updater().getStateViewArray();
      startState = state == null ? null : state.dup();
      startIteration = n.iteration();
      startEpoch = n.epochCount();
    }
    GovernedWorker w =
        threadId == 0
            ? new GovernedWorker(governor, -1, null, null, 0, 0)
            : new GovernedWorker(
                governor, start, startParams, startState, startIteration, startEpoch);
    w.configure(uuid, threadId, model, useMDS, wrapper, mode, averagingFrequency);
    return w;
  }

  @Override
  public void finalizeRound(Model originalModel, Model... models) {
    // nothing beyond DL4J's own averaging
  }

  @Override
  public void finalizeTraining(Model originalModel, Model... models) {
    // nothing beyond DL4J's own averaging
  }
}
