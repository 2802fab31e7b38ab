package dev.governor.telemetry;

/** {@link DecisionLog} on a {@link ChronicleLog}. */
final class DecisionLogImpl extends QueueLogBase implements DecisionLog {

  DecisionLogImpl(ChronicleLog log) {
    super(log, Records.KIND_DECISION);
  }
}
