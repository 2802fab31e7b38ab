package dev.governor.telemetry;

import java.nio.file.Path;
import net.openhft.chronicle.queue.ExcerptTailer;

/**
 * A {@link RecordLog} on a {@link ChronicleLog} holding records of one main kind: {@link
 * TelemetryLogImpl} and {@link DecisionLogImpl} are this with their kind. Its appenders and tailers
 * implement both typed interfaces.
 */
abstract class QueueLogBase implements AutoCloseable {
  final ChronicleLog log;
  private final int kind;

  QueueLogBase(ChronicleLog log, int kind) {
    this.log = log;
    this.kind = kind;
  }

  public Path path() {
    return log.path();
  }

  public QueueAppender appender() {
    return new QueueAppender(log, log.createAppender());
  }

  public QueueTailer tailer() {
    return new QueueTailer(log, log.createTailer(), kind);
  }

  public QueueTailer tailerFromStep(long step) {
    ExcerptTailer t = log.createTailer();
    log.seekStep(t, step);
    return new QueueTailer(log, t, kind);
  }

  public QueueTailer tailerFromEnd() {
    ExcerptTailer t = log.createTailer();
    try {
      t.toEnd();
    } catch (RuntimeException | InternalError e) {
      throw log.readFailure(t, e);
    }
    return new QueueTailer(log, t, kind);
  }

  public LogScan scan() {
    return log.scan(kind);
  }

  @Override
  public void close() {
    log.close();
  }
}
