package dev.governor.trainers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches over a {@link LabeledData}, reshuffled every epoch. The order of epoch {@code e} is
 * a pure function of {@code (seed, e)}, so the stream's whole state is its position {@code (epoch,
 * cursor)}: a stream moved to a saved position continues exactly as the original (the checkpoint
 * stores just these two numbers). The last, incomplete batch of an epoch is dropped, so every batch
 * has {@link #batchSize()} examples.
 *
 * <p>Not thread-safe.
 */
public final class BatchStream extends OrderedBatches {
  private final LabeledData data;
  private final EpochOrder position;

  /**
   * A stream at epoch 0, batch 0.
   *
   * @throws IllegalArgumentException when {@code batchSize} is not in [1, data.size()]
   */
  public BatchStream(LabeledData data, int batchSize, long seed) {
    if (batchSize < 1 || batchSize > data.size()) {
      throw new IllegalArgumentException(
          "batch must be in [1, "
              + data.size()
              + "] for "
              + data.name()
              + ", but was "
              + batchSize);
    }
    this.data = data;
    this.position = new EpochOrder(data.size(), batchSize, seed);
  }

  @Override
  EpochOrder position() {
    return position;
  }

  /** The next batch (features {@code [batch, features]} float, labels one-hot), and advances. */
  @Override
  public DataSet next() {
    int[] items = position.next();
    int batchSize = items.length;
    int d = data.features();
    float[] fx = new float[batchSize * d];
    float[] fy = new float[batchSize * data.classes()];
    for (int k = 0; k < batchSize; k++) {
      int idx = items[k];
      System.arraycopy(data.x(), idx * d, fx, k * d, d);
      fy[k * data.classes() + data.y()[idx]] = 1f;
    }
    INDArray features = Nd4j.create(fx, new long[] {batchSize, d}, DataType.FLOAT);
    INDArray labels = Nd4j.create(fy, new long[] {batchSize, data.classes()}, DataType.FLOAT);
    return new DataSet(features, labels);
  }

  /** All of {@code data} as one DataSet (for evaluation); labels one-hot. */
  public static DataSet all(LabeledData data, int from, int to) {
    int n = to - from;
    int d = data.features();
    float[] fx = new float[n * d];
    System.arraycopy(data.x(), from * d, fx, 0, n * d);
    float[] fy = new float[n * data.classes()];
    for (int k = 0; k < n; k++) {
      fy[k * data.classes() + data.y()[from + k]] = 1f;
    }
    return new DataSet(
        Nd4j.create(fx, new long[] {n, d}, DataType.FLOAT),
        Nd4j.create(fy, new long[] {n, data.classes()}, DataType.FLOAT));
  }
}
