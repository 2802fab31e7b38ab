package dev.governor.trainers;

import dev.governor.control.Hyperparameters;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learning-rate-free optimizer ({@link FlatOptimizer}: Schedule-Free AdamW, Prodigy, DoG) inside
 * a {@link GovernedStep}: the network's updater is {@code Sgd(1.0)} and only averages the batch;
 * the method computes Δθ from the clipped mean gradient over the flat parameter and gradient
 * vectors (each layer one contiguous range, checked) with the decided lr, weight decay and
 * multipliers; DL4J then subtracts it. Not thread-safe.
 */
final class LrFreeStep {
  final FlatOptimizer method;
  private final INDArray params1d;
  private final INDArray grad1d;
  private final double[] mult;

  private LrFreeStep(FlatOptimizer method, INDArray params, INDArray grad, int layerCount) {
    this.method = method;
    this.params1d = params.reshape(params.length());
    this.grad1d = grad.reshape(grad.length());
    method.bindGradient(grad1d);
    this.mult = new double[layerCount];
  }

  /**
   * The method of {@code optimizer} on {@code net}, or null when the optimizer is the network's own
   * updater.
   *
   * @throws IllegalArgumentException when a layer's updater is not {@code Sgd(1.0)} or the layers
   *     are not contiguous ranges of the flat vectors in layer order
   */
  static LrFreeStep of(Net net, Dl4jOptimizer optimizer) {
    int layerCount = net.layers.length;
    INDArray params = net.params();
    long[] lengths = new long[layerCount];
    for (int i = 0; i < layerCount; i++) {
      lengths[i] = net.layers[i].params().length();
    }
    FlatOptimizer method = optimizer.create(lengths, params.dataType());
    if (method == null) {
      return null;
    }
    net.requireUnitSgd(optimizer.name());
    INDArray grad = net.gradientView().reshape(params.shape());
    StepWiring.requireContiguousLayers(net, optimizer, lengths, grad);
    return new LrFreeStep(method, params, grad, layerCount);
  }

  /** Δθ of the step from the mean clipped gradient, now in the gradient view. */
  void step(Hyperparameters h, double[] multipliers) {
    if (h.layerCount() == 0) {
      Arrays.fill(mult, 1.0);
    } else {
      System.arraycopy(multipliers, 0, mult, 0, mult.length);
    }
    method.step(params1d, grad1d, h.lr(), mult, h.weightDecay());
  }

  /** The parameters become the evaluation point (Schedule-Free: x). */
  void toEval() {
    method.toEval(params1d);
  }

  /** The parameters become the training point again, bit for bit. */
  void toTrain() {
    method.toTrain(params1d);
  }
}
