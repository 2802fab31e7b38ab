package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import java.io.IOException;
import java.util.Iterator;

/**
 * The TensorBoard export of a run ({@link Interchange#TF_TAGS}): one event per step with the
 * observation's scalars, the decision made after it and the guard events carried out at it.
 */
final class TfEventsExport {
  private TfEventsExport() {}

  /**
   * Writes the telemetry as TensorBoard events: one event per step (strictly increasing steps: a
   * step already written is not written again, so TensorBoard shows no duplicates, and no {@code
   * SessionLog.START} is ever written, so it purges nothing). Guard events go to the step they were
   * carried out at.
   */
  static long write(Iterator<LogRecord> tt, Interchange.Joiner j, TfEvents tf) throws IOException {
    TfWriter w = new TfWriter(j, tf);
    while (tt.hasNext()) {
      LogRecord r = tt.next();
      if (r instanceof LogRecord.Observed o) {
        w.observation(o.observation());
      } else if (r instanceof LogRecord.Occurred e) {
        w.event(e.event());
      }
      w.rethrow();
    }
    w.flush();
    w.rethrow();
    return w.rows;
  }

  /** Gathers an observation and the guard events of its step, then writes them as one event. */
  private static final class TfWriter {
    private final Interchange.Joiner j;
    private final TfEvents tf;
    private Observation pending;
    private long step = -1;
    private final boolean[] guard = new boolean[3];
    private long written = -1;
    private IOException failed;
    long rows;

    TfWriter(Interchange.Joiner j, TfEvents tf) {
      this.j = j;
      this.tf = tf;
    }

    void observation(Observation o) {
      flush();
      if (o.step() > written) {
        pending = o;
        step = o.step();
      }
    }

    void event(Event e) {
      int g =
          switch (e.kind()) {
            case SKIP -> 0;
            case ROLLBACK -> 1;
            case RESET -> 2;
            default -> -1;
          };
      if (g < 0) {
        return;
      }
      if (e.step() != step) {
        flush();
        if (e.step() <= written) {
          return;
        }
        step = e.step();
      }
      guard[g] = true;
    }

    void flush() {
      if (failed == null && step >= 0) {
        try {
          if (pending != null) {
            tfRow(tf, pending, j.at(step));
            rows++;
          }
          if (guard[0]) {
            tf.scalar("guard/skip", 1);
          }
          if (guard[1]) {
            tf.scalar("guard/rollback", 1);
          }
          if (guard[2]) {
            tf.scalar("guard/reset", 1);
          }
          tf.endStep(step);
          written = step;
        } catch (IOException e) {
          failed = e;
        }
      }
      pending = null;
      step = -1;
      java.util.Arrays.fill(guard, false);
    }

    void rethrow() throws IOException {
      if (failed != null) {
        throw failed;
      }
    }
  }

  private static void tfRow(TfEvents tf, Observation o, Decision d) {
    tf.scalar("loss", o.loss());
    tf.scalar("grad_norm", o.gradNorm());
    tf.scalar("lr", o.lr());
    if (o.clip() != Double.POSITIVE_INFINITY) {
      tf.scalar("clip", o.clip());
    }
    tf.scalar("wd", o.weightDecay());
    tf.scalar("effective_lr", o.effectiveLr());
    tf.scalar("val_loss", o.valLoss());
    tf.scalar("param_norm", o.paramNorm());
    tf.scalar("update_norm", o.updateNorm());
    tf.scalar("epoch", o.epoch());
    if (d != null) {
      tf.scalar("decided/lr", d.lr);
      if (d.clip != Double.POSITIVE_INFINITY) {
        tf.scalar("decided/clip", d.clip);
      }
      tf.scalar("decided/wd", d.weightDecay);
    }
  }
}
