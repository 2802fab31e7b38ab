package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The CLI's in-process path ({@link Dl4jTrainer}, which the bake-off, {@code governor train} and
 * the actor runtime use) against DL4J's own {@code fit} as the independent reference: the same
 * network configured with the rates the policy decided, trained on the same batches, must have the
 * same parameters (bit for bit, BatchNorm running statistics included) and the same loss after
 * every step.
 */
class Dl4jTrainerFaithfulnessTest {
  static final Datasets.Split DATA = Datasets.synthetic(1, 1200, 200);

  /**
   * A bake-off-shaped run (the built-in MLP, Adam, batch 128, validation every 10 steps, alignment
   * measured) under {@code pi} for Adam, whose decided rate changes every step. The reference is
   * DL4J's Adam with a {@link MapSchedule} holding exactly those rates per iteration. A step that
   * ran the updater at the configured rate and scaled its output by η/η₀ afterwards differs from
   * the second step on (float rounding of the scaled update; about 1e-4 relative in the loss after
   * 60 steps), so the comparison is exact.
   */
  @Test
  void bakeoffRunEqualsDl4jAdamConfiguredWithTheDecidedRates() {
    int n = 24;
    MultiLayerNetwork gov = Models.create("mlp", DATA.train(), 1);
    Dl4jTrainer t =
        Dl4jTrainer.builder(gov, DATA.train())
            .batch(128)
            .seed(2)
            .validation(DATA.test(), 10)
            .alignment(true)
            .build();
    double[] lr = new double[n];
    double[] loss = new double[n];
    float[][] params = new float[n][];
    try (GovernedRun run =
        GovernedRun.of(
            t,
            // the climbing loop: its rate changes every step and stays below the clip threshold
            Policies.create("pi(optimizer=adaptive, lr=0.001, t-max=24, calibrate=false)"),
            null)) {
      for (int s = 0; s < n; s++) {
        Hyperparameters h = run.next();
        Observation o = run.step();
        assertTrue(run.lastEvents().isEmpty(), "no guard action: " + run.lastEvents());
        assertTrue(!(h.weightDecay() > 0) && !(h.clipping() && o.gradNorm() > h.clip()), "" + h);
        assertEquals(s % 10 == 0, Double.isFinite(o.valLoss()), "validation at step " + s);
        lr[s] = h.lr();
        loss[s] = o.loss();
        params[s] = gov.params().toFloatVector();
      }
    }
    assertTrue(Arrays.stream(lr).distinct().count() > n / 2, Arrays.toString(lr));

    Map<Integer, Double> rates = new HashMap<>();
    for (int s = 0; s < n; s++) {
      rates.put(s, lr[s]);
    }
    MultiLayerNetwork plain =
        new MultiLayerNetwork(
            Models.mlp(DATA.train(), 1, new Adam(new MapSchedule(ScheduleType.ITERATION, rates))));
    plain.init();
    BatchStream data = new BatchStream(DATA.train(), 128, 2);
    for (int s = 0; s < n; s++) {
      plain.fit(data.next());
      assertEquals(loss[s], plain.score(), 0.0, "loss of step " + s);
      assertArrayEquals(params[s], plain.params().toFloatVector(), "parameters after step " + s);
    }
    assertEquals(n, gov.getIterationCount());
  }

  static MultiLayerNetwork batchNorm(IUpdater u) {
    MultiLayerNetwork n =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(5)
                .updater(u)
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(DATA.train().features())
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().nOut(8).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(8)
                        .nOut(DATA.train().classes())
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    n.init();
    return n;
  }

  /**
   * The decided rate 2× the configured one on a BatchNorm network equals DL4J configured at 2×,
   * parameters and running statistics (which sit in the flat parameter vector): an update scaled by
   * η/η₀ after the updater would double the running statistics' step as well.
   */
  @Test
  void decidedRateReachesTheUpdaterNotTheBatchNormStatistics() {
    int n = 12;
    MultiLayerNetwork gov = batchNorm(new Adam(0.01));
    Dl4jTrainer t = Dl4jTrainer.builder(gov, DATA.train()).batch(64).seed(3).build();
    MultiLayerNetwork plain = batchNorm(new Adam(0.02));
    BatchStream data = new BatchStream(DATA.train(), 64, 3);
    try (GovernedRun run = GovernedRun.of(t, Policies.create("constant(lr=0.02)"), null)) {
      for (int s = 0; s < n; s++) {
        Observation o = run.step();
        plain.fit(data.next());
        assertEquals(plain.score(), o.loss(), 0.0, "loss of step " + s);
        assertArrayEquals(
            plain.params().toFloatVector(), gov.params().toFloatVector(), "after step " + s);
      }
    }
    assertArrayEquals(
        plain.getUpdater().getStateViewArray().toFloatVector(),
        gov.getUpdater().getStateViewArray().toFloatVector());
  }

  /**
   * While a trainer is open its network trains only through it; closed, the network is plain DL4J
   * at its configured rate again (equal to a twin that trained the same steps at that rate).
   */
  @Test
  void theNetworkTrainsOnlyThroughTheOpenTrainerAndPlainlyAfterClose() {
    MultiLayerNetwork gov = batchNorm(new Adam(0.01));
    MultiLayerNetwork twin = batchNorm(new Adam(0.01));
    Dl4jTrainer t = Dl4jTrainer.builder(gov, DATA.train()).batch(64).seed(3).build();
    BatchStream data = new BatchStream(DATA.train(), 64, 3);
    Hyperparameters h = Hyperparameters.of(0.01, Hyperparameters.NO_CLIP, 0);
    for (int s = 0; s < 3; s++) {
      t.step(s, h);
      twin.fit(data.next());
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> gov.fit(data.next()));
    assertTrue(e.getMessage().contains("Dl4jTrainer"), e.getMessage());
    BatchStream rest = new BatchStream(DATA.train(), 64, 99);
    t.close();
    assertTrue(gov.getListeners().isEmpty(), "" + gov.getListeners());
    for (int s = 0; s < 3; s++) {
      var b = rest.next();
      gov.fit(b);
      twin.fit(b);
    }
    assertArrayEquals(twin.params().toFloatVector(), gov.params().toFloatVector());
    assertThrows(IllegalStateException.class, () -> t.step(3, h));
  }
}
