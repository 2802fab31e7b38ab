package dev.governor.control;

/**
 * The restart at the start of a run, shared by {@code pi}'s LR loop ({@link LrLoop}) and the gear
 * of every other policy ({@link GearedPolicy}), so both restart on exactly the same steps.
 *
 * <p>Within {@link #WINDOW} steps of the start or of the last restart, a loss above {@code factor}
 * × the run's first positive finite loss, or a loss that is infinite, means the initial step was
 * too long for the plant: the caller decides RESET (the start state is restored) and lowers the LR
 * to the safety cut's target {@code min(η·cut, 1/ŝ)}, at most {@link #MAX} times — a backtracking
 * line search on the first steps. It undoes what a cut alone cannot: on a logistic regression a
 * step far too long drives the weights into the sigmoids' flat tails, where the loss is high but no
 * longer grows geometrically and the gradient is too small for any later LR to bring the weights
 * back. A NaN loss is not measured (no restart, and not the reference).
 *
 * <p>Allocation-free; not thread-safe.
 */
final class StartRestart {
  /** Steps after the start (or a restart) in which a loss rise restarts the run. */
  static final long WINDOW = 10;

  /** Restarts per run at most: halvings by the default cut that span four decades of LR. */
  static final int MAX = 14;

  private final double factor;
  private double firstLoss = Double.NaN;
  private long since;
  private int restarts;

  /**
   * @param factor loss factor over the first loss, {@code > 1}; 0 = never restart
   */
  StartRestart(double factor) {
    if (!(factor == 0 || factor > 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("restart must be 0 (off) or > 1, but was " + factor);
    }
    this.factor = factor;
  }

  /** Whether the step with loss {@code loss} restarts the run (then counted). */
  boolean check(double loss) {
    if (factor == 0) {
      return false;
    }
    boolean due =
        !Double.isNaN(firstLoss)
            && since <= WINDOW
            && restarts < MAX
            && (loss == Double.POSITIVE_INFINITY || loss > factor * firstLoss);
    if (Double.isNaN(firstLoss) && loss > 0 && loss < Double.POSITIVE_INFINITY) {
      firstLoss = loss;
    }
    since++;
    if (due) {
      restarts++;
      since = 0;
    }
    return due;
  }

  void writeState(PolicyState.Writer w) {
    w.putDouble(firstLoss).putLong(since).putInt(restarts);
  }

  void readState(PolicyState.Reader r) {
    double fl = r.getDouble();
    long s = r.getLong();
    int n = r.getInt();
    if (!(Double.isNaN(fl) || fl > 0) || s < 0 || n < 0 || n > MAX) {
      throw new IllegalArgumentException(
          "restart state must have a first loss > 0 or NaN, steps >= 0 and restarts in [0, "
              + MAX
              + "], but had "
              + fl
              + ", "
              + s
              + ", "
              + n);
    }
    firstLoss = fl;
    since = s;
    restarts = n;
  }
}
