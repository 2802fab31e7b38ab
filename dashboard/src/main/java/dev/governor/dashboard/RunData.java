package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.RecordHandler;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryException;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One watched run in memory: its telemetry and decision series as columns, its events, and what
 * went wrong (a damaged queue, a deleted folder, no decisions). The queues are opened read-only
 * ({@link RunFolder#readTelemetry()}, {@link RunFolder#readDecisions()}): nothing under the run
 * folder is ever written. A damaged record stops the tailing of that queue (the series read so far
 * stay) and becomes a message; a deleted folder closes the queues. Thread-safe: every method
 * synchronizes on this object.
 *
 * <p>NaN and ±Inf measurements are kept as read and written to JSON as {@code "NaN"}, {@code
 * "Infinity"} and {@code "-Infinity"} (the encoding of {@link dev.governor.report.Json}; the page
 * draws a gap).
 */
final class RunData implements AutoCloseable {
  /** Telemetry columns: one row per observation. */
  static final List<String> TELE =
      List.of("step", "loss", "valLoss", "lr", "clip", "gradNorm", "wd", "updateRatio");

  /**
   * Decision columns: one row per decision (its step is the observation it followed); pv / sp are
   * each loop's filtered process variable and setpoint (measurement + error).
   */
  static final List<String> DEC =
      List.of(
          "step", "lr", "clip", "wd", "lrPv", "lrSp", "clipPv", "clipSp", "wdPv", "wdSp", "action");

  /** Event kinds marked on the time axis and listed one by one; others are only counted. */
  static final Set<EventKind> MARKED =
      EnumSet.of(EventKind.SKIP, EventKind.ROLLBACK, EventKind.TIMEOUT, EventKind.RESTART);

  /** At most this many marked events are kept (the newest). */
  static final int MAX_MARKED = 5000;

  /** A run with new steps within this many nanoseconds is "live". */
  private static final long LIVE_NANOS = 10_000_000_000L;

  final String id;
  final Path dir;
  private final Table tele = new Table(TELE);
  private final Table dec = new Table(DEC);
  private final List<Event> marked = new ArrayList<>();
  private long markedDropped;
  private final EnumMap<EventKind, Long> counts = new EnumMap<>(EventKind.class);

  private String policy = "";
  private String runId = "";
  private TelemetryLog tlog;
  private TelemetryLog.Tailer tt;
  private DecisionLog dlog;
  private DecisionLog.Tailer dt;
  private String headerError;
  private String teleError;
  private String decError;

  /**
   * Failed opens of the run so far (folder checks): the error stands only at {@link #OPEN_ATTEMPTS}
   * (a run being created, its queue files half-written by the writer, opens at a later check).
   */
  private int openFailures;

  /** A telemetry read that failed before any record, decided after both queues were read. */
  private String pendingTeleError;

  /** Folder checks (about one a second) an open may fail before the run counts as damaged. */
  static final int OPEN_ATTEMPTS = 3;

  private boolean deleted;
  private boolean ended;
  private boolean finished;
  private long lastGrowthNanos = Long.MIN_VALUE;
  private long version;
  private boolean closed;

  int subscribers;
  long releasedAtNanos;

  RunData(String id, Path dir) {
    this.id = id;
    this.dir = dir;
  }

  private final RecordHandler teleHandler =
      new RecordHandler() {
        @Override
        public void observation(Observation o) {
          double[] r = tele.row();
          r[0] = o.step();
          r[1] = o.loss();
          r[2] = o.valLoss();
          r[3] = o.lr();
          r[4] = o.clip();
          r[5] = o.gradNorm();
          r[6] = o.weightDecay();
          r[7] = o.updateNorm() / o.paramNorm();
          tele.add();
        }

        @Override
        public void event(Event e) {
          addEvent(e);
        }
      };

  private final RecordHandler decHandler =
      new RecordHandler() {
        @Override
        public void decision(Decision d) {
          double[] r = dec.row();
          r[0] = d.step;
          r[1] = d.lr;
          r[2] = d.clip;
          r[3] = d.weightDecay;
          r[4] = d.lrMeasurement;
          r[5] = d.lrMeasurement + d.lrError;
          r[6] = d.clipMeasurement;
          r[7] = d.clipMeasurement + d.clipError;
          r[8] = d.wdMeasurement;
          r[9] = d.wdMeasurement + d.wdError;
          r[10] = d.action.ordinal();
          dec.add();
        }

        @Override
        public void event(Event e) {
          if (decEvents != null) {
            decEvents.add(e);
          } else {
            addEvent(e);
          }
        }
      };

  /** While {@link #catchUp} reads the decision queue on a second thread: its events. */
  private List<Event> decEvents;

  private void addEvent(Event e) {
    counts.merge(e.kind(), 1L, Long::sum);
    if (e.kind() == EventKind.END) {
      ended = true;
    }
    if (MARKED.contains(e.kind())) {
      if (marked.size() == MAX_MARKED) {
        marked.remove(0);
        markedDropped++;
      }
      marked.add(e);
    }
  }

  /**
   * Reads what is new, at most {@code max} records per queue; opens the queues once they exist.
   * Returns whether anything changed (rows, events or status).
   */
  synchronized boolean poll(int max, boolean checkFolder, long nowNanos) {
    if (closed || deleted) {
      return false;
    }
    long before = version;
    if (checkFolder) {
      if (!Files.isDirectory(dir)) {
        deleted = true;
        closeQueues();
        version++;
        return true;
      }
      if (tlog == null && headerError == null) {
        try {
          RunFolder f = RunFolder.open(dir);
          runId = f.header().runId();
          policy = f.header().policy().toString();
          if (f.hasTelemetry()) {
            tlog = f.readTelemetry();
            tt = tlog.tailer();
          }
        } catch (TelemetryException e) {
          headerError = openFailed(e.getMessage());
        }
      }
      if (dlog == null && tlog != null && decError == null) {
        try {
          RunFolder f = RunFolder.open(dir);
          if (f.hasDecisions()) {
            dlog = f.readDecisions();
            dt = dlog.tailer();
            version++;
          }
        } catch (TelemetryException e) {
          decError = openFailed(e.getMessage());
        }
      }
      boolean fin = Files.exists(dir.resolve("summary.json"));
      if (fin != finished) {
        finished = fin;
        version++;
      }
    }
    int rows = tele.size() + dec.size();
    int events = counts.values().stream().mapToInt(Long::intValue).sum();
    if (parallel && dt != null && decError == null) {
      // the first read of a long run: the decision queue on a second thread (2 cores: ~2x)
      decEvents = new ArrayList<>();
      Thread t = new Thread(() -> readDecisions(max), "dashboard-open-" + id);
      t.start();
      readTelemetry(max);
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      List<Event> de = decEvents;
      decEvents = null;
      de.forEach(this::addEvent);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    } else {
      readTelemetry(max);
      readDecisions(max);
    }
    if (pendingTeleError != null) {
      // nothing was read yet: the queue may still be being created, so it is opened again at the
      // next folder check, unless that has failed too often
      String err = pendingTeleError;
      pendingTeleError = null;
      if (dec.size() == 0 && openFailed(err) == null) {
        dropQueues();
      } else {
        teleError = err;
        version++;
      }
    }
    if (decError != null && !decErrorSeen) {
      decErrorSeen = true;
      version++;
    }
    int events2 = counts.values().stream().mapToInt(Long::intValue).sum();
    if (tele.size() + dec.size() != rows || events2 != events) {
      lastGrowthNanos = nowNanos;
      version++;
    }
    return version != before;
  }

  private void readTelemetry(int max) {
    if (tt != null && teleError == null) {
      try {
        for (int i = 0; i < max && tt.poll(teleHandler); i++) {
          // read on
        }
      } catch (TelemetryException e) {
        if (tele.size() == 0) {
          pendingTeleError = e.getMessage();
        } else {
          teleError = e.getMessage();
          version++;
        }
      }
    }
  }

  /**
   * Counts a failed open of the run; returns the error once {@link #OPEN_ATTEMPTS} folder checks in
   * a row have failed, else null (try again at the next check).
   */
  private String openFailed(String message) {
    openFailures++;
    if (openFailures < OPEN_ATTEMPTS) {
      return null;
    }
    version++;
    return message;
  }

  /** Closes and forgets the queues, to open them again at the next folder check. */
  private void dropQueues() {
    try {
      closeQueues();
    } catch (RuntimeException e) {
      // a half-created queue may fail to close; nothing is left to release
    }
    tt = null;
    tlog = null;
    dt = null;
    dlog = null;
  }

  /** Reads the decision queue; on the second thread of {@link #catchUp} touches only its own. */
  private void readDecisions(int max) {
    if (dt != null && decError == null) {
      try {
        for (int i = 0; i < max && dt.poll(decHandler); i++) {
          // read on
        }
      } catch (TelemetryException e) {
        decError = e.getMessage();
      }
    }
  }

  /** Reads everything there is now (the first open of a run), both queues at once. */
  synchronized void catchUp(long nowNanos) {
    parallel = true;
    try {
      poll(Integer.MAX_VALUE, true, nowNanos);
    } finally {
      parallel = false;
    }
  }

  private boolean parallel;
  private boolean decErrorSeen;

  synchronized long version() {
    return version;
  }

  synchronized int teleRows() {
    return tele.size();
  }

  synchronized int decRows() {
    return dec.size();
  }

  synchronized int markedCount() {
    return marked.size() + (int) markedDropped;
  }

  synchronized long lastStep() {
    return tele.lastStep();
  }

  /** "live", "idle", "finished", "deleted" or "damaged". */
  synchronized String status(long nowNanos) {
    if (deleted) {
      return "deleted";
    }
    if (headerError != null || teleError != null || decError != null) {
      return "damaged";
    }
    if (finished || ended) {
      return "finished";
    }
    return nowNanos - lastGrowthNanos < LIVE_NANOS ? "live" : "idle";
  }

  /** What the page should say about this run (empty when all is well). */
  synchronized List<String> messages() {
    List<String> m = new ArrayList<>();
    if (deleted) {
      m.add("The run folder " + dir + " was deleted; the series read before stay on the page.");
    }
    if (headerError != null) {
      m.add("Cannot read the run: " + headerError);
    }
    if (teleError != null) {
      m.add("The telemetry queue is damaged; reading stopped there: " + teleError);
    }
    if (decError != null) {
      m.add("The decision queue is damaged; reading stopped there: " + decError);
    }
    if (!deleted && headerError == null && tlog == null) {
      m.add("No telemetry recorded yet.");
    }
    if (!deleted && tlog != null && dlog == null && decError == null) {
      m.add("This run has no decisions (telemetry only): no decided values or loop internals.");
    }
    return m;
  }

  /** The run's fields other than its series. */
  synchronized void writeHeader(JsonGenerator g, long nowNanos) throws IOException {
    g.writeStringField("id", id);
    g.writeStringField("runId", runId);
    g.writeStringField("policy", policy);
    g.writeStringField("status", status(nowNanos));
    g.writeNumberField("lastStep", tele.lastStep());
    g.writeNumberField("steps", tele.size());
    g.writeNumberField("decisions", dec.size());
    g.writeArrayFieldStart("messages");
    for (String s : messages()) {
      g.writeString(s);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("eventCounts");
    for (Map.Entry<EventKind, Long> e : counts.entrySet()) {
      g.writeNumberField(e.getKey().name(), e.getValue());
    }
    g.writeEndObject();
  }

  /**
   * Writes rows {@code [teleFrom, teleRows)} and {@code [decFrom, decRows)} (downsampled to {@code
   * buckets} when longer) and the marked events from {@code eventFrom}; returns the new cursor
   * {teleRows, decRows, events}.
   */
  synchronized int[] writeSeries(
      JsonGenerator g, int teleFrom, int decFrom, int eventFrom, int buckets) throws IOException {
    g.writeFieldName("tele");
    writeTable(g, tele, teleFrom, buckets);
    g.writeFieldName("dec");
    writeTable(g, dec, decFrom, buckets);
    int total = marked.size() + (int) markedDropped;
    int start = Math.max(0, eventFrom - (int) markedDropped);
    g.writeArrayFieldStart("events");
    for (int i = start; i < marked.size(); i++) {
      Event e = marked.get(i);
      g.writeStartArray();
      g.writeString(e.kind().name());
      g.writeNumber(e.step());
      writeNumber(g, e.detail());
      g.writeEndArray();
    }
    g.writeEndArray();
    return new int[] {tele.size(), dec.size(), total};
  }

  private static void writeTable(JsonGenerator g, Table t, int from, int buckets)
      throws IOException {
    int to = t.size();
    double[][] cols = t.columns();
    int[] rows = Downsample.minMaxRows(cols, Math.min(from, to), to, buckets);
    g.writeStartObject();
    g.writeNumberField("from", from);
    g.writeNumberField("to", to);
    g.writeNumberField("rows", rows.length);
    g.writeArrayFieldStart("cols");
    for (double[] c : cols) {
      g.writeStartArray();
      for (int r : rows) {
        writeNumber(g, c[r]);
      }
      g.writeEndArray();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /**
   * A number: an integral value without a fraction, NaN and ±Inf as the generator's factory spells
   * them ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} for {@link
   * dev.governor.report.Json#MAPPER}'s, which the server uses).
   */
  static void writeNumber(JsonGenerator g, double v) throws IOException {
    if (!Double.isFinite(v)) {
      g.writeNumber(v);
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      g.writeNumber((long) v);
    } else {
      g.writeNumber(v);
    }
  }

  private void closeQueues() {
    if (tt != null) {
      tt.close();
      tt = null;
    }
    if (tlog != null) {
      tlog.close();
    }
    if (dt != null) {
      dt.close();
      dt = null;
    }
    if (dlog != null) {
      dlog.close();
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        closeQueues();
      } catch (RuntimeException e) {
        // a queue of a deleted or damaged folder may fail to close; nothing is left to release
      }
    }
  }
}
