package dev.governor.control;

/**
 * The restart at the start of a run, shared by {@code pi}'s LR loop ({@link LrLoop}) and the gear
 * of every other policy ({@link GearedPolicy}), so both restart on exactly the same steps.
 *
 * <p>Within {@link #WINDOW} steps of the start or of the last restart, a loss above {@code factor}
 * × the run's first positive finite loss, or a loss that is infinite, or a step that moved the
 * parameters by more than {@code maxMove} of their norm, means the initial step was too long for
 * the plant: the caller decides RESET (the start state is restored) and lowers the LR to the safety
 * cut's target {@code min(η·cut, 1/ŝ)}, at most {@link #MAX} times — a backtracking line search on
 * the first steps. It undoes what a cut alone cannot: on a logistic regression a step far too long
 * drives the weights into the sigmoids' flat tails, where the loss is high but no longer grows
 * geometrically and the gradient is too small for any later LR to bring the weights back. Such a
 * step need not raise the loss at all (the sigmoids saturate on the right side for most examples),
 * but it always shows in its length against the weights it moved. A NaN loss is not measured (no
 * restart, and not the reference), nor is a NaN update norm; a move is measured only when the
 * parameter norm is finite and {@code > 0} (a start at θ = 0 has no scale to judge a step by).
 *
 * <p>Allocation-free; not thread-safe.
 */
final class StartRestart {
  /** Steps after the start (or a restart) in which a loss rise restarts the run. */
  static final long WINDOW = 10;

  /** Restarts per run at most: halvings by the default cut that span four decades of LR. */
  static final int MAX = 14;

  private final double factor;
  private final double maxMove;
  private double firstLoss = Double.NaN;
  private long since;
  private int restarts;

  /**
   * @param factor loss factor over the first loss, {@code > 1}; 0 = never restart
   * @param maxMove the longest step, relative to the parameter norm before it, that does not
   *     restart the run within the window ({@code ‖u_t‖ > maxMove·‖θ_t‖} does), finite {@code > 0};
   *     0 = the loss alone decides
   */
  StartRestart(double factor, double maxMove) {
    if (!(factor == 0 || factor > 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("restart must be 0 (off) or > 1, but was " + factor);
    }
    if (!(maxMove >= 0) || Double.isInfinite(maxMove)) {
      throw new IllegalArgumentException(
          "restart-move must be 0 (off) or finite > 0, but was " + maxMove);
    }
    this.factor = factor;
    this.maxMove = maxMove;
  }

  /**
   * Whether the step with loss {@code loss}, taken from parameters of norm {@code paramNorm} by an
   * update of norm {@code updateNorm}, restarts the run (then counted).
   */
  boolean check(double loss, double paramNorm, double updateNorm) {
    if (factor == 0) {
      return false;
    }
    boolean tooLong =
        maxMove > 0
            && paramNorm > 0
            && paramNorm < Double.POSITIVE_INFINITY
            && updateNorm > maxMove * paramNorm;
    boolean due =
        !Double.isNaN(firstLoss)
            && since <= WINDOW
            && restarts < MAX
            && (loss == Double.POSITIVE_INFINITY || loss > factor * firstLoss || tooLong);
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
