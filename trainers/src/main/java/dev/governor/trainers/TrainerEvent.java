package dev.governor.trainers;

import dev.governor.telemetry.EventKind;

/**
 * A guard action a governed trainer carried out, for the run's event log: a {@link EventKind#SKIP}
 * (detail: the step whose update was undone), a {@link EventKind#ROLLBACK} (detail: the step of the
 * snapshot restored; NaN when there was none to restore) or a {@link EventKind#RESET} (detail: the
 * last step whose state was discarded).
 *
 * @param step the step before which it happened
 * @param kind {@link EventKind#SKIP}, {@link EventKind#ROLLBACK} or {@link EventKind#RESET}
 * @param detail see above
 * @param message one human-readable line
 */
public record TrainerEvent(long step, EventKind kind, double detail, String message) {}
