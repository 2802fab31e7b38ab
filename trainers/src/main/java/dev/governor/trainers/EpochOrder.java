package dev.governor.trainers;

/**
 * The position of a {@link Batches} stream and the order its items are drawn in: {@code items}
 * items, {@code batchSize} per batch, reshuffled every epoch ({@link Batches#shuffle}: the order of
 * epoch {@code e} is a pure function of {@code (seed, e)}), the last incomplete batch of an epoch
 * dropped. The whole state is the position {@code (epoch, cursor)}. Not thread-safe.
 */
final class EpochOrder {
  private final int batchSize;
  private final long seed;
  private final int[] order;
  private int epoch;
  private int cursor;
  private int orderEpoch = -1;

  /** At epoch 0, batch 0; the caller has checked that {@code batchSize} is in [1, items]. */
  EpochOrder(int items, int batchSize, long seed) {
    this.batchSize = batchSize;
    this.seed = seed;
    this.order = new int[items];
  }

  int batchSize() {
    return batchSize;
  }

  /** Complete batches per epoch. */
  int batchesPerEpoch() {
    return order.length / batchSize;
  }

  /** The epoch the next batch belongs to. */
  int epoch() {
    return epoch;
  }

  /** Index of the next batch within its epoch. */
  int cursor() {
    return cursor;
  }

  /** Moves to a position saved from {@link #epoch()} and {@link #cursor()}. */
  void seek(int epoch, int cursor) {
    Batches.checkPosition(epoch, cursor, batchesPerEpoch());
    this.epoch = epoch;
    this.cursor = cursor;
  }

  /** The items of the next batch, in order, and advances (to the next epoch after its last). */
  int[] next() {
    if (orderEpoch != epoch) {
      Batches.shuffle(order, seed, epoch);
      orderEpoch = epoch;
    }
    int[] items = new int[batchSize];
    System.arraycopy(order, cursor * batchSize, items, 0, batchSize);
    if (++cursor == batchesPerEpoch()) {
      cursor = 0;
      epoch++;
    }
    return items;
  }
}
