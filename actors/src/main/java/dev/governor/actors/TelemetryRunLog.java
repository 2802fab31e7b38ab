package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.DecisionLog;
import dev.governor.telemetry.EventKind;
import dev.governor.telemetry.LogRecord;
import dev.governor.telemetry.RunFolder;
import dev.governor.telemetry.TelemetryException;
import dev.governor.telemetry.TelemetryLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link RunLog} over the telemetry module's {@link TelemetryLog} and {@link DecisionLog} of a run
 * folder. Appenders are opened on first use (a trainer appends only telemetry, a controller only
 * decisions); every appender and tailer is closed with the instance.
 *
 * <p>Runtime events map to telemetry's {@link EventKind}s: time-out, skip, rollback and restart to
 * their namesakes, a replay mismatch to {@code FAULT}; the loop latency of a step is a {@code
 * LATENCY} event (detail = nanoseconds), a non-zero loop delay a {@code DELAY} event (detail =
 * steps), and the end of the run an {@code END} event (detail = the last step).
 */
final class TelemetryRunLog implements RunLog {
  private final Path dir;
  private final TelemetryLog telemetry;
  private final DecisionLog decisions;
  private final List<AutoCloseable> tailers = new ArrayList<>();
  private TelemetryLog.Appender telemetryOut;
  private DecisionLog.Appender decisionsOut;
  private boolean closed;

  private TelemetryRunLog(Path dir, TelemetryLog telemetry, DecisionLog decisions) {
    this.dir = dir;
    this.telemetry = telemetry;
    this.decisions = decisions;
  }

  /**
   * Opens the queues of the run folder {@code dir} (which must hold a {@code run.json}).
   *
   * @throws dev.governor.telemetry.TelemetryException naming the folder when it is not a run
   */
  static RunLog open(Path dir) {
    RunFolder folder = RunFolder.open(dir);
    TelemetryLog t = folder.openTelemetry();
    try {
      return new TelemetryRunLog(folder.dir(), t, folder.openDecisions());
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /**
   * Opens the run's queues, retrying for up to {@code patience} while they are being created by
   * another thread or process: the telemetry module's file check reports a queue file whose header
   * is not yet written as damaged, which is only true once its creator has had time to write it.
   *
   * @throws dev.governor.telemetry.TelemetryException the last failure when {@code patience} ran
   *     out
   */
  static RunLog openWhenReady(Path dir, Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try {
        return open(dir);
      } catch (TelemetryException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        LockSupport.parkNanos(20_000_000L);
      }
    }
  }

  /** {@link #openWhenReady(Path, Duration)} with the patience the actors use (5 s). */
  static RunLog openPatiently(Path dir) {
    return openWhenReady(dir, Duration.ofSeconds(5));
  }

  @Override
  public Path dir() {
    return dir;
  }

  private TelemetryLog.Appender telemetryOut() {
    if (telemetryOut == null) {
      telemetryOut = telemetry.appender();
    }
    return telemetryOut;
  }

  private DecisionLog.Appender decisionsOut() {
    if (decisionsOut == null) {
      decisionsOut = decisions.appender();
    }
    return decisionsOut;
  }

  @Override
  public void append(Observation o) {
    telemetryOut().append(o);
  }

  @Override
  public void append(Decision d) {
    decisionsOut().append(d);
  }

  @Override
  public void event(long step, RunEvent kind, double value) {
    telemetryOut().appendEvent(kindOf(kind), Math.max(0, step), value);
  }

  @Override
  public void decisionEvent(long step, RunEvent kind, double value) {
    decisionsOut().appendEvent(kindOf(kind), Math.max(0, step), value);
  }

  private static EventKind kindOf(RunEvent e) {
    return switch (e) {
      case TIMEOUT -> EventKind.TIMEOUT;
      case SKIP -> EventKind.SKIP;
      case ROLLBACK -> EventKind.ROLLBACK;
      case RESET -> EventKind.RESET;
      case EARLY_STOP -> EventKind.EARLY_STOP;
      case TRAINER_RESTART, CONTROLLER_RESTART -> EventKind.RESTART;
      case FAULT, REPLAY_MISMATCH -> EventKind.FAULT;
    };
  }

  @Override
  public void loop(long step, long latencyNanos, long delaySteps) {
    TelemetryLog.Appender out = telemetryOut();
    out.appendEvent(EventKind.LATENCY, step, latencyNanos < 0 ? Double.NaN : latencyNanos);
    if (delaySteps != 0) {
      out.appendEvent(EventKind.DELAY, step, delaySteps);
    }
  }

  @Override
  public void end(long lastStep) {
    TelemetryLog.Appender out = telemetryOut();
    out.appendEvent(EventKind.END, Math.max(0, lastStep), lastStep);
    out.sync();
  }

  @Override
  public long lastObservationStep() {
    return telemetry.lastObservedStep();
  }

  @Override
  public long lastDecisionStep() {
    return decisions.lastDecidedStep();
  }

  @Override
  public ObservationCursor observationsFrom(long step) {
    TelemetryLog.Tailer t = step <= 0 ? telemetry.tailer() : telemetry.tailerFromStep(step);
    tailers.add(t);
    return new Observations(t, step);
  }

  @Override
  public DecisionCursor decisionsFrom(long step) {
    DecisionLog.Tailer t = step <= 0 ? decisions.tailer() : decisions.tailerFromStep(step);
    tailers.add(t);
    return into -> t.pollFrom(step, into);
  }

  /** Observations from a step on; notes the end mark when it passes it. */
  private static final class Observations implements ObservationCursor {
    private final TelemetryLog.Tailer tailer;
    private final long from;
    private long endedAfter = -2;

    Observations(TelemetryLog.Tailer tailer, long from) {
      this.tailer = tailer;
      this.from = from;
    }

    @Override
    public Observation next() {
      for (LogRecord r = tailer.next(); r != null; r = tailer.next()) {
        if (r instanceof LogRecord.Observed o && o.step() >= from) {
          return o.observation();
        }
        if (r instanceof LogRecord.Occurred e && e.event().kind() == EventKind.END) {
          endedAfter = (long) e.event().detail();
        }
      }
      return null;
    }

    @Override
    public long endedAfter() {
      return endedAfter;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      for (AutoCloseable t : tailers) {
        try {
          t.close();
        } catch (Exception e) {
          // closing a tailer of a log being closed: nothing to keep
        }
      }
      if (telemetryOut != null) {
        telemetryOut.close();
      }
      if (decisionsOut != null) {
        decisionsOut.close();
      }
    } finally {
      try {
        telemetry.close();
      } finally {
        decisions.close();
      }
    }
  }
}
