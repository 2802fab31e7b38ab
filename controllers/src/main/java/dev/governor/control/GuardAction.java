package dev.governor.control;

/**
 * What the spike guard asks the trainer to do before its next step, in escalating order.
 *
 * <p>A decision made after observing step {@code t} carries one of these; the trainer applies it
 * before running step {@code t + 1}:
 *
 * <ul>
 *   <li>{@link #NONE} — run the next step normally.
 *   <li>{@link #CLIP} — a spike was seen; the decision's clip threshold has already been tightened.
 *       Nothing extra for the trainer to do: the threshold in the decision is the action.
 *   <li>{@link #SKIP} — undo the update of step {@code t} (parameters and optimizer state as they
 *       were before it), then run step {@code t + 1} on the next batch.
 *   <li>{@link #ROLLBACK} — restore the newest in-memory snapshot the trainer holds (a ring of
 *       recent states) and continue with the (already cut) learning rate in the decision.
 *   <li>{@link #RESET} — restore the state the run started from (parameters, optimizer state and
 *       iteration count as before step 0), empty the snapshot ring (its snapshots belong to the
 *       discarded trajectory), and continue with the decision's learning rate. The step counter
 *       goes on: the steps before the reset count against the budget. This is how an LR range test
 *       returns to the untouched model after its sweep, as fastai's {@code lr_find} does.
 * </ul>
 *
 * <p>The spike guard escalates through {@code CLIP … ROLLBACK} only; {@code RESET} is requested by
 * a policy, never by the guard.
 */
public enum GuardAction {
  NONE,
  CLIP,
  SKIP,
  ROLLBACK,
  RESET;

  /** The stable one-byte code used on disk; never reorder the constants. */
  public byte code() {
    return (byte) ordinal();
  }

  /**
   * The action for an on-disk code.
   *
   * @throws IllegalArgumentException naming the code when it is not one of ours
   */
  public static GuardAction ofCode(int code) {
    GuardAction[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException(
          "guard action code must be in [0, " + (all.length - 1) + "], but was " + code);
    }
    return all[code];
  }
}
