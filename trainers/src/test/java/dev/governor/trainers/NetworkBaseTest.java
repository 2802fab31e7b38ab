package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Policies;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * {@code pi(base=network)}: the network's own learning-rate schedule is the base the policy trims.
 * Reference: DL4J's own {@code fit} with that schedule. With the loops frozen (both gains 0, no
 * stationarity decay, guard and clip loop off) the trim is e^0 = 1 and training is DL4J's own, bit
 * for bit; without the base option the schedule is refused (FaithfulnessTest).
 */
class NetworkBaseTest {
  static final String FROZEN =
      "pi(base=network, kp=0, ki=0, decay=1, guard=false, clip-loop=false)";

  static MultiLayerNetwork stepScheduled() {
    // 0.01 halved every 10 iterations: 0.01, 0.005, 0.0025, 0.00125, 0.000625 over 50 steps
    return FaithfulnessTest.mlp(
        FaithfulnessTest.base(new Adam(new StepSchedule(ScheduleType.ITERATION, 0.01, 0.5, 10))));
  }

  @Test
  void frozenPiOnTheNetworksStepScheduleIsDl4jsOwnSchedule() {
    MultiLayerNetwork plain = stepScheduled();
    MultiLayerNetwork gov = stepScheduled();
    try (Governor g = Governor.attach(gov, Policies.create(FROZEN))) {
      for (int t = 0; t < FaithfulnessTest.STEPS; t++) {
        plain.fit(FaithfulnessTest.batch(t));
        gov.fit(FaithfulnessTest.batch(t));
        assertArrayEquals(
            plain.params().toFloatVector(), gov.params().toFloatVector(), "step " + t);
        // the policy sees the schedule: 0.01 · 0.5^⌊(t+1)/10⌋ decided after step t
        assertEquals(0.01 * Math.pow(0.5, (t + 1) / 10), g.next().lr(), 0.0, "step " + t);
      }
      assertEquals(FaithfulnessTest.STEPS, g.step());
    }
    assertArrayEquals(
        plain.getUpdater().getStateViewArray().toFloatVector(),
        gov.getUpdater().getStateViewArray().toFloatVector());
  }

  /**
   * An EPOCH schedule ({0: 0.02, 1: 0.01, 2: 0.005}) over 3 epochs of {@code fit(iterator)}: the
   * updaters evaluate it at DL4J's epoch count, so the run is DL4J's own although the policy's view
   * of the schedule (the epoch at attach) stays at 0.02.
   */
  @Test
  void anEpochScheduleIsEvaluatedAtDl4jsEpoch() {
    Map<Integer, Double> m = new HashMap<>();
    m.put(0, 0.02);
    m.put(1, 0.01);
    m.put(2, 0.005);
    MultiLayerNetwork plain =
        FaithfulnessTest.mlp(
            FaithfulnessTest.base(new Adam(new MapSchedule(ScheduleType.EPOCH, m))));
    MultiLayerNetwork gov =
        FaithfulnessTest.mlp(
            FaithfulnessTest.base(new Adam(new MapSchedule(ScheduleType.EPOCH, m))));
    DataSetIterator a = FaithfulnessTest.epochData();
    DataSetIterator b = FaithfulnessTest.epochData();
    try (Governor g = Governor.attach(gov, Policies.create(FROZEN))) {
      for (int e = 0; e < 3; e++) {
        plain.fit(a);
        gov.fit(b);
        a.reset();
        b.reset();
        assertArrayEquals(
            plain.params().toFloatVector(), gov.params().toFloatVector(), "epoch " + e);
      }
      assertEquals(30, g.step());
    }
    assertEquals(3, gov.getEpochCount());
  }

  @Test
  void differentSchedulesPerLayerAreRefusedInOneLine() {
    MultiLayerNetwork n =
        FaithfulnessTest.init(
            FaithfulnessTest.base(new Adam(new StepSchedule(ScheduleType.ITERATION, 0.01, 0.5, 10)))
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(FaithfulnessTest.N_IN)
                        .nOut(5)
                        .activation(Activation.TANH)
                        .updater(new Adam(0.02))
                        .build())
                .layer(FaithfulnessTest.output(5))
                .build());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Governor.attach(n, Policies.create("pi(base=network)")));
    assertTrue(
        e.getMessage()
            .startsWith("pi(base=network) needs one learning-rate schedule for the whole network"),
        e.getMessage());
    assertTrue(e.getMessage().contains("the fixed rate 0.02"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(n.getListeners().isEmpty(), "nothing attached");
  }
}
