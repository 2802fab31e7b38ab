package dev.governor.telemetry;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptCommon;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;

/**
 * One Chronicle queue of Governor records: its lifecycle (opening with its checks, appenders and
 * tailers, closing), the promise of the newest record appended, and the errors that name a damaged
 * file. The typed logs ({@link TelemetryLog}, {@link DecisionLog}) wrap it. The checks live beside
 * it: {@link QueueFileCheck} (the files before opening), {@link CycleCut} (a cycle file cut short),
 * {@link TornTail} (a record never completed), {@link StepSearch} (a record by its step) and {@link
 * LogScanner} (the whole-queue scan).
 *
 * <p>Roll cycle: {@link LargeRollCycles#HUGE_DAILY} — up to 2<sup>40</sup> − 1 ≈
 * 1.1·10<sup>12</sup> records per daily file, i.e. 12.7 million records/s sustained for a whole
 * day. The default {@code DAILY} (also {@code FAST_DAILY}, {@code LARGE_HOURLY}) caps a cycle at
 * 2<sup>32</sup> − 1, which 2 million records/s exhaust in 36 minutes; {@code LARGE_DAILY}
 * (1.4·10<sup>11</sup>) would last only 19 hours at that rate. The sparse index (one entry per 1024
 * records) keeps the index small; a {@code moveToIndex} scans at most 1024 records, which the step
 * search does ~40 times. The cycle clock is the wall clock, used only to name files (never by
 * logic).
 */
final class ChronicleLog implements AutoCloseable {
  static {
    ChronicleSetup.init();
  }

  static final RollCycle ROLL_CYCLE = LargeRollCycles.HUGE_DAILY;

  private final Path path;
  private final String what;
  private final boolean readOnly;
  private final SingleChronicleQueue queue;
  private final List<AutoCloseable> children = new ArrayList<>();
  private WriterLock writerLock;
  private net.openhft.chronicle.core.values.LongValue appended;
  private boolean closed;

  /** A cycle file cut short below its records (read-only logs only), or null. */
  private CycleCut cut;

  /**
   * The table-store key of the index of the newest record appended: what the queue promises its
   * readers. A queue whose records end before it lost records (a cycle file deleted, truncated or
   * zeroed).
   */
  static final String APPENDED_KEY = "governor.appended";

  private ChronicleLog(Path path, String what, boolean readOnly, SingleChronicleQueue queue) {
    this.path = path;
    this.what = what;
    this.readOnly = readOnly;
    this.queue = queue;
  }

  /**
   * Opens (creating when needed, unless read-only) the queue in {@code dir}.
   *
   * @param what "telemetry" or "decision", for messages
   * @throws TelemetryException naming the folder when it is missing (read-only), not a folder, or
   *     not a queue Chronicle can open
   */
  static ChronicleLog open(Path dir, String what, boolean readOnly) {
    Path abs = dir.toAbsolutePath().normalize();
    if (readOnly) {
      if (!Files.isDirectory(abs)) {
        throw new TelemetryException(what + " queue not found: " + abs + " is not a folder");
      }
      if (!QueueFileCheck.hasQueueFiles(abs)) {
        throw new TelemetryException(
            what + " queue not found: " + abs + " holds no Chronicle Queue files (*.cq4t)");
      }
    } else {
      try {
        Files.createDirectories(abs);
      } catch (IOException e) {
        throw new TelemetryException(
            "cannot create the " + what + " queue folder " + abs + ": " + e.getMessage(), e);
      }
    }
    QueueFileCheck.checkFiles(abs, what);
    QueueFileCheck.checkCycleFilesPresent(abs, what);
    try {
      SingleChronicleQueue q =
          SingleChronicleQueueBuilder.binary(abs)
              .rollCycle(ROLL_CYCLE)
              .readOnly(readOnly)
              .checkInterrupts(false)
              .build();
      ChronicleLog log = new ChronicleLog(abs, what, readOnly, q);
      try {
        log.cut = CycleCut.find(q, what, readOnly);
        checkPromise(q, abs, what);
      } catch (RuntimeException | InternalError e) {
        q.close();
        throw e;
      }
      return log;
    } catch (TelemetryException e) {
      throw e;
    } catch (RuntimeException | Error e) {
      throw new TelemetryException(
          "cannot open the " + what + " queue " + abs + ": " + oneLine(e), e);
    }
  }

  /**
   * Refuses a queue whose records end before the newest record its writers recorded appending
   * ({@link #APPENDED_KEY}): its cycle files were deleted, emptied, truncated or zeroed, so what is
   * left would read as a shorter (or empty) run.
   */
  private static void checkPromise(SingleChronicleQueue q, Path dir, String what) {
    long promised;
    try {
      promised = q.tableStoreGet(APPENDED_KEY);
    } catch (RuntimeException e) {
      return; // no promise recorded
    }
    if (promised == Long.MIN_VALUE || promised < 0) {
      return;
    }
    long last;
    try {
      last = q.lastIndex();
    } catch (InternalError e) {
      return; // a cycle file cut short: its records up to the cut read back, then one error
    } catch (RuntimeException e) {
      throw new TelemetryException(
          what + " queue " + dir + " cannot be read to its end: " + oneLine(e), e);
    }
    if (last < promised) {
      throw new TelemetryException(
          what
              + " queue "
              + dir
              + " is damaged: it "
              + (last < 0 ? "holds no records" : "ends at record " + seqText(last))
              + ", but its writer appended up to record "
              + seqText(promised)
              + " (a cycle file *.cq4 was deleted, emptied, truncated or zeroed)");
    }
  }

