package dev.governor.sim;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;

/**
 * Follows the decided learning rate of one stability-map run ({@link
 * StabilityMapSuite#simulateOnce}): whether it reached a bound, the residual standard deviation of
 * ln η about its least-squares line over the steps from {@code from} on (a slow, still decaying
 * transient is a trend, not an oscillation), and what {@code pi}'s shipped parts did ({@link
 * #activity}).
 */
final class LogLrTrend implements Runner.StepObserver {
  private final long from;
  private final double floor;
  private final double ceil;
  private final double lnSlew;
  boolean hitBound;
  private double prevLr = Double.NaN;
  private long steps;
  private long clipped;
  private long slewBound;
  private long cuts;
  private long guardActions;
  private double sum;
  private double sumSq;
  private double sumK;
  private double sumKk;
  private double sumKy;
  private int count;

  LogLrTrend(long from, double floor, double ceil, double slew) {
    this.from = from;
    this.floor = floor;
    this.ceil = ceil;
    this.lnSlew = Math.log(slew);
  }

  @Override
  public void decided(long k, Observation o, double exactLoss, Decision d) {
    double lr = d.lr;
    steps++;
    if (o.gradNorm() > o.clip()) {
      clipped++;
    }
    if (d.action != GuardAction.NONE) {
      guardActions++;
    }
    if (prevLr > 0 && lr > 0) {
      // a safety cut bypasses the slew limit: a fall by more than the slew is a cut
      double step = Math.log(lr / prevLr);
      if (step < -lnSlew * (1 + 1e-9)) {
        cuts++;
      } else if (Math.abs(step) >= lnSlew * (1 - 1e-9)) {
        slewBound++;
      }
    }
    prevLr = lr;
    if (lr <= floor * (1 + 1e-9) || lr >= ceil * (1 - 1e-9)) {
      hitBound = true;
    }
    if (k >= from) {
      double l = Math.log(lr);
      double kk = k - from;
      sum += l;
      sumSq += l * l;
      sumK += kk;
      sumKk += kk * kk;
      sumKy += kk * l;
      count++;
    }
  }

  /** What the shipped parts did over the run. */
  StabilityMap.Activity activity() {
    double n = Math.max(1, steps);
    return new StabilityMap.Activity(clipped / n, slewBound / n, cuts, guardActions);
  }

  /** The residual std; NaN with fewer than 3 points. */
  double residualStd() {
    if (count <= 2) {
      return Double.NaN;
    }
    double n = count;
    double mk = sumK / n;
    double my = sum / n;
    double skk = sumKk - n * mk * mk;
    double sky = sumKy - n * mk * my;
    double syy = sumSq - n * my * my;
    double res = syy - (skk > 0 ? sky * sky / skk : 0);
    return Math.sqrt(Math.max(0, res / (n - 2)));
  }
}
