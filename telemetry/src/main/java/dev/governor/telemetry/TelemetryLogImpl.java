package dev.governor.telemetry;

/** {@link TelemetryLog} on a {@link ChronicleLog}. */
final class TelemetryLogImpl extends QueueLogBase implements TelemetryLog {

  TelemetryLogImpl(ChronicleLog log) {
    super(log, Records.KIND_OBSERVATION);
  }
}
