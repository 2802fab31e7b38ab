package dev.governor.trainers;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The few operations the governed step needs from a network, for {@link MultiLayerNetwork} and
 * {@link ComputationGraph} (single input, single output). Package-private glue.
 */
abstract sealed class Net permits Net.Mln, Net.Graph {
  final Model model;
  private final NeuralNetwork network;
  final Trainable[] layers;
  final String[] layerNames;
  private final LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();

  <M extends Model & NeuralNetwork> Net(M model, Layer[] all) {
    this.model = model;
    this.network = model;
    List<Trainable> with = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Layer l : all) {
      if (l.numParams() > 0) {
        with.add(l);
        String n = l.getConfig().getLayerName();
        names.add(n == null ? "layer" + l.getIndex() : n);
      }
    }
    this.layers = with.toArray(new Trainable[0]);
    this.layerNames = names.toArray(new String[0]);
  }

  /** The network with its gradient view allocated (DL4J allocates it lazily). */
  static MultiLayerNetwork initialized(MultiLayerNetwork n) {
    if (n.getFlattenedGradients() == null) {
      n.initGradientsView();
    }
    return n;
  }

  static ComputationGraph initialized(ComputationGraph g) {
    if (g.getGradientsViewArray() == null) {
      g.initGradientsView();
    }
    return g;
  }

  static Net of(Model model) {
    return of(model, true);
  }

  /**
   * The glue for {@code model}; {@code singleInOut}: refuse a graph with several inputs or outputs
   * (the hand-made step feeds one {@link DataSet}; a network trained by its own {@code fit} may
   * have any).
   */
  static Net of(Model model, boolean singleInOut) {
    if (model instanceof MultiLayerNetwork m) {
      return new Mln(m);
    }
    if (model instanceof ComputationGraph g) {
      if (singleInOut && (g.getNumInputArrays() != 1 || g.getNumOutputArrays() != 1)) {
        throw new IllegalArgumentException(
            "a governed ComputationGraph must have one input and one output, but had "
                + g.getNumInputArrays()
                + " and "
                + g.getNumOutputArrays());
      }
      return new Graph(g);
    }
    throw new IllegalArgumentException(
        "model must be a MultiLayerNetwork or a ComputationGraph, but was "
            + model.getClass().getName());
  }

  /** The flattened parameter view. */
  final INDArray params() {
    return model.params();
  }

  /** The updater's learning rate for trainable layer {@code i} at this iteration (the "unit"). */
  final double unitLr(int i, int iteration, int epoch) {
    Trainable t = layers[i];
    String p = t.paramTable(false).keySet().iterator().next();
    IUpdater u = t.getConfig().getUpdaterByParam(p);
    if (u == null || !u.hasLearningRate()) {
      throw new IllegalArgumentException(
          "layer "
              + layerNames[i]
              + " must use an updater with a learning rate (Adam, Sgd, Nesterovs...), but used "
              + u);
    }
    return u.getLearningRate(iteration, epoch);
  }

  /**
   * Checks that every parameter of every trainable layer is updated by plain {@code Sgd} with
   * learning rate 1 (no schedule), so DL4J's updater only divides the summed gradient by the batch
   * size and a flat optimizer can compute the whole step.
   *
   * @throws IllegalArgumentException naming the optimizer, the layer, the parameter and its updater
   */
  final void requireUnitSgd(String optimizer) {
    for (int i = 0; i < layers.length; i++) {
      for (String p : layers[i].paramTable(false).keySet()) {
        IUpdater u = layers[i].getConfig().getUpdaterByParam(p);
        if (!(u instanceof Sgd sgd)
            || sgd.getLearningRateSchedule() != null
            || !(sgd.getLearningRate() == 1.0)) {
          throw new IllegalArgumentException(
              "optimizer "
                  + optimizer
                  + " computes the whole update and needs the network's updater to be Sgd(1.0)"
                  + " (Dl4jOptimizer.networkUpdater(), as Models.create(..., optimizer) configures"
                  + " it), but layer "
                  + layerNames[i]
                  + " parameter "
                  + p
                  + " used "
                  + u);
        }
      }
    }
  }

  final LayerWorkspaceMgr mgr() {
    return mgr;
  }

  /** Forward and backward pass; the (summed) gradient lands in the gradient view. */
  final double computeGradientAndScore(DataSet batch) {
    feed(batch);
    model.computeGradientAndScore(mgr);
    return model.score();
  }

  /** Sets {@code batch}'s features and labels as the network's input and labels. */
  abstract void feed(DataSet batch);

  final Gradient gradient() {
    return model.gradient();
  }

  /** The flattened gradient view, which {@link #computeGradientAndScore} fills. */
  final INDArray gradientView() {
    return model.getGradientsViewArray();
  }

  abstract BaseMultiLayerUpdater<?> updater();

  /**
   * Makes {@code u} (an updater of this network, e.g. one {@link #updater} returned) its updater.
   */
  abstract void setUpdater(BaseMultiLayerUpdater<?> u);

  abstract int iteration();

  abstract void setIteration(int i);

  abstract int epochCount();

  abstract void setEpochCount(int e);

  abstract INDArray output(INDArray x);

  /** The network's own {@code fit} on one batch (features, labels and masks). */
  final void fit(DataSet batch) {
    network.fit(batch);
  }

  /** The network's own {@code fit} for one epoch. */
  final void fit(DataSetIterator data) {
    network.fit(data);
  }

  /** The network's training listeners, in calling order. */
  abstract Collection<TrainingListener> listeners();

  abstract double score(DataSet ds);

  /** Writes the network with its updater state. */
  final void save(File f) throws IOException {
    ModelSerializer.writeModel(model, f, true);
  }

  static final class Mln extends Net {
    final MultiLayerNetwork net;

    Mln(MultiLayerNetwork net) {
      super(net, initialized(net).getLayers());
      this.net = net;
    }

    @Override
    void feed(DataSet batch) {
      net.setInput(batch.getFeatures());
      net.setLabels(batch.getLabels());
    }

    @Override
    BaseMultiLayerUpdater<?> updater() {
      return (BaseMultiLayerUpdater<?>) net.getUpdater(true);
    }

    @Override
    void setUpdater(BaseMultiLayerUpdater<?> u) {
      net.setUpdater((org.deeplearning4j.nn.api.Updater) u);
    }

    @Override
    int iteration() {
      return net.getIterationCount();
    }

    @Override
    void setIteration(int i) {
      net.setIterationCount(i);
    }

    @Override
    int epochCount() {
      return net.getEpochCount();
    }

    @Override
    void setEpochCount(int e) {
      net.setEpochCount(e);
    }

    @Override
    INDArray output(INDArray x) {
      return net.output(x, false);
    }

    @Override
    Collection<TrainingListener> listeners() {
      return net.getListeners();
    }

    @Override
    double score(DataSet ds) {
      return net.score(ds, false);
    }
  }

  static final class Graph extends Net {
    final ComputationGraph net;

    Graph(ComputationGraph net) {
      super(net, initialized(net).getLayers());
      this.net = net;
    }

    @Override
    void feed(DataSet batch) {
      net.setInputs(batch.getFeatures());
      net.setLabels(batch.getLabels());
    }

    @Override
    BaseMultiLayerUpdater<?> updater() {
      return net.getUpdater(true);
    }

    @Override
    void setUpdater(BaseMultiLayerUpdater<?> u) {
      net.setUpdater((org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater) u);
    }

    @Override
    int iteration() {
      return net.getIterationCount();
    }

    @Override
    void setIteration(int i) {
      net.getConfiguration().setIterationCount(i);
    }

    @Override
    int epochCount() {
      return net.getEpochCount();
    }

    @Override
    void setEpochCount(int e) {
      net.getConfiguration().setEpochCount(e);
    }

    @Override
    INDArray output(INDArray x) {
      return net.output(false, x)[0];
    }

    @Override
    Collection<TrainingListener> listeners() {
      return net.getListeners();
    }

    @Override
    double score(DataSet ds) {
      return net.score(ds, false);
    }
  }
}
