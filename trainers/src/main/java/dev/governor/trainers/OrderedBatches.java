package dev.governor.trainers;

/**
 * A {@link Batches} stream whose position and batch order are an {@link EpochOrder}: its batch
 * size, epoch, cursor and seeking are the order's; the subclass makes the batches.
 */
abstract class OrderedBatches implements Batches {

  /** The stream's position and item order. */
  abstract EpochOrder position();

  /** Examples per batch. */
  @Override
  public final int batchSize() {
    return position().batchSize();
  }

  /** Complete batches per epoch. */
  @Override
  public final int batchesPerEpoch() {
    return position().batchesPerEpoch();
  }

  /** The epoch the next batch belongs to. */
  @Override
  public final int epoch() {
    return position().epoch();
  }

  /** Index of the next batch within its epoch. */
  @Override
  public final int cursor() {
    return position().cursor();
  }

  /** Moves to a position saved from {@link #epoch()} and {@link #cursor()}. */
  @Override
  public final void seek(int epoch, int cursor) {
    position().seek(epoch, cursor);
  }
}
