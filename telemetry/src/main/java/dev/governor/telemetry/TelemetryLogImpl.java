package dev.governor.telemetry;

/** {@link TelemetryLog} on a {@link ChronicleLog}. */
final class TelemetryLogImpl extends QueueLogBase implements TelemetryLog {

  TelemetryLogImpl(ChronicleLog log) {
    super(log, Records.KIND_OBSERVATION);
  }

  @Override
  public Appender appender() {
    return newAppender();
  }

  @Override
  public Tailer tailer() {
    return newTailer();
  }

  @Override
  public Tailer tailerFromStep(long step) {
    return newTailerFromStep(step);
  }

  @Override
  public Tailer tailerFromEnd() {
    return newTailerFromEnd();
  }
}
