package dev.governor.trainers;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A {@link Batches} source with a {@link Dl4jDisturbance} applied to its batches. The step of a
 * batch is its source position ({@code epoch · batchesPerEpoch + cursor}), so the disturbance is a
 * pure function of the position and a stream moved by {@link #seek} continues exactly as the
 * original; the label noise of a step is drawn from a generator seeded by {@code (seed, step)}.
 * Features are expected as {@code [batch, features]} (as {@link BatchStream} makes them).
 *
 * <p>Not thread-safe.
 */
final class DisturbedBatches implements Batches {
  private final Batches source;
  private final Dl4jDisturbance d;
  private final long seed;
  private int[] permCache;

  DisturbedBatches(Batches source, Dl4jDisturbance d, long seed) {
    this.source = source;
    this.d = d;
    this.seed = seed;
  }

  private int[] perm(int features) {
    if (permCache == null || permCache.length != features) {
      permCache = Dl4jDisturbance.permutation(features);
    }
    return permCache;
  }

  @Override
  public int batchSize() {
    return d.kind() == Dl4jDisturbance.Kind.BATCH_HALVING
        ? Math.max(1, source.batchSize() / 2)
        : source.batchSize();
  }

  @Override
  public int batchesPerEpoch() {
    return source.batchesPerEpoch();
  }

  @Override
  public int epoch() {
    return source.epoch();
  }

  @Override
  public int cursor() {
    return source.cursor();
  }

  @Override
  public void seek(int epoch, int cursor) {
    source.seek(epoch, cursor);
  }

  @Override
  public DataSet next() {
    long step = (long) source.epoch() * source.batchesPerEpoch() + source.cursor();
    DataSet b = source.next();
    if (!d.active(step)) {
      return b;
    }
    INDArray x = b.getFeatures();
    INDArray y = b.getLabels();
    return switch (d.kind()) {
      case NONE -> b;
      case SHIFT -> new DataSet(x.getColumns(perm((int) x.size(1))), y);
      case SPIKES -> new DataSet(x.mul(d.factor()), y);
      case BATCH_HALVING -> {
        long h = Math.max(1, x.size(0) / 2);
        yield new DataSet(
            x.get(NDArrayIndex.interval(0, h), NDArrayIndex.all()).dup(),
            y.get(NDArrayIndex.interval(0, h), NDArrayIndex.all()).dup());
      }
      case NOISE_BURST -> new DataSet(x, noisyLabels(y, step));
    };
  }

  /**
   * {@code y} (one-hot) with each row replaced, with probability 1 − 1/factor, by a random class.
   */
  private INDArray noisyLabels(INDArray y, long step) {
    INDArray out = y.dup();
    int classes = (int) y.size(1);
    double p = 1 - 1 / d.factor();
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
    for (long i = 0; i < y.size(0); i++) {
      if (rng.nextDouble() < p) {
        int c = rng.nextInt(classes);
        for (int k = 0; k < classes; k++) {
          out.putScalar(i, k, k == c ? 1.0 : 0.0);
        }
      }
    }
    return out;
  }
}
