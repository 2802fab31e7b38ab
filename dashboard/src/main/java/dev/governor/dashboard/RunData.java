package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.Event;
import dev.governor.telemetry.RecordHandler;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryException;
import dev.governor.telemetry.TelemetryLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One watched run in memory: its telemetry and decision series as columns, its events, and what
 * went wrong (a damaged queue, a deleted folder, no decisions). The queues are opened read-only
 * ({@link RunFolder#readTelemetry()}, {@link RunFolder#readDecisions()}): nothing under the run
 * folder is ever written. A damaged record stops the tailing of that queue (the series read so far
 * stay) and becomes a message; a deleted folder closes the queues. Thread-safe: every method
 * synchronizes on this object. The series read so far, and their JSON, are {@link RunSeries}.
 */
final class RunData implements AutoCloseable {
  /** A run with new steps within this many nanoseconds is "live". */
  private static final long LIVE_NANOS = 10_000_000_000L;

  final String id;
  final Path dir;
  private final RunSeries series = new RunSeries();

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
          series.observation(o);
        }

        @Override
        public void event(Event e) {
          series.event(e);
        }
      };

  private final RecordHandler decHandler =
      new RecordHandler() {
        @Override
        public void decision(Decision d) {
          series.decision(d);
        }

        @Override
        public void event(Event e) {
          if (decEvents != null) {
            decEvents.add(e);
          } else {
            series.event(e);
          }
        }
      };

  /** While {@link #catchUp} reads the decision queue on a second thread: its events. */
  private List<Event> decEvents;

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
    int rows = series.teleRows() + series.decRows();
    int events = series.events();
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
      de.forEach(series::event);
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
      if (series.decRows() == 0 && openFailed(err) == null) {
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
    if (series.teleRows() + series.decRows() != rows || series.events() != events) {
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
        if (series.teleRows() == 0) {
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

  synchronized long lastStep() {
    return series.lastStep();
  }

  /** "live", "idle", "finished", "deleted" or "damaged". */
  synchronized String status(long nowNanos) {
    if (deleted) {
      return "deleted";
    }
    if (headerError != null || teleError != null || decError != null) {
      return "damaged";
    }
    if (finished || series.ended()) {
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

  /**
   * Writes the run's fields (id, status, counts, messages) and then its series from the cursor
   * {@code teleFrom, decFrom, eventFrom} ({@link RunSeries#writeSeries}), under one lock; returns
   * the new cursor.
   */
  synchronized int[] write(
      JsonGenerator g, long nowNanos, int teleFrom, int decFrom, int eventFrom, int buckets)
      throws IOException {
    g.writeStringField("id", id);
    g.writeStringField("runId", runId);
    g.writeStringField("policy", policy);
    g.writeStringField("status", status(nowNanos));
    g.writeNumberField("lastStep", series.lastStep());
    g.writeNumberField("steps", series.teleRows());
    g.writeNumberField("decisions", series.decRows());
    g.writeArrayFieldStart("messages");
    for (String s : messages()) {
      g.writeString(s);
    }
    g.writeEndArray();
    series.writeCounts(g);
    return series.writeSeries(g, teleFrom, decFrom, eventFrom, buckets);
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
