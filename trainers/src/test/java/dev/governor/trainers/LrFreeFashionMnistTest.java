package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.governor.control.Policies;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real-data smoke: each optimizer at its published defaults trains the Fashion-MNIST MLP for 300
 * steps of batch 128 (one epoch of the first 38,400 training images, through {@link TrainingTask}
 * as the CLI runs it) and is scored on the first 2,000 test images.
 */
class LrFreeFashionMnistTest {
  private static final Logger LOG = LoggerFactory.getLogger(LrFreeFashionMnistTest.class);

  static final int STEPS = 300;
  static final int BATCH = 128;
  static final double CHANCE = 0.1; // 10 balanced classes

  @Test
  void everyOptimizerAtItsDefaultsLearnsFashionMnist() {
    if (!Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR)) {
      LOG.warn(
          "skipped: Fashion-MNIST is not installed in {} ({})",
          Datasets.DEFAULT_FASHION_MNIST_DIR,
          Datasets.INSTALL_HINT);
    }
    assumeTrue(
        Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR),
        "dataset-fashion-mnist is not installed");
    Datasets.Split all = Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR);
    Datasets.Split data =
        new Datasets.Split(all.train().head(STEPS * BATCH), all.test().head(2000));
    Map<String, Double> acc = new LinkedHashMap<>();
    for (String name : Dl4jOptimizer.names()) {
      Dl4jOptimizer o = Dl4jOptimizer.parse(name);
      TrainingTask task =
          new TrainingTask(
              "fashion-mnist",
              Datasets.DEFAULT_FASHION_MNIST_DIR,
              "mlp",
              BATCH,
              1,
              1,
              STEPS * BATCH,
              100,
              o);
      TrainingResult r =
          task.run(data, Policies.create("constant(lr=" + o.defaultLr() + ")"), null, null);
      assertEquals(STEPS, r.steps());
      assertEquals(name, r.optimizer());
      assertTrue(!r.diverged(), name + " diverged");
      acc.put(name, r.testAccuracy());
    }
    LOG.info("test accuracy after {} steps of batch {}: {}", STEPS, BATCH, acc);
    double adam = acc.get("adam");
    // The fixture itself must work: plain Adam at 1e-3 is far above chance.
    assertTrue(adam >= 0.70, "plain Adam reached only " + adam);
    // Each LR-free method at its defaults must beat chance clearly (>= 0.70) and make at least 80 %
    // of the improvement over chance that plain Adam makes in this same run (Adam ~0.86 gives a
    // bar of ~0.71).
    double bar = Math.max(0.70, CHANCE + 0.8 * (adam - CHANCE));
    for (Map.Entry<String, Double> e : acc.entrySet()) {
      assertTrue(
          e.getValue() >= bar,
          e.getKey() + " reached " + e.getValue() + " < " + bar + " (Adam " + adam + "): " + acc);
    }
  }
}
