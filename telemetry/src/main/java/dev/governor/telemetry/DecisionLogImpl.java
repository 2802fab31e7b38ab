package dev.governor.telemetry;

/** {@link DecisionLog} on a {@link ChronicleLog}. */
final class DecisionLogImpl extends QueueLogBase implements DecisionLog {

  DecisionLogImpl(ChronicleLog log) {
    super(log, Records.KIND_DECISION);
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