  /** A record index as its sequence number and cycle, for messages. */
  static String seqText(long index) {
    return "#" + ROLL_CYCLE.toSequenceNumber(index) + " of cycle " + ROLL_CYCLE.toCycle(index);
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage();
    String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Throws when a reader found no further record although a cycle file of this queue was cut short
   * below its records: what is missing is reported, never read as the end of the run.
   */
  void checkEnd() {
    if (cut != null) {
      cut.checkEnd();
    }
  }

  /**
   * Throws when the record whose header is at byte {@code pos} of {@code f} runs past a cut of that
   * file ({@link CycleCut#checkCut}).
   */
  void checkCut(File f, long pos, long after) {
    if (cut != null) {
      cut.checkCut(f, pos, after);
    }
  }

  /**
   * Positions {@code t} so that its next record is the first with step {@code >= step} ({@link
   * StepSearch}).
   */
  void seekStep(ExcerptTailer t, long step) {
    try {
      StepSearch.seek(queue, t, step);
    } catch (TelemetryException e) {
      throw e;
    } catch (RuntimeException | InternalError e) {
      throw readFailure(t, e);
    }
  }

  /** Reads every record and checks it ({@link LogScanner}). */
  LogScan scan(int mainKind) {
    return LogScanner.scan(this, mainKind);
  }

  Path path() {
    return path;
  }

  String what() {
    return what;
  }

  boolean readOnly() {
    return readOnly;
  }

  /**
   * A raw appender usable from any one thread at a time. The first one takes the queue's {@link
   * WriterLock} for this process (until {@link #close}).
   *
   * @throws TelemetryException naming the lock and its holder when another process writes the queue
   */
  ExcerptAppender createAppender() {
    checkOpen();
    if (readOnly) {
      throw new IllegalStateException(what + " queue " + path + " is open read-only");
    }
    synchronized (this) {
      if (writerLock == null) {
        writerLock = WriterLock.acquire(path, what);
      }
    }
    return excerpt(queue::createAppender, "append to");
  }

  /** A raw tailer at the start, usable from any one thread at a time. */
  ExcerptTailer createTailer() {
    checkOpen();
    return excerpt(queue::createTailer, "read");
  }

  /**
   * A new excerpt from {@code create}, usable from any one thread at a time and closed with this
   * log.
   *
   * @throws TelemetryException "cannot {@code action} the queue", naming it and Chronicle's error
   */
  private <E extends ExcerptCommon<E>> E excerpt(Supplier<E> create, String action) {
    try {
      E excerpt = create.get();
      excerpt.singleThreadedCheckDisabled(true);
      register(excerpt);
      return excerpt;
    } catch (RuntimeException | InternalError e) {
      throw new TelemetryException(
          "cannot " + action + " the " + what + " queue " + path + ": " + oneLine(e), e);
    }
  }

  /** Chronicle's index count of this queue's cycle files (entries per index array). */
  int indexCount() {
    return queue.indexCount();
  }

  /** Records {@code index} as the newest record appended (see {@link #APPENDED_KEY}). */
  void appended(long index) {
    net.openhft.chronicle.core.values.LongValue v = appended;
    if (v == null) {
      synchronized (this) {
        if (appended == null) {
          appended = queue.metaStore().acquireValueFor(APPENDED_KEY, Long.MIN_VALUE);
        }
        v = appended;
      }
    }
    v.setOrderedValue(index); // one writing process; a lower promise is merely weaker
  }

  private synchronized void register(AutoCloseable c) {
    children.add(c);
  }

  synchronized void unregister(AutoCloseable c) {
    children.remove(c);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(what + " queue " + path + " is closed");
    }
  }

  /** The error for a record that failed to decode. */
  TelemetryException damaged(ExcerptTailer t, long index, RuntimeException e) {
    File f = t.currentFile();
    String file = f != null ? f.toString() : path.toString();
    String msg = e instanceof IllegalStateException ? e.getMessage() : oneLine(e);
    return new TelemetryException(
        what + " queue file " + file + ": record " + seqText(index) + " " + msg, e);
  }

  /** Error for a failure of Chronicle itself while reading. */
  TelemetryException readFailure(ExcerptTailer t, Throwable e) {
    File f = null;
    try {
      f = t.currentFile();
    } catch (RuntimeException ignored) {
      // named by the folder instead
    }
    String file = f != null ? f.toString() : path.toString();
    if (e instanceof InternalError) {
      // a fault in a memory-mapped read: the file is shorter than the records it indexes
      long size = f != null ? f.length() : -1;
      return new TelemetryException(
          what
              + " queue file "
              + file
              + " is truncated: its records run past its end"
              + (size >= 0 ? " (" + size + " bytes left)" : "")
              + "; the records before the cut can be read back only with the file restored or"
              + " re-imported",
          e);
    }
    return new TelemetryException(
        what + " queue file " + file + " is damaged or foreign: " + oneLine(e), e);
  }

  /** Forces the queue's mapped files to storage (msync). */
  void sync(ExcerptAppender a) {
    try {
      a.sync();
    } catch (RuntimeException e) {
      throw new TelemetryException("cannot sync the " + what + " queue " + path, e);
    }
  }

  @Override
  public void close() {
    List<AutoCloseable> open;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(children);
      children.clear();
    }
    for (AutoCloseable c : open) {
      try {
        if (c instanceof ExcerptAppender a && !readOnly) {
          a.sync();
        }
        c.close();
      } catch (Exception e) {
        // closing the queue below releases the mappings anyway
      }
    }
    if (appended != null) {
      appended.close();
    }
    queue.close();
    if (writerLock != null) {
      writerLock.close();
    }
  }
}
