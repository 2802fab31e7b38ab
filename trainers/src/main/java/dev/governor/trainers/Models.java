package dev.governor.trainers;

import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The built-in models. With the default optimizer both use Adam (β₁ 0.9, β₂ 0.999, ε 1e-8)
 * configured with learning rate {@link #UNIT_LR}: governed, DL4J's Adam runs at the decided rate
 * instead, so the configured rate is only the default (and what plain {@code fit} uses on a saved
 * model). With a learning-rate-free {@link Dl4jOptimizer} the updater is {@code Sgd(1.0)} and the
 * optimizer computes the step ({@link Dl4jOptimizer#networkUpdater()}). No regularization is
 * configured: weight decay is applied by the governed step (for Adam decoupled, AdamW).
 */
public final class Models {
  private Models() {}

  /** The learning rate in the models' configuration (Adam's usual default). */
  public static final double UNIT_LR = 1e-3;

  /** The model names {@link #create} accepts. */
  public static List<String> names() {
    return List.of("mlp", "cnn");
  }

  /**
   * A fresh, initialized network for {@code name}.
   *
   * @param name {@code mlp} (784-256-128-10, ReLU) or {@code cnn} (conv 5×5×16, max-pool, conv
   *     5×5×32, max-pool, dense 128, softmax)
   * @param data the data the model is for (input shape and class count)
   * @param seed the weight-initialization seed
   * @throws IllegalArgumentException naming the model when it is not one of {@link #names()}
   */
  public static MultiLayerNetwork create(String name, LabeledData data, long seed) {
    return create(name, data, seed, Dl4jOptimizer.adam());
  }

  /**
   * A fresh, initialized network for {@code name}, configured for {@code optimizer} (its {@link
   * Dl4jOptimizer#networkUpdater()}); the initial weights do not depend on the optimizer.
   *
   * @throws IllegalArgumentException naming the model when it is not one of {@link #names()}
   */
  public static MultiLayerNetwork create(
      String name, LabeledData data, long seed, Dl4jOptimizer optimizer) {
    IUpdater updater = optimizer.networkUpdater();
    MultiLayerConfiguration conf =
        switch (name.toLowerCase(Locale.ROOT)) {
          case "mlp" -> mlp(data, seed, updater);
          case "cnn" -> cnn(data, seed, updater);
          default ->
              throw new IllegalArgumentException(
                  "model must be one of " + names() + ", but was '" + name + "'");
        };
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  static MultiLayerConfiguration mlp(LabeledData data, long seed, IUpdater updater) {
    return layers(seed, updater)
        .layer(
            new DenseLayer.Builder()
                .nIn(data.features())
                .nOut(256)
                .activation(Activation.RELU)
                .build())
        .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())
        .layer(softmaxOutput(data).nIn(128).build())
        .build();
  }

  static MultiLayerConfiguration cnn(LabeledData data, long seed, IUpdater updater) {
    return layers(seed, updater)
        .layer(conv5x5(16))
        .layer(maxPool2x2())
        .layer(conv5x5(32))
        .layer(maxPool2x2())
        .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
        .layer(softmaxOutput(data).build())
        .setInputType(InputType.convolutionalFlat(data.height(), data.width(), 1))
        .build();
  }

  /** The models' common configuration (seed, ReLU weight initialization, updater), as a list. */
  private static NeuralNetConfiguration.ListBuilder layers(long seed, IUpdater updater) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .weightInit(WeightInit.RELU)
        .updater(updater)
        .list();
  }

  /** A 5×5 convolution with stride 1, {@code channels} output channels and ReLU. */
  private static ConvolutionLayer conv5x5(int channels) {
    return new ConvolutionLayer.Builder(5, 5)
        .nOut(channels)
        .stride(1, 1)
        .activation(Activation.RELU)
        .build();
  }

  /** A 2×2 max-pooling with stride 2. */
  private static SubsamplingLayer maxPool2x2() {
    return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
        .kernelSize(2, 2)
        .stride(2, 2)
        .build();
  }

  /** The softmax output layer over {@code data}'s classes (cross-entropy, Xavier weights). */
  private static OutputLayer.Builder softmaxOutput(LabeledData data) {
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nOut(data.classes())
        .activation(Activation.SOFTMAX)
        .weightInit(WeightInit.XAVIER);
  }
}
