package dev.governor.sim;

import dev.governor.control.GuardAction;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * What the simulated plant's guard actions go back to: the optimizer state before the last step
 * (SKIP), a ring of snapshots taken every {@code snapshotEvery} steps (ROLLBACK: the newest one,
 * which is then dropped; nothing when the ring is empty) and the start (RESET). Counts the actions
 * carried out. Not thread-safe.
 */
final class PlantUndo {
  private final OptimizerState before;
  private boolean beforeValid;
  private final OptimizerState origin;
  private final OptimizerState[] ring;
  private int ringCount;
  private int ringHead;
  private long skips;
  private long rollbacks;

  /** For states of {@code opt}; {@code start} is the state RESET returns to (copied). */
  PlantUndo(PlantOptimizer opt, int ringSize, OptimizerState start) {
    before = opt.newState();
    ring = new OptimizerState[ringSize];
    for (int r = 0; r < ring.length; r++) {
      ring[r] = opt.newState();
    }
    origin = opt.newState();
    origin.copyFrom(start);
  }

  long skips() {
    return skips;
  }

  long rollbacks() {
    return rollbacks;
  }

  /** Keeps {@code state} as the state before the step about to run (what a SKIP restores). */
  void beforeStep(OptimizerState state) {
    before.copyFrom(state);
    beforeValid = true;
  }

  /** Pushes a snapshot of {@code state} into the ring (the oldest falls out when it is full). */
  void snapshot(OptimizerState state) {
    ringHead = (ringHead + 1) % ring.length;
    ring[ringHead].copyFrom(state);
    ringCount = Math.min(ringCount + 1, ring.length);
  }

  /**
   * Carries out {@code action} on {@code state}.
   *
   * @return whether the action moved the plant (SKIP, ROLLBACK, RESET: the previous gradient no
   *     longer belongs to the current point), false for NONE and the actions that do not undo
   */
  boolean apply(GuardAction action, OptimizerState state) {
    switch (action) {
      case SKIP -> {
        skips++;
        if (beforeValid) {
          state.copyFrom(before);
          beforeValid = false;
        }
        return true;
      }
      case ROLLBACK -> {
        rollbacks++;
        if (ringCount > 0) {
          state.copyFrom(ring[ringHead]);
          ringCount--;
          ringHead = (ringHead - 1 + ring.length) % ring.length;
        }
        beforeValid = false;
        return true;
      }
      case RESET -> {
        state.copyFrom(origin);
        ringCount = 0;
        beforeValid = false;
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  /** Writes the counters (the checkpoint's head). */
  void writeCounts(DataOutputStream out) throws IOException {
    out.writeLong(skips);
    out.writeLong(rollbacks);
  }

  void readCounts(DataInputStream in) throws IOException {
    skips = in.readLong();
    rollbacks = in.readLong();
  }

  /** Writes the state before the step and the ring (the origin is the plant's start). */
  void writeStates(DataOutputStream out) throws IOException {
    before.write(out);
    out.writeBoolean(beforeValid);
    out.writeInt(ringCount);
    out.writeInt(ringHead);
    for (OptimizerState r : ring) {
      r.write(out);
    }
  }

  /**
   * Reads what {@link #writeStates} wrote.
   *
   * @throws IOException naming {@code file} when the ring's position is damaged
   */
  void readStates(DataInputStream in, Object file) throws IOException {
    before.read(in);
    beforeValid = in.readBoolean();
    ringCount = in.readInt();
    ringHead = in.readInt();
    if (ringCount < 0 || ringCount > ring.length || ringHead < 0 || ringHead >= ring.length) {
      throw new IOException("checkpoint " + file + " has a damaged snapshot ring");
    }
    for (OptimizerState r : ring) {
      r.read(in);
    }
  }
}
