package dev.governor.trainers;

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
}
