package dev.governor.telemetry;

import dev.governor.control.Decision;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.Wires;

/**
 * One Chronicle queue of Governor records: opening, appending, tailing, searching by step and
 * scanning for damage. The typed logs ({@link TelemetryLog}, {@link DecisionLog}) wrap it.
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
      if (!hasQueueFiles(abs)) {
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
    checkFiles(abs, what);
    checkCycleFilesPresent(abs, what);
    try {
      SingleChronicleQueue q =
          SingleChronicleQueueBuilder.binary(abs)
              .rollCycle(ROLL_CYCLE)
              .readOnly(readOnly)
              .checkInterrupts(false)
              .build();
      ChronicleLog log = new ChronicleLog(abs, what, readOnly, q);
      try {
        log.checkExtents();
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
              + (last < 0 ? "holds no records" : "ends at record " + seqTextOf(last))
              + ", but its writer appended up to record "
              + seqTextOf(promised)
              + " (a cycle file *.cq4 was deleted, emptied, truncated or zeroed)");
    }
  }

  /**
   * Refuses a queue with a table store but no cycle file when a writer has appended to it (its lock
   * file exists) and is gone: its cycle files were deleted. (A writer that took the lock and died
   * before its first record would be reported too; it wrote nothing.)
   */
  private static void checkCycleFilesPresent(Path dir, String what) {
    if (!Files.exists(dir.resolve(WriterLock.FILE)) || !hasQueueFiles(dir)) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.anyMatch(p -> p.getFileName().toString().endsWith(".cq4"))) {
        return;
      }
    } catch (IOException e) {
      return;
    }
    if (!WriterLock.live(dir)) {
      throw new TelemetryException(
          what
              + " queue "
              + dir
              + " is damaged: it has no cycle file (*.cq4), but a writer appended to it ("
              + WriterLock.FILE
              + " exists): its cycle files were deleted");
    }
  }

  /** A cycle file cut short below its records (read-only logs only), or null. */
  private File cutFile;

  private long cutSize;
  private long cutEnd;

  /**
   * Finds a cycle file cut short below its records: the end of its newest record (the store's write
   * position plus that record's length) lies past the file's end. Reading through the mapping past
   * the end would fault, and the JVM reports such a fault late, after the bytes past the cut were
   * read as zeros; so a reader stops at the first record that runs past the cut, with one error
   * ({@link #checkCut}), after every record before it. A writer never appends after a cut.
   *
   * @throws TelemetryException naming the file when the queue is open for writing
   */
  private void checkExtents() {
    int first = queue.firstCycle();
    int last = queue.lastCycle();
    if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE) {
      return;
    }
    for (Long c : queue.listCyclesBetween(first, last)) {
      net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore store =
          queue.storeForCycle(c.intValue(), queue.epoch(), false, null);
      if (store == null) {
        continue;
      }
      File f;
      long wp;
      try {
        f = store.file();
        wp = store.writePosition();
      } finally {
        queue.closeStore(store);
      }
      if (f == null || wp <= 0) {
        continue;
      }
      long size = f.length();
      long end = wp + 4;
      if (size >= end) {
        end += headerLength(f, wp);
      }
      if (size < end) {
        if (!readOnly) {
          throw new TelemetryException(
              what
                  + " queue file "
                  + f
                  + " is truncated: it is "
                  + size
                  + " bytes, but its records run to byte "
                  + end
                  + "; nothing is appended after a cut");
        }
        cutFile = f;
        cutSize = size;
        cutEnd = end;
        return;
      }
    }
  }

  private static boolean sameFile(File a, File b) {
    return a.toPath().toAbsolutePath().normalize().equals(b.toPath().toAbsolutePath().normalize());
  }

  /**
   * Throws when a reader found no further record although a cycle file of this queue was cut short
   * below its records: what is missing is reported, never read as the end of the run.
   */
  void checkEnd() {
    if (cutFile != null) {
      throw new TelemetryException(
          what
              + " queue file "
              + cutFile
              + " is truncated at byte "
              + cutSize
              + ": its records run to byte "
              + cutEnd
              + " (the records before the cut read back)");
    }
  }

  private int headerLength(File f, long pos) {
    try (FileChannel ch = FileChannel.open(f.toPath(), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      return ch.read(b, pos) == 4 ? b.getInt(0) & Wires.LENGTH_MASK : 0;
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + what + " queue file " + f + ": " + e, e);
    }
  }

  /**
   * Throws when the record whose header is at byte {@code pos} of {@code f} runs past a cut of that
   * file.
   *
   * @param after the index of the record before it (-1 for none), for the message
   */
  void checkCut(File f, long pos, long after) {
    if (cutFile == null || f == null || pos >= cutEnd || pos + 4 + (2L << 20) < cutSize) {
      return;
    }
    if (!sameFile(cutFile, f)) {
      return;
    }
    long end = pos + 4 <= cutSize ? pos + 4 + headerLength(f, pos) : pos + 4;
    if (end > cutSize) {
      throw new TelemetryException(
          what
              + " queue file "
              + f
              + " is truncated at byte "
              + cutSize
              + ": "
              + (after < 0 ? "its first record" : "record " + seqText(after + 1))
              + " runs past the cut to byte "
              + end
              + " (the records before it read back)");
    }
  }

  private static String seqTextOf(long index) {
    return "#" + ROLL_CYCLE.toSequenceNumber(index) + " of cycle " + ROLL_CYCLE.toCycle(index);
  }

  private static boolean hasQueueFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".cq4t"));
    } catch (IOException e) {
      return false;
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage();
    String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
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
    try {
      ExcerptAppender a = queue.createAppender();
      a.singleThreadedCheckDisabled(true);
      register(a);
      return a;
    } catch (RuntimeException | InternalError e) {
      throw new TelemetryException(
          "cannot append to the " + what + " queue " + path + ": " + oneLine(e), e);
    }
  }

  /** A raw tailer at the start, usable from any one thread at a time. */
  ExcerptTailer createTailer() {
    checkOpen();
    try {
      ExcerptTailer t = queue.createTailer();
      t.singleThreadedCheckDisabled(true);
      register(t);
      return t;
    } catch (RuntimeException | InternalError e) {
      throw new TelemetryException(
          "cannot read the " + what + " queue " + path + ": " + oneLine(e), e);
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

  /** The index of the newest record its writers appended, or {@code Long.MIN_VALUE} if unknown. */
  long promisedIndex() {
    try {
      return queue.tableStoreGet(APPENDED_KEY);
    } catch (RuntimeException e) {
      return Long.MIN_VALUE;
    }
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

  private String seqText(long index) {
    return "#" + ROLL_CYCLE.toSequenceNumber(index) + " of cycle " + ROLL_CYCLE.toCycle(index);
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

  /**
   * Positions {@code t} so that its next record is the first with step {@code >= step}, assuming
   * steps do not decrease along the queue (binary search within the cycle that holds it).
   */
  void seekStep(ExcerptTailer t, long step) {
    try {
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
          long s0 = stepAt(probe, ROLL_CYCLE.toIndex(cycle, 0));
          if (s0 < 0 || s0 >= step) {
            continue;
          }
          // Largest sequence whose step < target: invariant step(lo) < target.
          long lo = 0;
          long hi = n - 1;
          while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            long s = stepAt(probe, ROLL_CYCLE.toIndex(cycle, mid));
            if (s >= 0 && s < step) {
              lo = mid;
            } else {
              hi = mid - 1;
            }
          }
          long index = ROLL_CYCLE.toIndex(cycle, lo);
          if (!t.moveToIndex(index)) {
            throw new IllegalStateException("index " + seqText(index) + " vanished");
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
    } catch (TelemetryException e) {
      throw e;
    } catch (RuntimeException | InternalError e) {
      throw readFailure(t, e);
    }
  }

  /** The step of the record at {@code index}, or -1 when there is none. */
  private long stepAt(ExcerptTailer probe, long index) {
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

  /**
   * Reads every record, checks it, and looks past the last one for a torn (incomplete) record.
   *
   * @throws TelemetryException naming the file at the first damaged or foreign record
   */
  LogScan scan(int mainKind) {
    ExcerptTailer t = createTailer();
    Records.Reader r = new Records.Reader();
    Decision scratch = new Decision();
    long obs = 0;
    long dec = 0;
    long ev = 0;
    long firstStep = -1;
    long lastStep = -1;
    long lastMain = -1;
    boolean increasing = true;
    File lastFile = null;
    long lastEnd = -1;
    long lastIndex = -1;
    try {
      while (true) {
        if (lastFile != null) {
          checkCut(lastFile, lastEnd, lastIndex);
        }
        try (DocumentContext dc = t.readingDocument()) {
          if (!dc.isPresent()) {
            checkEnd();
            break;
          }
          Bytes<?> b = dc.wire().bytes();
          lastFile = t.currentFile();
          lastEnd = b.readLimit();
          long index = dc.index();
          lastIndex = index;
          try {
            int kind = r.start(b);
            if (kind != mainKind && kind != Records.KIND_EVENT) {
              throw new IllegalStateException(
                  "is of kind "
                      + Records.kindName(kind)
                      + ", which does not belong in a "
                      + what
                      + " queue");
            }
            switch (kind) {
              case Records.KIND_OBSERVATION -> {
                r.observation();
                obs++;
              }
              case Records.KIND_DECISION -> {
                r.decision(scratch);
                dec++;
              }
              case Records.KIND_EVENT -> {
                r.event();
                ev++;
              }
              default -> throw new IllegalStateException("has an unknown record kind " + kind);
            }
          } catch (IllegalStateException | IllegalArgumentException e) {
            throw damaged(t, index, e);
          }
          if (firstStep < 0) {
            firstStep = r.step;
          }
          lastStep = r.step;
          if (r.kind != Records.KIND_EVENT) {
            if (r.step <= lastMain) {
              increasing = false;
            }
            lastMain = r.step;
          }
        }
      }
    } catch (TelemetryException e) {
      throw e;
    } catch (RuntimeException | InternalError e) {
      throw readFailure(t, e);
    } finally {
      t.close();
      unregister(t);
    }
    List<Path> files = cycleFiles();
    long bytes = 0;
    for (Path f : files) {
      bytes += allocatedBytes(f);
    }
    Optional<String> torn = Optional.empty();
    if (!files.isEmpty()) {
      Path newest = files.get(files.size() - 1);
      long from =
          lastFile != null && lastFile.toPath().toAbsolutePath().equals(newest.toAbsolutePath())
              ? lastEnd
              : 0;
      torn = TornTail.find(newest, from);
    }
    return new LogScan(
        path, obs, dec, ev, firstStep, lastStep, increasing, files.size(), bytes, torn);
  }

  /** The cycle files, oldest first (their names sort by time). */
  List<Path> cycleFiles() {
    try (Stream<Path> s = Files.list(path)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".cq4")).sorted().toList();
    } catch (IOException e) {
      throw new TelemetryException("cannot list the " + what + " queue " + path, e);
    }
  }

  /** The file's length; Chronicle files are sparse and preallocated, so disk usage is lower. */
  private static long allocatedBytes(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Checks that each file of the queue starts like a Chronicle Queue file: a complete metadata
   * header whose first field is {@code header} of type {@code SCQStore} (cycle files, {@code .cq4})
   * or {@code STStore} (the table store, {@code .cq4t}). Chronicle itself would wait, time out and
   * read nothing from a foreign file; this names it at once.
   *
   * @throws TelemetryException naming the first file that is not one
   */
  static void checkFiles(Path dir, String what) {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().matches(".*\\.cq4t?")).sorted().toList();
    } catch (IOException e) {
      throw new TelemetryException("cannot list the " + what + " queue " + dir + ": " + e, e);
    }
    // Only a live writer creates queue files, and a cycle file only while holding the writer lock
    // (the table store before taking it, so only once a lock file exists): without one, a file
    // that looks half-created (zeros) is damaged.
    boolean writerLive = !files.isEmpty() && WriterLock.live(dir);
    boolean lockFile = Files.exists(dir.resolve(WriterLock.FILE));
    for (Path f : files) {
      boolean table = f.getFileName().toString().endsWith(".cq4t");
      String type = table ? "STStore" : "SCQStore";
      if (!writerLive && (!table || lockFile) && !looksLikeQueueFile(f, type, what, false)) {
        throw new TelemetryException(
            what
                + " queue file "
                + f
                + " is damaged: "
                + describeDamage(f)
                + " (no "
                + type
                + " header, and no writer is creating it)");
      }
      // A file another thread or process is creating can look inconsistent for a moment (header
      // length written before the file grew, a partly written header): look again a few times,
      // briefly, before calling it damaged. A really damaged file costs ~0.2 s more to report.
      boolean ok = false;
      for (int attempt = 0; attempt < CHECK_ATTEMPTS && !ok; attempt++) {
        if (attempt > 0) {
          pause();
        }
        ok = looksLikeQueueFile(f, type, what, true);
      }
      if (!ok) {
        throw new TelemetryException(
            what
                + " queue file "
                + f
                + " is damaged or not a Chronicle Queue file (no "
                + type
                + " header)");
      }
    }
  }

  private static final int CHECK_ATTEMPTS = 20;

  /** What a file without a valid header holds: nothing, zeros, or other bytes. */
  private static String describeDamage(Path f) {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size == 0) {
        return "it is empty (0 bytes)";
      }
      ByteBuffer b = ByteBuffer.allocate(4096);
      int n = Math.max(0, ch.read(b, 0));
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) {
          return "its first bytes are not a queue header";
        }
      }
      return "its first " + n + " bytes are zero";
    } catch (IOException e) {
      return "it cannot be read (" + e.getMessage() + ")";
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether {@code f} starts with a complete (or in-creation) store header of {@code type}. */
  private static boolean looksLikeQueueFile(
      Path f, String type, String what, boolean maybeInCreation) {
    byte[] head = new byte[64];
    int n;
    long size;
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      size = ch.size();
      n = Math.max(0, ch.read(ByteBuffer.wrap(head), 0));
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + what + " queue file " + f + ": " + e, e);
    }
    int h = n < 4 ? 0 : ByteBuffer.wrap(head, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (h == 0 || (h & Wires.NOT_COMPLETE) != 0) {
      // Another process may be creating this file right now: Chronicle reserves the header,
      // then writes "header: !SCQStore {...}". Only that beginning (or zeros) is accepted.
      return maybeInCreation && beingCreated(head, n);
    }
    return n >= 32
        && (h & Wires.META_DATA) != 0
        && 4L + (h & Wires.LENGTH_MASK) <= size
        && new String(head, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1).contains(type);
  }

  /** Chronicle's binary-wire field name {@code header}, the first bytes of every store header. */
  private static final byte[] HEADER_FIELD = {(byte) 0xB9, 6, 'h', 'e', 'a', 'd', 'e', 'r'};

  /**
   * Whether the bytes after an incomplete (or zero) first header are what a file in creation holds:
   * zeros, or a prefix of Chronicle's {@code header} field followed by zeros.
   */
  private static boolean beingCreated(byte[] head, int n) {
    int i = 4;
    while (i < n && i - 4 < HEADER_FIELD.length && head[i] == HEADER_FIELD[i - 4]) {
      i++;
    }
    if (i - 4 == HEADER_FIELD.length) {
      return true; // the store header is being written
    }
    for (; i < n; i++) {
      if (head[i] != 0) {
        return false;
      }
    }
    return true;
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
