package dev.governor.control;

/** The {@link PiController} implementation; see there for the algorithm. */
final class PiControllerImpl implements PiController {
  private final PiConfig c;

  private double out;
  private double filt = Double.NaN;
  private double err = Double.NaN;
  private double integ;
  private long faults;
  private long updates;
  private long sinceUpdate;
  private boolean saturated;

  PiControllerImpl(PiConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("PiController config must not be null");
    }
    this.c = config;
    this.out = config.initial();
  }

  @Override
  public PiConfig config() {
    return c;
  }

  @Override
  public double update(double y) {
    if (!Double.isFinite(y)) {
      faults++;
      return out;
    }
    filt = Double.isNaN(filt) ? y : filt + c.filterAlpha() * (y - filt);
    if (++sinceUpdate < c.period()) {
      return out;
    }
    sinceUpdate = 0;
    double e = c.reverseActing() ? filt - c.setpoint() : c.setpoint() - filt;
    if (updates == 0) {
      integ = clampI(-c.kp() * e);
    }
    updates++;
    err = e;
    double iNew = clampI(integ + c.ki() * e);
    double v = c.initial() + c.kp() * e + iNew;
    double u = limit(v);
    saturated = u != v;
    if ((v > u && c.ki() * e > 0) || (v < u && c.ki() * e < 0)) {
      // conditional integration: integrate only up to the value that puts the output on the limit
      // (never back from where it was), not further into it
      double atLimit = u - c.initial() - c.kp() * e;
      iNew =
          v > u
              ? Math.max(integ, Math.min(iNew, atLimit))
              : Math.min(integ, Math.max(iNew, atLimit));
      iNew = clampI(iNew);
      v = c.initial() + c.kp() * e + iNew;
      u = limit(v);
    }
    integ = iNew;
    out = u;
    return out;
  }

  private double limit(double v) {
    double u = Math.max(c.outMin(), Math.min(c.outMax(), v));
    double lo = out - c.maxDelta();
    double hi = out + c.maxDelta();
    return Math.max(lo, Math.min(hi, u));
  }

  private double clampI(double i) {
    return Math.max(c.integralMin(), Math.min(c.integralMax(), i));
  }

  @Override
  public double output() {
    return out;
  }

  @Override
  public double filtered() {
    return filt;
  }

  @Override
  public double error() {
    return err;
  }

  @Override
  public double integral() {
    return integ;
  }

  @Override
  public long faults() {
    return faults;
  }

  @Override
  public long updates() {
    return updates;
  }

  @Override
  public boolean saturated() {
    return saturated;
  }

  @Override
  public void override(double u) {
    if (Double.isNaN(u)) {
      return;
    }
    out = Math.max(c.outMin(), Math.min(c.outMax(), u));
    double e = Double.isNaN(err) ? 0 : err;
    integ = clampI(out - c.initial() - c.kp() * e);
    if (updates == 0) {
      // keep the override through the bumpless start: pretend one update happened
      updates = 1;
      err = Double.isNaN(err) ? 0 : err;
    }
  }

  @Override
  public void writeState(PolicyState.Writer w) {
    w.putDouble(out)
        .putDouble(filt)
        .putDouble(err)
        .putDouble(integ)
        .putLong(faults)
        .putLong(updates)
        .putLong(sinceUpdate)
        .putBoolean(saturated);
  }

  @Override
  public void readState(PolicyState.Reader r) {
    double o = r.getDouble();
    double f = r.getDouble();
    double e = r.getDouble();
    double i = r.getDouble();
    long fa = r.getLong();
    long up = r.getLong();
    long since = r.getLong();
    boolean sat = r.getBoolean();
    if (!(o >= c.outMin() && o <= c.outMax())) {
      throw new IllegalArgumentException(
          "PI state output must be in [" + c.outMin() + ", " + c.outMax() + "], but was " + o);
    }
    if (!Double.isFinite(i)) {
      throw new IllegalArgumentException("PI state integral must be finite, but was " + i);
    }
    out = o;
    filt = f;
    err = e;
    integ = i;
    faults = fa;
    updates = up;
    sinceUpdate = since;
    saturated = sat;
  }

  @Override
  public PiController copy() {
    return new PiControllerImpl(c);
  }
}
