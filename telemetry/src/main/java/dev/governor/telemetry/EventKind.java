package dev.governor.telemetry;

/**
 * What an {@link Event} reports. Each kind has a stable one-byte code on disk; never reorder the
 * constants (add new ones at the end).
 */
public enum EventKind {
  /** A measurement fault: a NaN/Inf input the policy had to hold through; detail = the value. */
  FAULT,
  /** A decision was clamped to its bounds; detail = the unclamped value. */
  CLAMP,
  /** The trainer's bounded wait for a decision timed out; detail = the wait in steps or ms. */
  TIMEOUT,
  /** The trainer undid a step's update (guard SKIP); detail = the loss that triggered it. */
  SKIP,
  /** The trainer rolled back to a snapshot; detail = the step it rolled back to. */
  ROLLBACK,
  /** A process (controller or trainer) restarted and resumed; detail = the step it resumed at. */
  RESTART,
  /**
   * The loop latency of a step (actor runtime): detail = nanoseconds from the step's observation
   * appended to its decision applied by the trainer; NaN when not measurable.
   */
  LATENCY,
  /**
   * A decision applied late (asynchronous mode): detail = the delay in steps between the step it
   * was made after and the step before the one it was applied at.
   */
  DELAY,
  /** The trainer ran its last step; detail = that step. An out-of-process controller then stops. */
  END,
  /**
   * The trainer restored the state the run started from (guard action {@code RESET}, e.g. after an
   * LR range test's sweep); detail = the step whose state was discarded.
   */
  RESET,
  /**
   * A step of a data-parallel run was decided without every rank's observation (a rank did not
   * report it); detail = how many of the ranks were missing. The decision is the one made on the
   * ranks that reported.
   */
  RANK_MISSING,
  /**
   * Early stopping ended the run before its step budget (the validation metric stopped improving,
   * or the generalization gap kept rising); step = the last step run, detail = the step of the best
   * evaluation (whose parameters a {@code restore-best} run keeps), NaN when there was none.
   */
  EARLY_STOP;

  /** The stable on-disk code. */
  public byte code() {
    return (byte) ordinal();
  }

  /**
   * The kind for an on-disk code.
   *
   * @throws IllegalArgumentException naming the code when it is not one of ours
   */
  public static EventKind ofCode(int code) {
    EventKind[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException(
          "event kind code must be in [0, " + (all.length - 1) + "], but was " + code);
    }
    return all[code];
  }
}
