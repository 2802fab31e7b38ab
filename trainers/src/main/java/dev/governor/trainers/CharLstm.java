package dev.governor.trainers;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The character-level LSTM language model: one-hot input over the {@link TextCorpus#VOCAB} symbols,
 * {@code layers} LSTM layers of {@code hidden} units (tanh, Xavier initialization, DL4J's default
 * forget-gate bias 1), and a softmax {@code RnnOutputLayer} with the multi-class cross-entropy
 * (MCXENT) at every time step. Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) configured at {@link
 * Models#UNIT_LR}, as the other built-in models; governed, Adam runs at the decided rate.
 *
 * <p>DL4J's score of a batch of windows is the cross-entropy summed over the time steps and
 * averaged over the windows (nats per window); {@link #bitsPerChar} turns it into bits per
 * character.
 */
public final class CharLstm {
  private CharLstm() {}

  /** Default hidden units per LSTM layer. */
  public static final int DEFAULT_HIDDEN = 128;

  /** Default number of LSTM layers. */
  public static final int DEFAULT_LAYERS = 1;

  /** Default window (truncated backpropagation-through-time) length. */
  public static final int DEFAULT_LENGTH = 64;

  /**
   * A fresh, initialized network.
   *
   * @throws IllegalArgumentException when {@code hidden} or {@code layers} is below 1
   */
  public static MultiLayerNetwork create(int hidden, int layers, long seed) {
    return create(hidden, layers, seed, new Adam(Models.UNIT_LR));
  }

  /**
   * A fresh, initialized network whose layers use {@code updater} (for an LR-free {@link
   * Dl4jOptimizer}: its {@link Dl4jOptimizer#networkUpdater()}); the initial weights do not depend
   * on the updater.
   *
   * @throws IllegalArgumentException when {@code hidden} or {@code layers} is below 1
   */
  public static MultiLayerNetwork create(
      int hidden, int layers, long seed, org.nd4j.linalg.learning.config.IUpdater updater) {
    if (hidden < 1) {
      throw new IllegalArgumentException("hidden units must be >= 1, but was " + hidden);
    }
    if (layers < 1) {
      throw new IllegalArgumentException("LSTM layers must be >= 1, but was " + layers);
    }
    NeuralNetConfiguration.ListBuilder b =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .weightInit(WeightInit.XAVIER)
            .updater(updater)
            .list();
    for (int i = 0; i < layers; i++) {
      b.layer(
          new LSTM.Builder()
              .nIn(i == 0 ? TextCorpus.VOCAB : hidden)
              .nOut(hidden)
              .activation(Activation.TANH)
              .build());
    }
    b.layer(
        new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(hidden)
            .nOut(TextCorpus.VOCAB)
            .activation(Activation.SOFTMAX)
            .build());
    MultiLayerConfiguration conf = b.build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  /** Bits per character of a DL4J score (nats per window of {@code length} characters). */
  public static double bitsPerChar(double scorePerWindow, int length) {
    return TextCorpus.bits(scorePerWindow / length);
  }
}
