package dev.governor.trainers;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The data sets the trainers use: Fashion-MNIST from the Debian package {@code
 * dataset-fashion-mnist} (IDX files, gzip) and a seeded synthetic classification task of the same
 * shape (a Gaussian mixture), the default when Fashion-MNIST is not installed.
 *
 * <p>Nothing here downloads anything. The Fashion-MNIST directory is {@link
 * #DEFAULT_FASHION_MNIST_DIR} unless the caller passes another (the CLI's {@code --data-dir}).
 */
public final class Datasets {
  private Datasets() {}

  /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
  public static final Path DEFAULT_FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** How to install the data set, for error messages. */
  public static final String INSTALL_HINT =
      "install it with 'sudo apt-get install dataset-fashion-mnist', pass --data-dir, "
          + "or use --dataset synthetic";

  private static final String[] FILES = {
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz"
  };

  /**
   * A training and a test set, the test set's Bayes accuracy where the task knows it (the teacher
   * task, {@link #teacher}), else NaN, and a validation set held out of the training data ({@link
   * #holdOut}; null when there is none).
   */
  public record Split(
      LabeledData train, LabeledData test, double bayesAccuracy, LabeledData validation) {
    /** A split without a validation set. */
    public Split(LabeledData train, LabeledData test, double bayesAccuracy) {
      this(train, test, bayesAccuracy, null);
    }

    /** A split whose Bayes accuracy is not known, without a validation set. */
    public Split(LabeledData train, LabeledData test) {
      this(train, test, Double.NaN, null);
    }

    /** The same split with its training set replaced by {@code t} (e.g. a head of it). */
    public Split withTrain(LabeledData t) {
      return new Split(t, test, bayesAccuracy, validation);
    }
  }

  /** Size of the default validation split: a tenth of the training data, at most 5 000. */
  public static final int MAX_VALIDATION = 5000;

  /**
   * The size of the validation split {@link #holdOut} carves by default from {@code n} training
   * examples: {@code min(5000, n / 10)} (Fashion-MNIST: the last 5 000 of 60 000; the synthetic
   * tasks of 20 000: 2 000).
   */
  public static int defaultValidationSize(int n) {
    return Math.min(MAX_VALIDATION, n / 10);
  }

  /**
   * The validation split of Governor's training runs: the last {@code size} examples of {@code s}'s
   * training set become the validation set, named {@code <train>[from:to]}, and the examples before
   * them the training set ({@code <train>[0:from]}); the test set is unchanged. The data sets
   * Governor reads are in no particular order by their index (Fashion-MNIST's training images are
   * shuffled across classes; the synthetic tasks are drawn i.i.d.), so the tail is a random sample.
   * {@code size = 0} returns {@code s} without a validation set.
   *
   * @throws IllegalArgumentException when {@code size} is negative or leaves no training example
   */
  public static Split holdOut(Split s, int size) {
    LabeledData all = s.train();
    if (size < 0 || size >= all.size()) {
      throw new IllegalArgumentException(
          "validation size must be in [0, "
              + all.size()
              + ") for "
              + all.name()
              + " of "
              + all.size()
              + " examples, but was "
              + size);
    }
    if (size == 0) {
      return new Split(all, s.test(), s.bayesAccuracy(), null);
    }
    int from = all.size() - size;
    return new Split(
        all.slice(0, from, all.name() + "[0:" + from + "]"),
        s.test(),
        s.bayesAccuracy(),
        all.slice(from, all.size(), all.name() + "[" + from + ":" + all.size() + "]"));
  }

  /** Whether all four Fashion-MNIST files are in {@code dir}. */
  public static boolean fashionMnistPresent(Path dir) {
    for (String f : FILES) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads Fashion-MNIST (60 000 training and 10 000 test images of 28 × 28 pixels, 10 classes),
   * pixels scaled to [0, 1].
   *
   * @throws MissingDatasetException naming the directory and the install command when a file is
   *     missing
   * @throws IllegalArgumentException naming the file when it is not a valid IDX file
   */
  public static Split fashionMnist(Path dir) {
    for (String f : FILES) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new MissingDatasetException(
            "fashion-mnist dataset not found: no " + dir.resolve(f) + "; " + INSTALL_HINT);
      }
    }
    LabeledData train =
        readIdx("fashion-mnist/train", dir.resolve(FILES[0]), dir.resolve(FILES[1]), 10);
    LabeledData test =
        readIdx("fashion-mnist/test", dir.resolve(FILES[2]), dir.resolve(FILES[3]), 10);
    return new Split(train, test);
  }

  /** Reads a pair of gzip IDX files (images: magic 2051; labels: magic 2049). */
  static LabeledData readIdx(String name, Path images, Path labels, int classes) {
    int n;
    int rows;
    int cols;
    float[] x;
    try (DataInputStream in = open(images)) {
      int magic = in.readInt();
      if (magic != 2051) {
        throw new IllegalArgumentException(
            images + " must be an IDX image file (magic 2051), but its magic was " + magic);
      }
      n = in.readInt();
      rows = in.readInt();
      cols = in.readInt();
      if (n <= 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            images + " has a bad shape " + n + " × " + rows + " × " + cols);
      }
      byte[] raw = new byte[n * rows * cols];
      in.readFully(raw);
      x = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        x[i] = (raw[i] & 0xff) / 255f;
      }
    } catch (EOFException e) {
      throw new IllegalArgumentException(images + " is truncated", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(images + " cannot be read: " + e.getMessage(), e);
    }
    int[] y;
    try (DataInputStream in = open(labels)) {
      int magic = in.readInt();
      if (magic != 2049) {
        throw new IllegalArgumentException(
            labels + " must be an IDX label file (magic 2049), but its magic was " + magic);
      }
      int m = in.readInt();
      if (m != n) {
        throw new IllegalArgumentException(
            labels + " must hold " + n + " labels (as many as " + images + "), but held " + m);
      }
      byte[] raw = new byte[m];
      in.readFully(raw);
      y = new int[m];
      for (int i = 0; i < m; i++) {
        y[i] = raw[i] & 0xff;
      }
    } catch (EOFException e) {
      throw new IllegalArgumentException(labels + " is truncated", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(labels + " cannot be read: " + e.getMessage(), e);
    }
    return new LabeledData(name, x, y, rows * cols, rows, cols, classes);
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream raw = Files.newInputStream(p);
    try {
      return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16)));
    } catch (IOException e) {
      raw.close();
      throw new IOException("not a gzip file (" + e.getMessage() + ")", e);
    }
  }

  /**
   * A seeded synthetic task shaped like Fashion-MNIST: 28 × 28 "images", 10 classes. Each class is
   * a Gaussian blob around a smooth random prototype image (a sum of a few 2-D bumps), with
   * per-pixel noise of standard deviation 0.35 and a random brightness factor in [0.7, 1.3], pixels
   * clipped to [0, 1]. Classes overlap, so the Bayes accuracy is below 1 and a model has something
   * to learn for several epochs. The same seed always gives the same data.
   *
   * @param seed the data seed
   * @param trainSize number of training examples, {@code >= 1}
   * @param testSize number of test examples, {@code >= 1}
   */
  public static Split synthetic(long seed, int trainSize, int testSize) {
    if (trainSize < 1 || testSize < 1) {
      throw new IllegalArgumentException(
          "synthetic sizes must be >= 1, but were " + trainSize + " and " + testSize);
    }
    int h = 28;
    int w = 28;
    int classes = 10;
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom protoRng = root.split();
    float[][] protos = new float[classes][h * w];
    for (int c = 0; c < classes; c++) {
      int bumps = 3 + protoRng.nextInt(3);
      for (int b = 0; b < bumps; b++) {
        double cy = 4 + protoRng.nextDouble() * 20;
        double cx = 4 + protoRng.nextDouble() * 20;
        double s = 2.5 + protoRng.nextDouble() * 4;
        double a = 0.4 + protoRng.nextDouble() * 0.6;
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            double d2 = ((i - cy) * (i - cy) + (j - cx) * (j - cx)) / (2 * s * s);
            protos[c][i * w + j] += (float) (a * Math.exp(-d2));
          }
        }
      }
    }
    LabeledData train = sample("synthetic/train", protos, trainSize, root.split(), h, w);
    LabeledData test = sample("synthetic/test", protos, testSize, root.split(), h, w);
    return new Split(train, test);
  }

  /**
   * The demo's synthetic task: labels drawn from a random teacher network, so the data are noisy in
   * a known amount and fitting them takes a model and a good learning rate. 28 × 28 "images" of 10
   * classes: a latent {@code s ~ N(0, I_16)} gives the image {@code x = clip(0.5 + A·s, 0, 1)} with
   * {@code A} 16 smooth random bump images (each pixel's amplitude about 0.3); the teacher {@code
   * tanh(W1·s)} (32 units, {@code W1 ~ N(0, 4/16)}) then {@code logits = β·W2·h} ({@code W2 ~ N(0,
   * 1/32)}, {@code β =} {@value #TEACHER_BETA}) and the label is drawn from {@code
   * softmax(logits)}. A classifier that knew the teacher would reach the Bayes accuracy {@code
   * E[max_c p(c | s)]}, which {@link TeacherTask#bayesAccuracy} gives on the test set.
   *
   * @param seed the data seed
   * @param trainSize number of training examples, {@code >= 1}
   * @param testSize number of test examples, {@code >= 1}
   */
  public static TeacherTask teacher(long seed, int trainSize, int testSize) {
    if (trainSize < 1 || testSize < 1) {
      throw new IllegalArgumentException(
          "teacher sizes must be >= 1, but were " + trainSize + " and " + testSize);
    }
    int h = 28;
    int w = 28;
    int d = h * w;
    int k = TEACHER_LATENT;
    int hidden = 32;
    int classes = 10;
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom r = root.split();
    float[][] a = new float[k][d];
    for (int j = 0; j < k; j++) {
      double cy = 4 + r.nextDouble() * 20;
      double cx = 4 + r.nextDouble() * 20;
      double sd = 2 + r.nextDouble() * 4;
      double amp = 0.3 * (r.nextBoolean() ? 1 : -1);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double d2 = ((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * sd * sd);
          a[j][y * w + x] = (float) (amp * Math.exp(-d2));
        }
      }
    }
    double[][] w1 = new double[hidden][k];
    for (double[] row : w1) {
      for (int j = 0; j < k; j++) {
        row[j] = 2 * gaussian(r) / Math.sqrt(k);
      }
    }
    double[][] w2 = new double[classes][hidden];
    for (double[] row : w2) {
      for (int j = 0; j < hidden; j++) {
        row[j] = gaussian(r) / Math.sqrt(hidden);
      }
    }
    double[] bayes = new double[1];
    int[] likeliest = new int[testSize];
    LabeledData train =
        teacherSample("teacher/train", a, w1, w2, trainSize, root.split(), h, w, null, null);
    LabeledData test =
        teacherSample("teacher/test", a, w1, w2, testSize, root.split(), h, w, bayes, likeliest);
    return new TeacherTask(new Split(train, test, bayes[0]), likeliest);
  }

  /** Latent dimension of {@link #teacher}. */
  static final int TEACHER_LATENT = 16;

  /** Inverse temperature of {@link #teacher}'s labels. */
  static final double TEACHER_BETA = 8.0;

  /**
   * The teacher task's data (its split carries the test set's Bayes accuracy: the mean over the
   * test examples of the teacher's largest class probability) and the teacher's likeliest class of
   * each test example (the Bayes classifier's answer).
   */
  public record TeacherTask(Split split, int[] likeliest) {
    /** The test set's Bayes accuracy. */
    public double bayesAccuracy() {
      return split.bayesAccuracy();
    }
  }

  private static LabeledData teacherSample(
      String name,
      float[][] a,
      double[][] w1,
      double[][] w2,
      int n,
      SplittableRandom rng,
      int h,
      int w,
      double[] bayesOut,
      int[] likeliestOut) {
    int d = h * w;
    int k = a.length;
    int classes = w2.length;
    float[] x = new float[n * d];
    int[] y = new int[n];
    double[] s = new double[k];
    double[] hid = new double[w1.length];
    double[] p = new double[classes];
    double bayes = 0;
    for (int e = 0; e < n; e++) {
      for (int j = 0; j < k; j++) {
        s[j] = gaussian(rng);
      }
      for (int q = 0; q < d; q++) {
        double v = 0.5;
        for (int j = 0; j < k; j++) {
          v += a[j][q] * s[j];
        }
        x[e * d + q] = (float) Math.min(1.0, Math.max(0.0, v));
      }
      for (int u = 0; u < hid.length; u++) {
        double v = 0;
        for (int j = 0; j < k; j++) {
          v += w1[u][j] * s[j];
        }
        hid[u] = Math.tanh(v);
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        double v = 0;
        for (int u = 0; u < hid.length; u++) {
          v += w2[c][u] * hid[u];
        }
        p[c] = TEACHER_BETA * v;
        max = Math.max(max, p[c]);
      }
      double z = 0;
      for (int c = 0; c < classes; c++) {
        p[c] = Math.exp(p[c] - max);
        z += p[c];
      }
      double u = rng.nextDouble() * z;
      int label = classes - 1;
      double pMax = 0;
      int argMax = 0;
      double acc = 0;
      for (int c = 0; c < classes; c++) {
        if (p[c] / z > pMax) {
          pMax = p[c] / z;
          argMax = c;
        }
      }
      if (likeliestOut != null) {
        likeliestOut[e] = argMax;
      }
      for (int c = 0; c < classes; c++) {
        acc += p[c];
        if (u < acc) {
          label = c;
          break;
        }
      }
      y[e] = label;
      bayes += pMax;
    }
    if (bayesOut != null) {
      bayesOut[0] = bayes / n;
    }
    return new LabeledData(name, x, y, d, h, w, classes);
  }

  private static LabeledData sample(
      String name, float[][] protos, int n, SplittableRandom rng, int h, int w) {
    int d = h * w;
    float[] x = new float[n * d];
    int[] y = new int[n];
    for (int k = 0; k < n; k++) {
      int c = rng.nextInt(protos.length);
      y[k] = c;
      double bright = 0.7 + 0.6 * rng.nextDouble();
      for (int p = 0; p < d; p++) {
        double v = protos[c][p] * bright + 0.35 * gaussian(rng);
        x[k * d + p] = (float) Math.min(1.0, Math.max(0.0, v));
      }
    }
    return new LabeledData(name, x, y, d, h, w, protos.length);
  }

  /** A standard normal variate (Box–Muller, one of the pair). */
  static double gaussian(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2);
  }
}
