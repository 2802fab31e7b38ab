package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class DisturbedBatchesTest {

  /** 8 examples of 2 × 2 features (example i, feature j = 10 i + j), labels i mod 3. */
  private static LabeledData small() {
    float[] x = new float[8 * 4];
    int[] y = new int[8];
    for (int i = 0; i < 8; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = 10 * i + j;
      }
      y[i] = i % 3;
    }
    return new LabeledData("small", x, y, 4, 2, 2, 3);
  }

  private static float[][] rows(INDArray a) {
    return a.toFloatMatrix();
  }

  @Test
  void aShiftPermutesEveryFeatureRowFromItsStepAndLeavesTheLabels() {
    Dl4jDisturbance d = new Dl4jDisturbance(Dl4jDisturbance.Kind.SHIFT, 3, 1, 1);
    Batches plain = new BatchStream(small(), 2, 7);
    Batches shifted = d.wrap(new BatchStream(small(), 2, 7), 1);
    int[] perm = Dl4jDisturbance.permutation(4);
    int[] sorted = perm.clone();
    Arrays.sort(sorted);
    assertArrayEquals(new int[] {0, 1, 2, 3}, sorted);
    for (int step = 0; step < 8; step++) {
      DataSet a = plain.next();
      DataSet b = shifted.next();
      assertArrayEquals(rows(a.getLabels()), rows(b.getLabels()));
      float[][] xa = rows(a.getFeatures());
      float[][] xb = rows(b.getFeatures());
      for (int r = 0; r < xa.length; r++) {
        for (int j = 0; j < 4; j++) {
          assertEquals(step >= 3 ? xa[r][perm[j]] : xa[r][j], xb[r][j], 0.0, "step " + step);
        }
      }
    }
    // the same permutation for the held-out sets: example i, feature j = 10 i + perm[j]
    Datasets.Split split = d.apply(new Datasets.Split(small(), small(), Double.NaN, small()));
    for (LabeledData held : new LabeledData[] {split.test(), split.validation()}) {
      for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 4; j++) {
          assertEquals(10 * i + perm[j], held.x()[i * 4 + j], 0.0);
        }
      }
      assertArrayEquals(small().y(), held.y());
    }
    assertArrayEquals(small().x(), split.train().x());
    // on 784 features the permutation moves nearly every pixel
    int[] big = Dl4jDisturbance.permutation(784);
    int fixed = 0;
    for (int j = 0; j < big.length; j++) {
      fixed += big[j] == j ? 1 : 0;
    }
    assertTrue(fixed < 10, "fixed points of the shift: " + fixed);
  }

  @Test
  void batchHalvingKeepsTheFirstHalfOfEachBatchFromItsStep() {
    Dl4jDisturbance d = new Dl4jDisturbance(Dl4jDisturbance.Kind.BATCH_HALVING, 2, 1, 1);
    Batches plain = new BatchStream(small(), 4, 3);
    Batches halved = d.wrap(new BatchStream(small(), 4, 3), 1);
    for (int step = 0; step < 6; step++) {
      DataSet a = plain.next();
      DataSet b = halved.next();
      int n = step >= 2 ? 2 : 4;
      assertEquals(n, b.getFeatures().rows(), "step " + step);
      assertArrayEquals(
          Arrays.copyOf(rows(a.getFeatures()), n), rows(b.getFeatures()), "step " + step);
      assertArrayEquals(Arrays.copyOf(rows(a.getLabels()), n), rows(b.getLabels()));
    }
    assertEquals(2, halved.batchSize());
    assertEquals(2, halved.batchesPerEpoch());
  }

  @Test
  void spikesMultiplyTheFeaturesOfEveryPeriodthBatchOnly() {
    Dl4jDisturbance d = new Dl4jDisturbance(Dl4jDisturbance.Kind.SPIKES, 1, 100, 3);
    Batches plain = new BatchStream(small(), 2, 5);
    Batches spiky = d.wrap(new BatchStream(small(), 2, 5), 1);
    for (int step = 0; step < 10; step++) {
      float[][] xa = rows(plain.next().getFeatures());
      float[][] xb = rows(spiky.next().getFeatures());
      double f = step == 1 || step == 4 || step == 7 ? 100 : 1;
      for (int r = 0; r < xa.length; r++) {
        for (int j = 0; j < 4; j++) {
          assertEquals(f * xa[r][j], xb[r][j], 1e-3, "step " + step);
        }
      }
    }
  }

  @Test
  void aNoiseBurstRandomisesLabelsAtItsRateDuringTheBurstOnly() {
    // 3000 examples, 3 classes, factor 2: a label is redrawn with probability 1/2 and then differs
    // with probability 2/3, so 1/3 of the labels change (binomial sd √(1/3 · 2/3 / 3000) = 0.0086;
    // tolerance 4 sd)
    int n = 3000;
    float[] x = new float[n * 4];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
    }
    LabeledData data = new LabeledData("labels", x, y, 4, 2, 2, 3);
    Dl4jDisturbance d = new Dl4jDisturbance(Dl4jDisturbance.Kind.NOISE_BURST, 1, 2, 2);
    Batches plain = new BatchStream(data, n, 9);
    Batches noisy = d.wrap(new BatchStream(data, n, 9), 4);
    for (int step = 0; step < 4; step++) {
      float[][] ya = rows(plain.next().getLabels());
      float[][] yb = rows(noisy.next().getLabels());
      int changed = 0;
      for (int r = 0; r < n; r++) {
        float sum = 0;
        for (float v : yb[r]) {
          sum += v;
        }
        assertEquals(1f, sum, 0f, "one-hot");
        changed += Arrays.equals(ya[r], yb[r]) ? 0 : 1;
      }
      double frac = changed / (double) n;
      if (step == 1 || step == 2) {
        assertEquals(1.0 / 3, frac, 4 * 0.0086, "step " + step);
      } else {
        assertEquals(0.0, frac, 0.0, "step " + step);
      }
    }
  }

  @Test
  void aStreamMovedToASavedPositionContinuesAsTheOriginal() {
    Dl4jDisturbance d = new Dl4jDisturbance(Dl4jDisturbance.Kind.NOISE_BURST, 0, 3, 100);
    Batches a = d.wrap(new BatchStream(small(), 2, 11), 2);
    for (int k = 0; k < 5; k++) {
      a.next();
    }
    Batches b = d.wrap(new BatchStream(small(), 2, 11), 2);
    b.seek(a.epoch(), a.cursor());
    for (int k = 0; k < 4; k++) {
      DataSet x = a.next();
      DataSet z = b.next();
      assertArrayEquals(rows(x.getFeatures()), rows(z.getFeatures()));
      assertArrayEquals(rows(x.getLabels()), rows(z.getLabels()));
    }
  }

  @Test
  void noDisturbanceIsTheSourceItselfAndBadValuesAreNamed() {
    Batches s = new BatchStream(small(), 2, 1);
    assertSame(s, Dl4jDisturbance.NONE.wrap(s, 1));
    Datasets.Split split = new Datasets.Split(small(), small());
    assertSame(split, new Dl4jDisturbance(Dl4jDisturbance.Kind.SPIKES, 0, 10, 5).apply(split));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Dl4jDisturbance(Dl4jDisturbance.Kind.SPIKES, 0, 0.5, 5));
    assertEquals("disturbance factor must be finite and >= 1, but was 0.5", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new Dl4jDisturbance(Dl4jDisturbance.Kind.SHIFT, -1, 1, 1));
    assertEquals(Dl4jDisturbance.Kind.BATCH_HALVING, Dl4jDisturbance.Kind.of("batch-halving"));
    assertEquals(null, Dl4jDisturbance.Kind.of("curvature-jump"));
    assertNotEquals("none", new Dl4jDisturbance(Dl4jDisturbance.Kind.SHIFT, 4, 1, 1).toString());
  }
}
