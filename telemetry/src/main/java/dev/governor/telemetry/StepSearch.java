package dev.governor.telemetry;

import java.util.NavigableSet;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Finds a record by its step: a binary search within the cycle that holds it, reading the step of a
 * record at its fixed offset ({@link Records#stepOffset}) without decoding the rest.
 */
final class StepSearch {
  private StepSearch() {}

  /**
   * Positions {@code t} so that its next record is the first with step {@code >= step}, assuming
   * steps do not decrease along the queue.
   */
  static void seek(SingleChronicleQueue queue, ExcerptTailer t, long step) {
    int first = queue.firstCycle();
    int last = queue.lastCycle();
    if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE) {
      t.toStart();
      return;
    }
    NavigableSet<Long> cycles = queue.listCyclesBetween(first, last);
    ExcerptTailer probe = queue.createTailer();
    try {
      for (Long c : cycles.descendingSet()) {
        int cycle = c.intValue();
        long n = probe.excerptsInCycle(cycle);
        if (n <= 0) {
          continue;
        }
        long s0 = stepAt(probe, ChronicleLog.ROLL_CYCLE.toIndex(cycle, 0));
        if (s0 < 0 || s0 >= step) {
          continue;
        }
        // Largest sequence whose step < target: invariant step(lo) < target.
        long lo = 0;
        long hi = n - 1;
        while (lo < hi) {
          long mid = lo + (hi - lo + 1) / 2;
          long s = stepAt(probe, ChronicleLog.ROLL_CYCLE.toIndex(cycle, mid));
          if (s >= 0 && s < step) {
            lo = mid;
          } else {
            hi = mid - 1;
          }
        }
        long index = ChronicleLog.ROLL_CYCLE.toIndex(cycle, lo);
        if (!t.moveToIndex(index)) {
          throw new IllegalStateException("index " + ChronicleLog.seqText(index) + " vanished");
        }
        try (DocumentContext dc = t.readingDocument()) {
          // skip the last record before the target step
          dc.isPresent();
        }
        return;
      }
      t.toStart();
    } finally {
      probe.close();
    }
  }

  /** The step of the record at {@code index}, or -1 when there is none. */
  private static long stepAt(ExcerptTailer probe, long index) {
    if (!probe.moveToIndex(index)) {
      return -1;
    }
    try (DocumentContext dc = probe.readingDocument()) {
      if (!dc.isPresent()) {
        return -1;
      }
      Bytes<?> b = dc.wire().bytes();
      if (b.readRemaining() < 16) {
        return -1;
      }
      long at = b.readPosition() + Records.stepOffset(b.readInt(b.readPosition()));
      return b.readLong(at);
    }
  }
}
