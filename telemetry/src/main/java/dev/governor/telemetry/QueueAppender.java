package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Appends Governor records to one queue: one Chronicle document per record, fields written straight
 * into its bytes. Implements both typed appenders; each log exposes only its own.
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
    try (DocumentContext dc = appender.writingDocument()) {
      writer.start(dc.wire().bytes(), Records.KIND_OBSERVATION, o.step()).observation(o);
      writer.finish();
    }
  }

  @Override
  public void append(Decision d) {
    checkOpen();
    String bad = Decisions.invalid(d);
    if (bad != null) {
      throw new IllegalArgumentException("decision at step " + d.step + ": " + bad);
    }
    try (DocumentContext dc = appender.writingDocument()) {
      writer.start(dc.wire().bytes(), Records.KIND_DECISION, d.step).decision(d);
      writer.finish();
    }
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
    try (DocumentContext dc = appender.writingDocument()) {
      writer.start(dc.wire().bytes(), Records.KIND_EVENT, step).event(kind, detail);
      writer.finish();
    }
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
      log.sync(appender);
      appender.close();
      log.unregister(appender);
    }
  }
}
