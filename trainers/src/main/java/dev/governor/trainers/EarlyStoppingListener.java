package dev.governor.trainers;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * {@link EarlyStopping} for a network trained with its own {@code fit} — plain DL4J, or with a
 * {@link Governor} attached: a DL4J training listener that measures the loss on a validation set
 * every {@code every} iterations, keeps the parameters of the best evaluation (with {@code
 * restore-best}) and says when to stop.
 *
 * <p>As in DL4J's {@code EarlyStoppingTrainer}, a listener cannot end a {@code fit} call; the
 * training loop asks {@link #stopRequested()} between batches ({@link #fit} is that loop) and calls
 * {@link #restoreBest} at the end:
 *
 * <pre>{@code
 * EarlyStoppingListener es =
 *     new EarlyStoppingListener(EarlyStopping.Config.parse("val-loss(patience=5)"), valData, 100);
 * net.addListeners(es);
 * try (Governor g = Governor.attach(net, policy, runDir)) {
 *   EarlyStoppingListener.fit(net, trainIterator, 20, es);   // up to 20 epochs
 * }
 * es.restoreBest(net);        // the best evaluation's parameters
 * }</pre>
 *
 * <p>The evaluation at iteration {@code i} (the network's iteration count, every {@code every}-th)
 * runs in {@code iterationDone}, after that iteration's update: the kept copy is of exactly the
 * parameters it scored, so the restored network's validation loss is the best one, bit for bit. The
 * network's training score ({@code model.score()}, which other listeners and an attached Governor
 * read) is put back after the evaluation. The training losses between evaluations feed the
 * generalization-gap criterion. Add the listener before attaching a Governor; with Schedule-Free
 * AdamW the network holds the training point y between steps, so the evaluations are of y, not of
 * the evaluation point. NaN/Inf: as {@link EarlyStopping}. Not thread-safe.
 */
public final class EarlyStoppingListener extends BaseTrainingListener {
  private final EarlyStopping rule;
  private final DataSet validation;
  private final int every;
  private INDArray best;

  /**
   * @param config the rule
   * @param validation the validation set, scored as one batch
   * @param every evaluate at every iteration count divisible by this, {@code >= 1}
   */
  public EarlyStoppingListener(EarlyStopping.Config config, DataSet validation, int every) {
    if (validation == null) {
      throw new IllegalArgumentException("early stopping needs a validation set, but it was null");
    }
    if (every < 1) {
      throw new IllegalArgumentException("validation period must be >= 1, but was " + every);
    }
    this.rule = new EarlyStopping(config);
    this.validation = validation;
    this.every = every;
  }

  /** The same with a {@link LabeledData} validation set. */
  public EarlyStoppingListener(EarlyStopping.Config config, LabeledData validation, int every) {
    this(
        config,
        validation == null ? null : BatchStream.all(validation, 0, validation.size()),
        every);
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    if (rule.stopped()) {
      return;
    }
    double train = model.score();
    if (iteration % every != 0) {
      rule.observe(iteration, train, Double.NaN, Double.NaN);
      return;
    }
    Net net = Net.of(model);
    double v = net.score(validation);
    double acc =
        rule.config().monitor() == EarlyStopping.Monitor.VAL_ACCURACY ? accuracy(net) : Double.NaN;
    setScore(model, train);
    rule.observe(iteration, train, v, acc);
    if (rule.improved() && rule.config().restoreBest()) {
      best = model.params().dup();
    }
  }

  private double accuracy(Net net) {
    if (validation.getLabels().rank() != 2) {
      return Double.NaN;
    }
    INDArray out = net.output(validation.getFeatures());
    INDArray pred = out.argMax(1);
    INDArray want = validation.getLabels().argMax(1);
    long hits = 0;
    for (long k = 0; k < pred.length(); k++) {
      if (Double.isFinite(out.getDouble(k, 0)) && pred.getLong(k) == want.getLong(k)) {
        hits++;
      }
    }
    return (double) hits / pred.length();
  }

  private static void setScore(Model model, double s) {
    if (model instanceof MultiLayerNetwork m) {
      m.setScore(s);
    } else if (model instanceof ComputationGraph g) {
      g.setScore(s);
    }
  }

  /** Whether the rule says stop: run no more iterations. */
  public boolean stopRequested() {
    return rule.stopped();
  }

  /** Where the run stands (the best evaluation, the stop and its reason). */
  public EarlyStopping.Status status() {
    return rule.status();
  }

  /**
   * Puts the best evaluation's parameters into {@code model} (the network this listener watched);
   * returns false, changing nothing, without {@code restore-best} or before the first counted
   * evaluation. Call it after training (with a Governor attached: after closing it, or in its
   * evaluation mode).
   */
  public boolean restoreBest(Model model) {
    if (best == null) {
      return false;
    }
    model.params().assign(best);
    return true;
  }

  /**
   * The training loop of an early-stopped run: up to {@code maxEpochs} passes over {@code train},
   * one {@code model.fit(batch)} per batch (governed when a {@link Governor} is attached), until
   * {@code es} says stop; {@code es} must be among the model's listeners. Returns its status. The
   * parameters are not restored: call {@link #restoreBest} for that.
   */
  public static EarlyStopping.Status fit(
      Model model, DataSetIterator train, int maxEpochs, EarlyStoppingListener es) {
    if (maxEpochs < 1) {
      throw new IllegalArgumentException("max epochs must be >= 1, but was " + maxEpochs);
    }
    Net net = Net.of(model);
    if (!net.listeners().contains(es)) {
      throw new IllegalArgumentException(
          "the early-stopping listener must be one of the model's listeners (addListeners)");
    }
    for (int e = 0; e < maxEpochs && !es.stopRequested(); e++) {
      train.reset();
      while (train.hasNext() && !es.stopRequested()) {
        net.fit(train.next());
      }
      if (model instanceof MultiLayerNetwork m) {
        m.incrementEpochCount();
      } else if (model instanceof ComputationGraph g) {
        g.incrementEpochCount();
      }
    }
    return es.status();
  }
}
