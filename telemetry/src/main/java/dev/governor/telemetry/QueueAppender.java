package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;

/**
 * Appends Governor records to one queue: one Chronicle document per record, encoded into a reused
 * off-heap buffer and copied into the queue by one {@link ExcerptAppender#writeBytes} (which,
 * unlike {@code writingDocument()}, does not re-derive the last sequence number for every record).
 * Implements both typed appenders; each log exposes only its own.
 *
 * <p>A full file system: disk space is reserved ahead of each record ({@link SpaceReserve}), so the
 * append that finds none raises a {@link DiskFullException} before writing. A fault of the mapped
 * file while a record is copied (space taken by another process after the reservation, an I/O
 * error) surfaces from the JVM as an {@link InternalError}; it is raised as a {@link
 * DiskFullException} too, and that record is a torn tail. Either way the appender refuses every
 * later append, so nothing is written after a failed record.
 *
 * <p>Fault injection for tests: the system property {@value #FAULTS_PROPERTY} = {@code
 * <queue>:<fault>@<n>} acts at the n-th append (1-based) of each appender of the {@code telemetry}
 * or {@code decision} queue: {@code enospc} (e.g. {@code telemetry:enospc@100}) fails it as a
 * refused reservation; {@code stall} prints {@value #STALL_LINE} and the append number to standard
 * error and blocks the appending thread for good, before anything of that record is written, so a
 * test can kill the process at a known point of the run.
 */
final class QueueAppender implements TelemetryLog.Appender, DecisionLog.Appender {
  private final ChronicleLog log;
  private final ExcerptAppender appender;
  private final RecordWriter writer = new RecordWriter();
  private final SpaceReserve reserve;
  private final long faultAt;
  private final boolean stall;
  private long appends;
  private TelemetryException failed;
  private boolean closed;

  static final String FAULTS_PROPERTY = "governor.telemetry.faults";

  /** What a stalled append prints first (followed by the queue and the append number). */
  static final String STALL_LINE = "governor: injected stall";

  QueueAppender(ChronicleLog log, ExcerptAppender appender) {
    this.log = log;
    this.appender = appender;
    this.reserve = new SpaceReserve(log.what(), log.indexCount());
    this.faultAt = faultAt(log.what());
    this.stall = faultAt > 0 && System.getProperty(FAULTS_PROPERTY).contains(":stall@");
  }

  /** The append (1-based) that fails by injection on the queue {@code what}, or -1. */
  private static long faultAt(String what) {
    String p = System.getProperty(FAULTS_PROPERTY);
    if (p == null || p.isBlank()) {
      return -1;
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(telemetry|decision):(enospc|stall)@([1-9][0-9]{0,17})")
            .matcher(p.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          FAULTS_PROPERTY
              + " must be <telemetry|decision>:<enospc|stall>@<n>, but was '"
              + p
              + "'");
    }
    return m.group(1).equals(what) ? Long.parseLong(m.group(3)) : -1;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("appender of " + log.path() + " is closed");
    }
    if (failed != null) {
      throw failed;
    }
  }

  /** The injected stall: says so on standard error, then parks this thread until it is killed. */
  private void stallForGood(long n) {
    System.err.println(STALL_LINE + " of the " + log.what() + " queue at append " + n);
    System.err.flush();
    while (true) {
      java.util.concurrent.locks.LockSupport.park(this);
    }
  }

  /** Writes one encoded record: reserves space, copies it in, records the promise. */
  private void write(Bytes<Void> record) {
    long n = ++appends;
    try {
      if (n == faultAt && stall) {
        stallForGood(n);
      }
      if (n == faultAt) {
        throw new DiskFullException(
            "disk full: cannot reserve space for the "
                + log.what()
                + " queue "
                + log.path()
                + " (injected fault at append "
                + n
                + "); every record before it is complete: free space, then resume the run");
      }
      reserve.ensure(appender, record.readRemaining() + 8);
      appender.writeBytes(record);
    } catch (DiskFullException e) {
      failed = e;
      throw e;
    } catch (InternalError e) {
      java.io.File f = appender.currentFile();
      failed =
          new DiskFullException(
              "disk full or I/O error while writing the "
                  + log.what()
                  + " queue file "
                  + (f != null ? f : log.path())
                  + " (a fault in the memory-mapped file: "
                  + ChronicleLog.oneLine(e)
                  + "); the record being written is torn, every record before it is complete:"
                  + " free space, then resume the run",
              e);
      throw failed;
    }
    log.appended(appender.lastIndexAppended());
  }

  @Override
  public void append(Observation o) {
    checkOpen();
    write(writer.observation(o));
  }

  @Override
  public void append(Decision d) {
    checkOpen();
    String bad = Decisions.invalid(d);
    if (bad != null) {
      throw new IllegalArgumentException("decision at step " + d.step + ": " + bad);
    }
    write(writer.decision(d));
  }

  @Override
  public void appendEvent(EventKind kind, long step, double detail) {
    checkOpen();
    if (kind == null) {
      throw new IllegalArgumentException("event kind must not be null");
    }
    if (step < 0) {
      throw new IllegalArgumentException("event step must be >= 0, but was " + step);
    }
    write(writer.event(kind, step, detail));
  }

  @Override
  public void sync() {
    checkOpen();
    log.sync(appender);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        if (failed == null) {
          log.sync(appender);
        }
        appender.close();
        log.unregister(appender);
      } finally {
        writer.close();
        reserve.close();
      }
    }
  }
}
