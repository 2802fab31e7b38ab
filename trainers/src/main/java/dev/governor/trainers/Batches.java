package dev.governor.trainers;

import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A seeded, per-epoch shuffled stream of equally sized mini-batches whose whole state is its
 * position {@code (epoch, cursor)}: {@link BatchStream} (feature vectors or images) and {@link
 * SequenceStream} (character windows). The {@link Dl4jTrainer} takes its batches from one and
 * stores only the position in a checkpoint.
 */
public interface Batches {
  /** Examples per batch. */
  int batchSize();

  /** Complete batches per epoch. */
  int batchesPerEpoch();

  /** The epoch the next batch belongs to. */
  int epoch();

  /** Index of the next batch within its epoch. */
  int cursor();

  /** Moves to a position saved from {@link #epoch()} and {@link #cursor()}. */
  void seek(int epoch, int cursor);

  /** The next batch, and advances. */
  DataSet next();

  /**
   * Fills {@code order} with the epoch's permutation of {@code 0 .. order.length − 1}: Fisher–Yates
   * with a generator seeded from {@code (seed, epoch)}, so an epoch's order is a pure function of
   * the two.
   */
  static void shuffle(int[] order, long seed, int epoch) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /**
   * @throws IllegalArgumentException naming the position unless {@code epoch >= 0} and {@code
   *     cursor} is in {@code [0, batchesPerEpoch)}
   */
  static void checkPosition(int epoch, int cursor, int batchesPerEpoch) {
    if (epoch < 0 || cursor < 0 || cursor >= batchesPerEpoch) {
      throw new IllegalArgumentException(
          "batch position must be epoch >= 0 and cursor in [0, "
              + batchesPerEpoch
              + "), but was "
              + epoch
              + "/"
              + cursor);
    }
  }
}
