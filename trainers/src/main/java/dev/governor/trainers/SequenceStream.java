package dev.governor.trainers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches of character windows for next-character prediction: the text is cut into
 * non-overlapping windows of {@code length} inputs, window {@code w} holding symbols {@code [w·L,
 * w·L + L)} as inputs and the symbols one further, {@code [w·L + 1, w·L + L]}, as targets (so there
 * are {@code ⌊(n − 1) / L⌋} windows). Each batch holds {@code batchSize} windows in an order
 * reshuffled every epoch exactly as {@link BatchStream} does (a pure function of seed and epoch);
 * the last incomplete batch of an epoch is dropped.
 *
 * <p>Features and labels are one-hot, {@code [batch, VOCAB, length]} float (DL4J's NCW layout for
 * recurrent layers). Every window starts from a zero hidden state: backpropagation through time is
 * truncated at the window length and no state is carried between batches.
 *
 * <p>Not thread-safe.
 */
public final class SequenceStream extends OrderedBatches {
  private final byte[] text;
  private final int length;
  private final EpochOrder position;

  /**
   * A stream at epoch 0, batch 0.
   *
   * @throws IllegalArgumentException when {@code length < 1} or {@code batchSize} is not in [1,
   *     windows]
   */
  public SequenceStream(byte[] text, int length, int batchSize, long seed) {
    if (length < 1) {
      throw new IllegalArgumentException("sequence length must be >= 1, but was " + length);
    }
    int windows = windows(text.length, length);
    if (batchSize < 1 || batchSize > windows) {
      throw new IllegalArgumentException(
          "batch must be in [1, "
              + windows
              + "] (windows of "
              + length
              + " in "
              + text.length
              + " characters), but was "
              + batchSize);
    }
    this.text = text;
    this.length = length;
    this.position = new EpochOrder(windows, batchSize, seed);
  }

  /** Windows of {@code length} inputs (plus one target) in {@code n} symbols. */
  public static int windows(int n, int length) {
    return Math.max(0, (n - 1) / length);
  }

  /** Inputs per window. */
  public int length() {
    return length;
  }

  @Override
  EpochOrder position() {
    return position;
  }

  @Override
  public DataSet next() {
    return windows(text, length, position.next());
  }

  /** The windows {@code w} of {@code text} as one DataSet (one-hot, {@code [n, VOCAB, length]}). */
  static DataSet windows(byte[] text, int length, int[] w) {
    int n = w.length;
    int v = TextCorpus.VOCAB;
    float[] fx = new float[n * v * length];
    float[] fy = new float[n * v * length];
    for (int k = 0; k < n; k++) {
      int start = w[k] * length;
      for (int t = 0; t < length; t++) {
        fx[(k * v + text[start + t]) * length + t] = 1f;
        fy[(k * v + text[start + t + 1]) * length + t] = 1f;
      }
    }
    long[] shape = {n, v, length};
    return new DataSet(
        Nd4j.create(fx, shape, DataType.FLOAT), Nd4j.create(fy, shape, DataType.FLOAT));
  }

  /**
   * Windows {@code from..to−1} of {@code text} in order, as one DataSet (for evaluation).
   *
   * @throws IllegalArgumentException when the range is not within the text's windows
   */
  public static DataSet range(byte[] text, int length, int from, int to) {
    int total = windows(text.length, length);
    if (from < 0 || to > total || from >= to) {
      throw new IllegalArgumentException(
          "window range must be within [0, " + total + "), but was " + from + ".." + to);
    }
    int[] w = new int[to - from];
    for (int i = 0; i < w.length; i++) {
      w[i] = from + i;
    }
    return windows(text, length, w);
  }
}
