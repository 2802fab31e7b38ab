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
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Governor embedded in your own training loop: one call attaches a {@link Policy} to a
 * Deeplearning4j {@link org.deeplearning4j.nn.multilayer.MultiLayerNetwork} or {@link
 * org.deeplearning4j.nn.graph.ComputationGraph}; then call {@link #fit(DataSet)} (or {@link
 * #fit(DataSetIterator)} for an epoch) where you called the network's own {@code fit}. No actors,
 * no extra threads: each step measures, applies the current learning rate / clip / weight decay /
 * guard action, and asks the policy for the next ones. With a run folder, observations and
 * decisions go to its Chronicle queues in the telemetry module's format, readable by {@code
 * governor replay/inspect}.
 *
 * <pre>{@code
 * MultiLayerNetwork net = ...;   // any updater with a learning rate (Adam, Sgd, Nesterovs, ...)
 * Policy pi = Policies.create("pi(optimizer=adaptive, t-max=4690)"); // Adam; t-max = step budget
 * try (Governor g = Governor.attach(net, pi, Path.of("runs/mine"))) {
 *   for (int epoch = 0; epoch < 10; epoch++) {
 *     g.fit(trainIterator);        // instead of net.fit(trainIterator)
 *     trainIterator.reset();
 *   }
 * }
 * }</pre>
 *
 * <p>The network's configuration is not changed (its updater's learning rate is the unit the
 * decided rate is scaled against), so it saves, loads and continues with plain DL4J afterwards.
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
 *   g.fit(trainIterator);
 *   g.evalMode();                  // parameters = x
 *   Evaluation e = net.evaluate(testIterator);
 *   ModelSerializer.writeModel(net, file, false);
 *   g.trainMode();                 // parameters = y again, bit for bit
 * }
 * }</pre>
 *
 * Not thread-safe.
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
   * into a new run folder {@code runDir} (refused when it already holds a run).
   *
   * @throws IllegalArgumentException when the network's updater does not fit the optimizer (the
   *     network's own: one with a learning rate; a learning-rate-free one: {@code Sgd(1.0)})
   */
  static Governor attach(Model network, Policy policy, Dl4jOptimizer optimizer, Path runDir) {
    EmbeddedGovernor.check(network, optimizer);
    RunFolder folder =
        RunFolder.create(
            runDir,
            RunHeader.of(
                runDir.toAbsolutePath().normalize().getFileName().toString(),
                policy.spec(),
                Map.of(
                    "mode",
                    "embedded",
                    "model",
                    network.getClass().getSimpleName(),
                    "optimizer",
                    optimizer.toString()),
                0L));
    return new EmbeddedGovernor(network, policy, optimizer, folder);
  }

  /** Attaches {@code policy} to {@code network} without recording anything. */
  static Governor attach(Model network, Policy policy) {
    return attach(network, policy, Dl4jOptimizer.adam());
  }

  /** Attaches {@code policy} and {@code optimizer} to {@code network} without recording. */
  static Governor attach(Model network, Policy policy, Dl4jOptimizer optimizer) {
    return new EmbeddedGovernor(network, policy, optimizer, null);
  }

  /**
   * One governed step on {@code batch}; returns what was measured.
   *
   * @throws IllegalStateException when the policy decided a value out of its domain (it never
   *     reaches the network)
   */
  Observation fit(DataSet batch);

  /** One pass over {@code data} (one governed step per batch), then the epoch count advances. */
  void fit(DataSetIterator data);

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

  /** Closes the logs (the network stays usable). */
  @Override
  void close();
}
