package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import net.openhft.chronicle.queue.ExcerptAppender;

/**
 * Appends Governor records to one queue: one Chronicle document per record, encoded into a reused
 * off-heap buffer and copied into the queue by one {@link ExcerptAppender#writeBytes} (which,
 * unlike {@code writingDocument()}, does not re-derive the last sequence number for every record).
 * Implements both typed appenders; each log exposes only its own.
 */
final class QueueAppender implements TelemetryLog.Appender, DecisionLog.Appender {
  private final ChronicleLog log;
  private final ExcerptAppender appender;
  private final Records.Writer writer = new Records.Writer();
  private boolean closed;

  QueueAppender(ChronicleLog log, ExcerptAppender appender) {
    this.log = log;
    this.appender = appender;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("appender of " + log.path() + " is closed");
    }
  }

  @Override
  public void append(Observation o) {
    checkOpen();
    appender.writeBytes(writer.observation(o));
  }

  @Override
  public void append(Decision d) {
    checkOpen();
    String bad = Decisions.invalid(d);
    if (bad != null) {
      throw new IllegalArgumentException("decision at step " + d.step + ": " + bad);
    }
    appender.writeBytes(writer.decision(d));
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
    appender.writeBytes(writer.event(kind, step, detail));
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
        log.sync(appender);
        appender.close();
        log.unregister(appender);
      } finally {
        writer.close();
      }
    }
  }
}
