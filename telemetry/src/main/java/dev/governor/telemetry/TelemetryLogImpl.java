package dev.governor.telemetry;

import java.nio.file.Path;
import net.openhft.chronicle.queue.ExcerptTailer;

/** {@link TelemetryLog} on a {@link ChronicleLog}. */
final class TelemetryLogImpl implements TelemetryLog {
  private final ChronicleLog log;

  TelemetryLogImpl(ChronicleLog log) {
    this.log = log;
  }

  @Override
  public Path path() {
    return log.path();
  }

  @Override
  public Appender appender() {
    return new QueueAppender(log, log.createAppender());
  }

  @Override
  public Tailer tailer() {
    return new QueueTailer(log, log.createTailer(), Records.KIND_OBSERVATION);
  }

  @Override
  public Tailer tailerFromStep(long step) {
    ExcerptTailer t = log.createTailer();
    log.seekStep(t, step);
    return new QueueTailer(log, t, Records.KIND_OBSERVATION);
  }

  @Override
  public Tailer tailerFromEnd() {
    ExcerptTailer t = log.createTailer();
    try {
      t.toEnd();
    } catch (RuntimeException e) {
      throw log.readFailure(t, e);
    }
    return new QueueTailer(log, t, Records.KIND_OBSERVATION);
  }

  @Override
  public LogScan scan() {
    return log.scan(Records.KIND_OBSERVATION);
  }

  @Override
  public void close() {
    log.close();
  }
}
