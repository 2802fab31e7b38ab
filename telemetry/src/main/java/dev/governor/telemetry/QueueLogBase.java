package dev.governor.telemetry;

import java.nio.file.Path;
import net.openhft.chronicle.queue.ExcerptTailer;

/**
 * What {@link TelemetryLogImpl} and {@link DecisionLogImpl} share: a {@link ChronicleLog} holding
 * records of one main kind, with tailers from the start, a step or the end.
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

  QueueAppender newAppender() {
    return new QueueAppender(log, log.createAppender());
  }

  QueueTailer newTailer() {
    return new QueueTailer(log, log.createTailer(), kind);
  }

  QueueTailer newTailerFromStep(long step) {
    ExcerptTailer t = log.createTailer();
    log.seekStep(t, step);
    return new QueueTailer(log, t, kind);
  }

  QueueTailer newTailerFromEnd() {
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
