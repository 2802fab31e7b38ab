package dev.governor.trainers;

import java.util.Arrays;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A learning-rate-free optimizer computed on the network's flat parameter and gradient vectors
 * (package-private; chosen with {@link Dl4jOptimizer}). Its whole state is a few vectors of the
 * network's data type, stored in one array, and a few double scalars, so a {@link State} copy is
 * exact and a restore continues bit for bit.
 *
 * <p>{@link #step} receives the mean gradient after global-norm clipping and leaves in the same
 * array the displacement Δθ that the caller subtracts ({@code θ ← θ − Δθ}), so update norms are
 * measured as for every other update. Statistics the reference computes over all parameters (d, r̄,
 * G, the averaging weights) use the global learning rate; per-layer multipliers scale each layer's
 * step where the reference uses the learning rate for a parameter's step.
 *
 * <p>NaN/Inf: a non-finite gradient is applied as it is (the governed step never changes a
 * decision); it makes the state non-finite too, and a guard's SKIP or ROLLBACK restores the state
 * together with the parameters. Not thread-safe.
 */
abstract class FlatOptimizer {
  /** A copy of the optimizer state: the vectors (one array) and the scalars. */
  record State(INDArray vectors, double[] scalars) {}

  final Dl4jOptimizer config;
  final int layers;
  final long n;
  final long[] offsets;
  final long[] lengths;
  final INDArray all;
  final double[] s;

  /** Segment views: [vector][layer] of the state, and the whole vectors. */
  private final INDArray[] vectors;

  private final INDArray[][] segments;
  private INDArray[] gradSegments;

  /**
   * @param vectorCount state vectors of n elements each
   * @param scalars initial values of the scalar state
   */
  FlatOptimizer(
      Dl4jOptimizer config, long[] layerLengths, DataType type, int vectorCount, double[] scalars) {
    this.config = config;
    this.layers = layerLengths.length;
    this.lengths = layerLengths.clone();
    this.offsets = new long[layers];
    long o = 0;
    for (int i = 0; i < layers; i++) {
      offsets[i] = o;
      o += lengths[i];
    }
    this.n = o;
    this.all = Nd4j.create(type, Math.max(1, vectorCount * n));
    this.vectors = new INDArray[vectorCount];
    this.segments = new INDArray[vectorCount][];
    for (int v = 0; v < vectorCount; v++) {
      vectors[v] = all.get(NDArrayIndex.interval(v * n, (v + 1) * n));
      segments[v] = segments(vectors[v]);
    }
    this.s = scalars.clone();
  }

  /** Views of each layer's part of the flat vector {@code flat} (length n, contiguous). */
  final INDArray[] segments(INDArray flat) {
    INDArray[] out = new INDArray[layers];
    for (int i = 0; i < layers; i++) {
      out[i] = flat.get(NDArrayIndex.interval(offsets[i], offsets[i] + lengths[i]));
    }
    return out;
  }

  final INDArray vector(int v) {
    return vectors[v];
  }

  final INDArray[] vectorSegments(int v) {
    return segments[v];
  }

  /** A scratch vector of n elements (not state). */
  final INDArray temp() {
    return Nd4j.create(all.dataType(), n);
  }

  /**
   * Binds the optimizer to the flat gradient vector it is stepped with (length n, each layer one
   * contiguous range): its per-layer views are made once, for {@link #gradSegments()}.
   */
  final void bindGradient(INDArray grad) {
    gradSegments = segments(grad);
  }

  /** Per-layer views of the gradient vector {@link #bindGradient} bound. */
  final INDArray[] gradSegments() {
    return gradSegments;
  }

  /**
   * One step.
   *
   * @param params the flat parameters θ (length n, the training point); not changed here
   * @param grad the flat mean gradient after clipping, the vector {@link #bindGradient} bound;
   *     replaced by Δθ
   * @param lr the policy's learning rate (the method's own lr or multiplier)
   * @param mult per-layer multipliers (length = layers; all 1 when the decision has none)
   * @param wd the policy's weight decay, applied in the method's own form
   */
  abstract void step(INDArray params, INDArray grad, double lr, double[] mult, double wd);

  /**
   * Sets {@code params} (the training point) to the evaluation point; only Schedule-Free has one.
   * {@link #toTrain} afterwards restores the training point bit for bit.
   */
  void toEval(INDArray params) {}

  /** Restores the training point saved by {@link #toEval}. */
  void toTrain(INDArray params) {}

  /** The saved training point while in evaluation mode, or null when the method has none. */
  INDArray trainPoint() {
    return null;
  }

  /**
   * Puts the method into evaluation mode with {@code saved} as the training point (a checkpoint
   * written in evaluation mode); the parameters must already be the evaluation point.
   */
  void restoreTrainPoint(INDArray saved) {}

  /** A copy of the state. */
  final State copy() {
    return new State(all.dup(), s.clone());
  }

  /** Copies the state into {@code dst} (allocated by {@link #copy}). */
  final void copyTo(State dst) {
    dst.vectors().assign(all);
    System.arraycopy(s, 0, dst.scalars(), 0, s.length);
  }

  /**
   * Restores a state.
   *
   * @throws IllegalArgumentException when it is of another size (another method or network)
   */
  final void restore(State src) {
    copy(src, new State(all, s));
  }

  /** Copies {@code src} into {@code dst} (states of the same method and network). */
  static void copy(State src, State dst) {
    if (src.vectors().length() != dst.vectors().length()
        || src.scalars().length != dst.scalars().length) {
      throw new IllegalArgumentException(
          "optimizer state must have "
              + dst.vectors().length()
              + " elements and "
              + dst.scalars().length
              + " scalars, but had "
              + src.vectors().length()
              + " and "
              + src.scalars().length);
    }
    dst.vectors().assign(src.vectors());
    System.arraycopy(src.scalars(), 0, dst.scalars(), 0, dst.scalars().length);
  }

  /** The scalar state, for checkpoints and inspection (a copy). */
  final double[] scalars() {
    return Arrays.copyOf(s, s.length);
  }

  // ---- helpers ----

  static Level1 blas() {
    return Nd4j.getBlasWrapper().level1();
  }

  /** y ← y + a·x (BLAS axpy; x and y contiguous of equal length). */
  static void axpy(double a, INDArray x, INDArray y) {
    blas().axpy(x.length(), a, x, y);
  }

  /**
   * ⟨x, y⟩ summed in index order in Java (x, y contiguous of equal length, float or double). The
   * native reductions may split a long vector among threads differently from one call to the next,
   * which changes the rounding; a scalar that feeds back into the optimizer's state (Prodigy's d)
   * must be the same in a resumed run as in a straight one.
   */
  static double dot(INDArray x, INDArray y) {
    int n = Math.toIntExact(x.length());
    double sum = 0;
    if (x.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
      java.nio.DoubleBuffer a = x.data().asNioDouble();
      java.nio.DoubleBuffer b = y.data().asNioDouble();
      int ox = Math.toIntExact(x.offset());
      int oy = Math.toIntExact(y.offset());
      for (int i = 0; i < n; i++) {
        sum += a.get(ox + i) * b.get(oy + i);
      }
    } else {
      java.nio.FloatBuffer a = x.data().asNioFloat();
      java.nio.FloatBuffer b = y.data().asNioFloat();
      int ox = Math.toIntExact(x.offset());
      int oy = Math.toIntExact(y.offset());
      for (int i = 0; i < n; i++) {
        sum += (double) a.get(ox + i) * b.get(oy + i);
      }
    }
    return sum;
  }

  /** Σ|x_i| summed in index order in Java (x contiguous, float or double); see {@link #dot}. */
  static double asum(INDArray x) {
    int n = Math.toIntExact(x.length());
    int o = Math.toIntExact(x.offset());
    double sum = 0;
    if (x.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
      java.nio.DoubleBuffer a = x.data().asNioDouble();
      for (int i = 0; i < n; i++) {
        sum += Math.abs(a.get(o + i));
      }
    } else {
      java.nio.FloatBuffer a = x.data().asNioFloat();
      for (int i = 0; i < n; i++) {
        sum += Math.abs(a.get(o + i));
      }
    }
    return sum;
  }

  /** Whether every multiplier equals the first. */
  static boolean uniform(double[] mult) {
    for (double m : mult) {
      if (m != mult[0]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Python's {@code max(a, b)}: {@code b} only when {@code b > a}, so a NaN {@code b} keeps {@code
   * a} (Prodigy's reference keeps d when its estimate is NaN).
   */
  static double pyMax(double a, double b) {
    return b > a ? b : a;
  }

  /** Python's {@code min(a, b)}: {@code b} only when {@code b < a}. */
  static double pyMin(double a, double b) {
    return b < a ? b : a;
  }
}
