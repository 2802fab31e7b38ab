package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class DatasetsTest {
  @TempDir Path tmp;

  private static void writeIdx(Path p, int magic, int[] dims, byte[] data) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(p)))) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
  }

  @Test
  void readsHandMadeIdxFiles() throws IOException {
    // 2 images of 2x2: pixels 0, 51, 255, 102 and 204, 0, 0, 255; labels 3 and 7.
    Path img = tmp.resolve("img.gz");
    Path lab = tmp.resolve("lab.gz");
    writeIdx(
        img,
        2051,
        new int[] {2, 2, 2},
        new byte[] {0, 51, (byte) 255, 102, (byte) 204, 0, 0, (byte) 255});
    writeIdx(lab, 2049, new int[] {2}, new byte[] {3, 7});
    LabeledData d = Datasets.readIdx("t", img, lab, 10);
    assertEquals(2, d.size());
    assertEquals(4, d.features());
    // x / 255: 51/255 = 0.2, 102/255 = 0.4, 204/255 = 0.8
    assertArrayEquals(new float[] {0f, 0.2f, 1f, 0.4f, 0.8f, 0f, 0f, 1f}, d.x(), 1e-7f);
    assertArrayEquals(new int[] {3, 7}, d.y());
  }

  @Test
  void badMagicNamesTheFile() throws IOException {
    Path img = tmp.resolve("img.gz");
    Path lab = tmp.resolve("lab.gz");
    writeIdx(img, 2049, new int[] {1}, new byte[] {1});
    writeIdx(lab, 2049, new int[] {1}, new byte[] {1});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Datasets.readIdx("t", img, lab, 10));
    assertTrue(
        e.getMessage().contains(img.toString()) && e.getMessage().contains("2049"), e.getMessage());
  }

  @Test
  void missingDatasetSaysHowToInstall() {
    MissingDatasetException e =
        assertThrows(
            MissingDatasetException.class, () -> Datasets.fashionMnist(tmp.resolve("none")));
    assertTrue(
        e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
    assertTrue(e.getMessage().contains(tmp.resolve("none").toString()), e.getMessage());
  }

  @Test
  void realFashionMnistHasItsPublishedShape() {
    assumeTrue(
        Datasets.fashionMnistPresent(Datasets.DEFAULT_FASHION_MNIST_DIR),
        "dataset-fashion-mnist is not installed");
    Datasets.Split s = Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST_DIR);
    assertEquals(60000, s.train().size());
    assertEquals(10000, s.test().size());
    assertEquals(784, s.train().features());
    // Published: 6000 training and 1000 test images per class; the first training label is 9
    // (ankle boot), the first test label 9 as well.
    int[] counts = new int[10];
    for (int y : s.train().y()) {
      counts[y]++;
    }
    for (int c : counts) {
      assertEquals(6000, c);
    }
    int[] testCounts = new int[10];
    for (int y : s.test().y()) {
      testCounts[y]++;
    }
    for (int c : testCounts) {
      assertEquals(1000, c);
    }
    assertEquals(9, s.train().y()[0]);
    assertEquals(9, s.test().y()[0]);
  }

  @Test
  void syntheticIsSeededAndUsesEveryClass() {
    Datasets.Split a = Datasets.synthetic(5, 500, 100);
    Datasets.Split b = Datasets.synthetic(5, 500, 100);
    Datasets.Split c = Datasets.synthetic(6, 500, 100);
    assertArrayEquals(a.train().x(), b.train().x());
    assertArrayEquals(a.test().y(), b.test().y());
    assertTrue(!java.util.Arrays.equals(a.train().x(), c.train().x()));
    Set<Integer> seen = new HashSet<>();
    for (int y : a.train().y()) {
      seen.add(y);
    }
    assertEquals(10, seen.size());
    for (float v : a.train().x()) {
      assertTrue(v >= 0f && v <= 1f);
    }
  }

  /**
   * The teacher task: seeded, every class used, and its Bayes accuracy is what it says — the
   * fraction of test labels (drawn from the teacher's softmax) that equal the teacher's likeliest
   * class is an independent sample estimate of E[max_c p(c | s)], so the two agree within 4
   * binomial standard errors √(p(1 − p)/n) (n = 5000: ±0.022 at p = 0.8). The noise is real: the
   * Bayes accuracy is well below 1, so even a perfect model misses some test labels.
   */
  @Test
  void theTeacherTaskIsSeededAndItsBayesAccuracyMatchesItsLabels() {
    Datasets.TeacherTask a = Datasets.teacher(5, 300, 5000);
    Datasets.TeacherTask b = Datasets.teacher(5, 300, 5000);
    assertArrayEquals(a.split().train().x(), b.split().train().x());
    assertArrayEquals(a.split().test().y(), b.split().test().y());
    assertEquals(a.bayesAccuracy(), b.bayesAccuracy());
    int[] y = a.split().test().y();
    Set<Integer> seen = new HashSet<>();
    int hits = 0;
    for (int i = 0; i < y.length; i++) {
      seen.add(y[i]);
      if (y[i] == a.likeliest()[i]) {
        hits++;
      }
    }
    assertEquals(10, seen.size());
    double p = a.bayesAccuracy();
    double se = Math.sqrt(p * (1 - p) / y.length);
    assertEquals(p, hits / (double) y.length, 4 * se);
    assertTrue(p > 0.6 && p < 0.95, "Bayes accuracy " + p);
    for (float v : a.split().train().x()) {
      assertTrue(v >= 0f && v <= 1f);
    }
  }

  @Test
  void batchStreamVisitsEveryExampleOncePerEpochAndSeeksExactly() {
    LabeledData d = Datasets.synthetic(1, 100, 10).train();
    BatchStream s = new BatchStream(d, 10, 42);
    assertEquals(10, s.batchesPerEpoch());
    Set<String> rows = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      DataSet b = s.next();
      for (int k = 0; k < 10; k++) {
        rows.add(b.getFeatures().getRow(k).toString() + b.getLabels().getRow(k));
      }
    }
    assertEquals(1, s.epoch());
    assertEquals(100, rows.size()); // 100 distinct examples (the synthetic noise makes rows unique)
    for (int i = 0; i < 3; i++) {
      s.next();
    }
    BatchStream t = new BatchStream(d, 10, 42);
    t.seek(s.epoch(), s.cursor());
    assertEquals(s.next().getFeatures(), t.next().getFeatures());
    assertThrows(IllegalArgumentException.class, () -> new BatchStream(d, 0, 1));
  }

  @Test
  void holdOutCarvesTheLastExamplesOfTheTrainingSet() {
    // 10 examples of 2 features, labels 0..4 twice: the last 3 become the validation set
    float[] x = new float[20];
    int[] y = new int[10];
    for (int i = 0; i < 10; i++) {
      x[2 * i] = i;
      x[2 * i + 1] = -i;
      y[i] = i % 5;
    }
    LabeledData train = new LabeledData("t", x, y, 2, 1, 2, 5);
    LabeledData test = train.head(2);
    Datasets.Split s = Datasets.holdOut(new Datasets.Split(train, test, 0.5), 3);
    assertEquals(7, s.train().size());
    assertEquals(3, s.validation().size());
    assertEquals("t[0:7]", s.train().name());
    assertEquals("t[7:10]", s.validation().name());
    assertArrayEquals(new float[] {7, -7, 8, -8, 9, -9}, s.validation().x());
    assertArrayEquals(new int[] {2, 3, 4}, s.validation().y());
    assertArrayEquals(java.util.Arrays.copyOf(x, 14), s.train().x());
    assertEquals(test, s.test());
    assertEquals(0.5, s.bayesAccuracy());
    // a limit applied afterwards keeps the validation set
    assertEquals(s.validation(), s.withTrain(s.train().head(4)).validation());
    assertEquals(null, Datasets.holdOut(new Datasets.Split(train, test), 0).validation());
    // the default: a tenth, at most 5000 (Fashion-MNIST's 60000: 5000; the synthetic 20000: 2000)
    assertEquals(5000, Datasets.defaultValidationSize(60000));
    assertEquals(2000, Datasets.defaultValidationSize(20000));
    assertEquals(96, Datasets.defaultValidationSize(960));
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> Datasets.holdOut(new Datasets.Split(train, test), 10));
    assertEquals(
        "validation size must be in [0, 10) for t of 10 examples, but was 10", e.getMessage());
  }
}
