package dev.governor.trainers;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * How a {@link GovernedStep} is wired into a network's updater blocks: which parameter views belong
 * to which trainable layer (the measured ones are those DL4J divides by the batch size), each
 * block's {@link GovernedUpdater}, and whether the update is final when the last block returns.
 * Read once at attach; validation errors name the layer and parameter.
 */
final class StepWiring {
  private final Net net;
  private final List<UpdaterBlock> blocks;
  private final int layerCount;
  private final Map<Trainable, Integer> index = new IdentityHashMap<>();
  private final INDArray[][] layerParams;
  private final INDArray[][] layerGrads;

  StepWiring(Net net, List<UpdaterBlock> blocks) {
    this.net = net;
    this.blocks = blocks;
    this.layerCount = net.layers.length;
    for (int i = 0; i < layerCount; i++) {
      index.put(net.layers[i], i);
    }
    List<List<INDArray>> ps = new ArrayList<>();
    List<List<INDArray>> gs = new ArrayList<>();
    int[] allParams = new int[layerCount];
    for (int i = 0; i < layerCount; i++) {
      ps.add(new ArrayList<>());
      gs.add(new ArrayList<>());
    }
    for (UpdaterBlock b : blocks) {
      for (UpdaterBlock.ParamState s : b.getLayersAndVariablesInBlock()) {
        int l = layerIndex(s);
        allParams[l]++;
        if (s.getLayer().updaterDivideByMinibatch(s.getParamName())) {
          ps.get(l).add(s.getParamView());
          gs.get(l).add(s.getGradView());
        }
      }
    }
    this.layerParams = new INDArray[layerCount][];
    this.layerGrads = new INDArray[layerCount][];
    for (int i = 0; i < layerCount; i++) {
      Trainable t = net.layers[i];
      if (ps.get(i).size() == allParams[i] && allParams[i] == t.paramTable(false).size()) {
        // every parameter of the layer is measured: one contiguous view each
        layerParams[i] = new INDArray[] {t.params()};
        layerGrads[i] = new INDArray[] {t.getGradientsViewArray()};
      } else {
        layerParams[i] = ps.get(i).toArray(new INDArray[0]);
        layerGrads[i] = gs.get(i).toArray(new INDArray[0]);
      }
    }
  }

  /** Per trainable layer, the views of its measured parameters. */
  INDArray[][] layerParams() {
    return layerParams;
  }

  /** Per trainable layer, the views of the gradients of its measured parameters. */
  INDArray[][] layerGrads() {
    return layerGrads;
  }

  /**
   * Whether the update is final when the last updater block returns: no DL4J regularization is
   * applied after the updater (weightDecay is) and the last block is never skipped.
   */
  boolean finalAfterLastBlock() {
    if (blocks.isEmpty() || blocks.get(blocks.size() - 1).skipDueToPretrainConfig(false)) {
      return false;
    }
    for (UpdaterBlock b : blocks) {
      for (UpdaterBlock.ParamState s : b.getLayersAndVariablesInBlock()) {
        List<Regularization> r =
            s.getLayer().getConfig().getRegularizationByParam(s.getParamName());
        if (r != null) {
          for (Regularization x : r) {
            if (x.applyStep() != Regularization.ApplyStep.BEFORE_UPDATER) {
              return false;
            }
          }
        }
      }
    }
    return true;
  }

  /**
   * The trainable layer a block's parameter belongs to: the layer itself in a MultiLayerNetwork's
   * updater, its vertex (same name) in a ComputationGraph's.
   */
  private int layerIndex(UpdaterBlock.ParamState s) {
    Integer l = index.get(s.getLayer());
    if (l == null) {
      String name = s.getLayer().getConfig().getLayerName();
      for (int i = 0; i < layerCount && name != null; i++) {
        if (name.equals(net.layers[i].getConfig().getLayerName())) {
          index.put(s.getLayer(), i);
          return i;
        }
      }
    }
    if (l == null) {
      throw new IllegalArgumentException(
          "parameter "
              + s.getParamName()
              + " of an updater block belongs to no trainable layer of the "
              + net.model.getClass().getSimpleName());
    }
    return l;
  }

  /** The governed wrapper of block {@code ub}; validates its updater for the decided rate. */
  GovernedUpdater actuator(
      GovernedStep core,
      UpdaterBlock ub,
      GradientUpdater<?> original,
      boolean lrFree,
      boolean networkBase) {
    List<UpdaterBlock.ParamState> trained = new ArrayList<>();
    for (UpdaterBlock.ParamState s : ub.getLayersAndVariablesInBlock()) {
      if (s.getLayer().updaterDivideByMinibatch(s.getParamName())) {
        trained.add(s);
      }
    }
    int n = trained.size();
    int[] layer = new int[n];
    INDArray[] p = new INDArray[n];
    INDArray[] g = new INDArray[n];
    for (int k = 0; k < n; k++) {
      layer[k] = layerIndex(trained.get(k));
      p[k] = trained.get(k).getParamView();
      g[k] = trained.get(k).getGradView();
    }
    return GovernedUpdater.of(
        core,
        ub,
        original,
        lrFree,
        layer,
        p,
        g,
        n == 0
            ? null
            : "layer " + net.layerNames[layer[0]] + " parameter " + trained.get(0).getParamName(),
        networkBase);
  }

  /**
   * The flat optimizers address layer l as the range [offset_l, offset_l + length_l) of the flat
   * parameter and gradient vectors; DL4J lays the trainable layers out in this order (checked).
   */
  static void requireContiguousLayers(
      Net net, Dl4jOptimizer optimizer, long[] lengths, INDArray grad) {
    INDArray params = net.params();
    long off = 0;
    for (int i = 0; i < net.layers.length; i++) {
      Trainable t = net.layers[i];
      if (t.params().offset() - params.offset() != off
          || t.getGradientsViewArray().offset() - grad.offset() != off
          || t.params().elementWiseStride() != 1) {
        throw new IllegalArgumentException(
            "optimizer "
                + optimizer.name()
                + " needs each layer's parameters as one contiguous range of the flat vector in"
                + " layer order, but layer "
                + net.layerNames[i]
                + " was not at offset "
                + off);
      }
      off += lengths[i];
    }
    if (off != params.length()) {
      throw new IllegalArgumentException(
          "optimizer "
              + optimizer.name()
              + " needs every parameter in a trainable layer, but the layers hold "
              + off
              + " of "
              + params.length());
    }
  }
}
