package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.RunHeader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Governor attached to a Deeplearning4j {@link org.deeplearning4j.nn.multilayer.MultiLayerNetwork}
 * or {@link org.deeplearning4j.nn.graph.ComputationGraph}: one call, then train exactly as before —
 * the network's own {@code fit}, your own loop, your listeners, {@code EarlyStoppingTrainer}. Each
 * step of {@code fit} measures the gradient, applies the decided learning rate / global-norm clip /
 * decoupled weight decay / guard action, and asks the policy for the next ones. No actors, no extra
 * threads. With a run folder, observations and decisions go to its Chronicle queues in the
 * telemetry module's format, readable by {@code governor replay/inspect}.
 *
 * <pre>{@code
 * MultiLayerNetwork net = ...;   // any updater with a learning rate (Adam, Sgd, Nesterovs, ...)
 * net.addListeners(new ScoreIterationListener(100));    // keeps working
 * Policy pi = Policies.create("pi(optimizer=adaptive, t-max=4690)"); // Adam; t-max = step budget
 * try (Governor g = Governor.attach(net, pi, Path.of("runs/mine"))) {
 *   for (int epoch = 0; epoch < 10; epoch++) {
 *     net.fit(trainIterator);      // plain DL4J; g.fit(trainIterator) is the same
 *     trainIterator.reset();
 *   }
 * }
 * }</pre>
 *
 * <p>How it attaches: a {@link org.deeplearning4j.optimize.api.TrainingListener} added to the
 * network's listeners (after yours) measures and clips in {@code onGradientCalculation} and hands
 * the step to the policy in {@code iterationDone}; the learning rate reaches DL4J's own updater
 * (Adam, Nesterovs, RMSProp, ...) as the learning-rate schedule of a copy of each updater block's
 * configuration, so DL4J's updater runs at the decided rate exactly as if it had been configured
 * with it. Iteration and epoch counts, masks, dropout, weight constraints, BatchNormalization
 * statistics, per-layer gradient normalization and listener calls are DL4J's own: with a policy
 * that decides the configured rate, no clip and no decay, training is bit for bit that of plain
 * {@code fit}.
 *
 * <p>The network's configuration is never changed: save it at any time (also while attached) and it
 * loads and trains with plain DL4J, without Governor on the classpath. {@link #close()} puts DL4J's
 * own updater back and removes the listener; training after it is plain DL4J at the configured
 * rate.
 *
 * <p>Refused at attach, with a message naming the layer and parameter: an updater without a
 * learning rate (AdaDelta; {@code NoOp} parameters are left frozen), and an updater with its own
 * learning-rate schedule (the policy decides the rate; Governor does not silently override a
 * schedule) unless the policy is {@code pi(base=network)}: then the network's schedule (one for the
 * whole network; different rates or schedules per layer are refused) is the base the LR loop trims,
 * DL4J's updaters evaluate it at their own iteration and epoch and run at its value times the trim
 * (with the loops frozen, bit for bit DL4J's own schedule), and the policy's {@code lr} is the
 * schedule's value at attach. DL4J's {@code ParallelWrapper}: see {@link GovernedTrainerContext}.
 * While attached, replacing the network's listeners ({@code setListeners}) or its updater ({@code
 * setLearningRate}, {@code setUpdater}) makes the next {@code fit} throw an {@link
 * IllegalStateException} instead of training ungoverned. A policy's invalid decision (NaN, out of
 * its domain) throws from {@code fit} before it reaches the network.
 *
 * <p>SKIP (the state before the last step), ROLLBACK (the newest snapshot, taken every 100 steps, 3
 * kept) and RESET (the state at attach) restore parameters, updater state (and a learning-rate-free
 * optimizer's state) and the iteration count; they run at the end of the step whose observation
 * triggered them — before DL4J subtracts that step's update, which is then discarded, unless a DL4J
 * regularization applied after the updater ({@code weightDecay}) makes the update final only later,
 * in which case they run in {@code iterationDone} — and DL4J applies the weight constraints (if
 * any) to the restored parameters once more. Listeners see the step's own iteration count in {@code
 * iterationDone}; the restored count takes effect from the next step.
 *
 * <p>A learning-rate-free optimizer ({@link Dl4jOptimizer}: {@code sf-adamw}, {@code prodigy},
 * {@code dog}) is attached with {@link #attach(Model, Policy, Dl4jOptimizer, Path)}; configure the
 * network with {@link Dl4jOptimizer#networkUpdater()} ({@code Sgd(1.0)}), and the policy's lr is
 * the method's own. With Schedule-Free AdamW the network holds the training point y between steps:
 * call {@link #evalMode()} before evaluating, saving or deploying it (it then holds x) and {@link
 * #trainMode()} before the next {@code fit}:
 *
 * <pre>{@code
 * Dl4jOptimizer sf = Dl4jOptimizer.parse("sf-adamw");
 * // net configured with .updater(sf.networkUpdater())
 * try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.0025)"), sf, dir)) {
 *   net.fit(trainIterator);
 *   g.evalMode();                  // parameters = x
 *   Evaluation e = net.evaluate(testIterator);
 *   ModelSerializer.writeModel(net, file, false);
 *   g.trainMode();                 // parameters = y again, bit for bit
 * }
 * }</pre>
 *
 * Not thread-safe: one network, trained by one thread (not by {@code ParallelWrapper}'s workers,
 * which train clones of the network).
 */
public interface Governor extends AutoCloseable {

  /**
   * Attaches {@code policy} to {@code network} and records the run into a new run folder {@code
   * runDir} (refused when it already holds a run).
   *
   * @throws IllegalArgumentException when the network's updater has no learning rate
   */
  static Governor attach(Model network, Policy policy, Path runDir) {
    return attach(network, policy, Dl4jOptimizer.adam(), runDir);
  }

  /**
   * Attaches {@code policy} to {@code network} trained with {@code optimizer} and records the run
   * into a new run folder {@code runDir} (refused when it already holds a run), created only once
   * the network has been accepted.
   *
   * @throws IllegalArgumentException when the network's updater does not fit the optimizer (the
   *     network's own: one with a learning rate; a learning-rate-free one: {@code Sgd(1.0)})
   */
  static Governor attach(Model network, Policy policy, Dl4jOptimizer optimizer, Path runDir) {
    return builder(network, policy).optimizer(optimizer).runDir(runDir).attach();
  }

  /** Attaches {@code policy} to {@code network} without recording anything. */
  static Governor attach(Model network, Policy policy) {
    return attach(network, policy, Dl4jOptimizer.adam());
  }

  /** Attaches {@code policy} and {@code optimizer} to {@code network} without recording. */
  static Governor attach(Model network, Policy policy, Dl4jOptimizer optimizer) {
    return builder(network, policy).optimizer(optimizer).attach();
  }

  /**
   * The attachment with every option: {@code Governor.builder(net, policy).runDir(dir)
   * .undo(false).attach()}.
   */
  static Builder builder(Model network, Policy policy) {
    return new Builder(network, policy);
  }

  /**
   * Options of an attachment. Defaults: no run folder, the network's own updater, undo buffer and
   * alignment on. Not thread-safe; {@link #attach()} may be called once per network.
   */
  final class Builder {
    private final Model network;
    private final Policy policy;
    private Path runDir;
    private Dl4jOptimizer optimizer = Dl4jOptimizer.adam();
    private boolean undo = true;
    private boolean alignment = true;

    private Builder(Model network, Policy policy) {
      this.network = Objects.requireNonNull(network, "network");
      this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** Records the run into a new run folder {@code dir} (refused when it already holds a run). */
    public Builder runDir(Path dir) {
      this.runDir = dir;
      return this;
    }

    /** The optimizer ({@link Dl4jOptimizer#adam()}: the network's own updater). */
    public Builder optimizer(Dl4jOptimizer o) {
      this.optimizer = Objects.requireNonNull(o, "optimizer");
      return this;
    }

    /**
     * Whether to keep the exact undo buffer SKIP restores (default true): a copy of the updater
     * state at every step (and of the parameters too when the network has a DL4J regularization
     * applied after the updater, {@code weightDecay}; otherwise the decision comes before DL4J
     * subtracts the update, and a SKIP discards it). Without it a SKIP restores the newest snapshot
     * (taken every 100 steps). An open-loop policy ({@code constant}, {@code cosine}, ... without
     * gear: {@link Policy#openLoop()}) never decides a guard action, so no buffer is kept for it.
     */
    public Builder undo(boolean on) {
      this.undo = on;
      return this;
    }

    /**
     * Whether to measure the gradient alignment cos(g_t, g_{t−1}) and the secant sharpness (default
     * true; needs a copy of the gradient per step). Off: both are NaN in the observations, so
     * policies that regulate them (the SGD form of {@code pi}) have nothing to act on.
     */
    public Builder alignment(boolean on) {
      this.alignment = on;
      return this;
    }

    /**
     * Attaches.
     *
     * @throws IllegalArgumentException when the network's updater does not fit the optimizer (the
     *     network's own: one with a learning rate and no schedule of its own; a learning-rate-free
     *     one: {@code Sgd(1.0)}); no run folder is created then
     */
    public Governor attach() {
      Path dir = runDir;
      return new EmbeddedGovernor(
          network,
          policy,
          optimizer,
          dir == null
              ? null
              : () ->
                  RunFolder.create(
                      dir,
                      RunHeader.of(
                          dir.toAbsolutePath().normalize().getFileName().toString(),
                          policy.spec(),
                          Map.of(
                              "mode",
                              "embedded",
                              "model",
                              network.getClass().getSimpleName(),
                              "optimizer",
                              optimizer.toString()),
                          0L)),
          undo,
          alignment);
    }
  }

  /**
   * The network's own {@code fit(batch)} (one governed step); returns what was measured.
   *
   * @throws IllegalStateException when the policy decided a value out of its domain (it never
   *     reaches the network), or the Governor is closed
   */
  Observation fit(DataSet batch);

  /** The network's own {@code fit(data)}: one epoch, one governed step per batch. */
  void fit(DataSetIterator data);

  /** The observation of the last governed step, or null before the first. */
  Observation lastObservation();

  /** The hyperparameters the next step will run with. */
  Hyperparameters next();

  /** Index of the next step. */
  long step();

  /** The last decision with the controller internals (a live holder; copy to keep). */
  Decision lastDecision();

  /** Skip/rollback events carried out at the last step. */
  List<TrainerEvent> lastEvents();

  /**
   * Puts the evaluation parameters into the network (Schedule-Free AdamW: x; otherwise unchanged).
   * Idempotent; {@code fit} throws until {@link #trainMode()}.
   */
  void evalMode();

  /** Puts the training parameters back, bit for bit. Idempotent. */
  void trainMode();

  /** Whether the network holds the evaluation parameters. */
  boolean inEvalMode();

  /**
   * Detaches: DL4J's own updater and the listeners without Governor's are put back, the logs are
   * closed; the network stays usable. Idempotent.
   */
  @Override
  void close();
}
