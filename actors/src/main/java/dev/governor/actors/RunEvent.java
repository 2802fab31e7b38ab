package dev.governor.actors;

/** Events the actor runtime records in a run's telemetry. */
public enum RunEvent {
  /** A synchronous trainer waited the full bound for a decision; the last decision held. */
  TIMEOUT,
  /** The trainer undid the previous step's update (guard action {@code SKIP}). */
  SKIP,
  /** The trainer restored its newest in-memory snapshot (guard action {@code ROLLBACK}). */
  ROLLBACK,
  /** The trainer actor was restarted after a failure and resumed from its last checkpoint. */
  TRAINER_RESTART,
  /** The controller was (re)started over existing decisions and restored its policy's state. */
  CONTROLLER_RESTART,
  /** A step or a decision failed (the value counts failures so far). */
  FAULT,
  /** Re-running a step or a decision after a restart gave a different result than recorded. */
  REPLAY_MISMATCH,
  /** The trainer restored the state the run started from (guard action {@code RESET}). */
  RESET,
  /**
   * The trainer asked to end the run before its step budget ({@link
   * dev.governor.control.Trainer#stopRequested()}, early stopping); no more steps run.
   */
  EARLY_STOP
}
