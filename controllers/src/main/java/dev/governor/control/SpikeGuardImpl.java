package dev.governor.control;

/** The {@link SpikeGuard} implementation: two ring buffers, sums recomputed on each insertion. */
final class SpikeGuardImpl implements SpikeGuard {
  private final GuardConfig c;
  private final Ring loss;
  private final Ring logG;
  private int consecutive;
  private int rollbacksInRow;
  private long spikes;
  private double lossZ = Double.NaN;
  private double gradZ = Double.NaN;

  SpikeGuardImpl(GuardConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("guard config must not be null");
    }
    c = config;
    loss = new Ring(config.window());
    logG = new Ring(config.window());
  }

  @Override
  public GuardConfig config() {
    return c;
  }

  @Override
  public GuardAction check(double l, double g) {
    lossZ = Double.NaN;
    gradZ = Double.NaN;
    GuardAction level;
    boolean gMeasured = !Double.isNaN(g);
    double lg = gMeasured ? Math.log(g) : Double.NaN;
    if (!Double.isFinite(l) || (gMeasured && !(g >= 0 && g < Double.POSITIVE_INFINITY))) {
      level = GuardAction.ROLLBACK;
    } else {
      lossZ = loss.z(l, c.minSamples());
      gradZ = gMeasured && g > 0 ? logG.z(lg, c.minSamples()) : Double.NaN;
      double z = Math.max(nanToLow(lossZ), nanToLow(gradZ));
      if (z >= c.zRollback()) {
        level = GuardAction.ROLLBACK;
      } else if (z >= c.zSkip()) {
        level = GuardAction.SKIP;
      } else if (z >= c.zClip()) {
        level = GuardAction.CLIP;
      } else {
        level = GuardAction.NONE;
      }
    }
    if (level == GuardAction.NONE) {
      consecutive = 0;
      rollbacksInRow = 0;
      loss.add(l);
      if (gMeasured && g > 0) {
        logG.add(lg);
      }
      return level;
    }
    spikes++;
    consecutive++;
    int escalated =
        Math.max(level.ordinal(), Math.min(consecutive, GuardAction.ROLLBACK.ordinal()));
    GuardAction action = GuardAction.values()[escalated];
    if (action == GuardAction.ROLLBACK) {
      consecutive = 0;
      if (++rollbacksInRow >= 3) {
        loss.clear();
        logG.clear();
        rollbacksInRow = 0;
      }
    }
    return action;
  }

  private static double nanToLow(double z) {
    return Double.isNaN(z) ? Double.NEGATIVE_INFINITY : z;
  }

  @Override
  public double lossZ() {
    return lossZ;
  }

  @Override
  public double gradZ() {
    return gradZ;
  }

  @Override
  public double clipLimit() {
    if (logG.n < c.minSamples()) {
      return Double.POSITIVE_INFINITY;
    }
    double v = Math.exp(logG.mean() + c.zClip() * logG.sd());
    return v > 0 && Double.isFinite(v) ? v : Double.POSITIVE_INFINITY;
  }

  @Override
  public long spikes() {
    return spikes;
  }

  @Override
  public void writeState(PolicyState.Writer w) {
    loss.write(w);
    logG.write(w);
    w.putInt(consecutive).putInt(rollbacksInRow).putLong(spikes);
    w.putDouble(lossZ).putDouble(gradZ);
  }

  @Override
  public void readState(PolicyState.Reader r) {
    loss.read(r);
    logG.read(r);
    consecutive = r.getInt();
    rollbacksInRow = r.getInt();
    spikes = r.getLong();
    lossZ = r.getDouble();
    gradZ = r.getDouble();
  }

  @Override
  public SpikeGuard copy() {
    return new SpikeGuardImpl(c);
  }

  /**
   * A fixed-size ring of finite samples with running sums about a shift {@code k} (re-centred and
   * recomputed exactly every {@code size} insertions, so rounding cannot drift): O(1) per sample.
   */
  static final class Ring {
    private final double[] v;
    private int head;
    private int n;
    private double k;
    private double s;
    private double sq;
    private int sinceExact;

    Ring(int size) {
      v = new double[size];
    }

    void clear() {
      head = 0;
      n = 0;
      k = 0;
      s = 0;
      sq = 0;
      sinceExact = 0;
    }

    void add(double x) {
      if (n == v.length) {
        double old = v[head] - k;
        s -= old;
        sq -= old * old;
      } else {
        n++;
      }
      v[head] = x;
      head = (head + 1) % v.length;
      double d = x - k;
      s += d;
      sq += d * d;
      if (++sinceExact >= v.length) {
        exact();
      }
    }

    private void exact() {
      sinceExact = 0;
      double total = 0;
      for (int i = 0; i < n; i++) {
        total += v[i];
      }
      k = total / n;
      s = 0;
      sq = 0;
      for (int i = 0; i < n; i++) {
        double d = v[i] - k;
        s += d;
        sq += d * d;
      }
    }

    double mean() {
      return n == 0 ? 0 : k + s / n;
    }

    double sd() {
      double var = n > 1 ? Math.max(0, (sq - s * s / n) / (n - 1)) : 0;
      return Math.max(Math.sqrt(var), 1e-6 + 1e-3 * Math.abs(mean()));
    }

    /** One-sided z-score of x, NaN until {@code min} samples. */
    double z(double x, int min) {
      return n < min ? Double.NaN : (x - mean()) / sd();
    }

    void write(PolicyState.Writer w) {
      w.putInt(head).putInt(n).putInt(sinceExact).putDouble(k).putDouble(s).putDouble(sq);
      w.putDoubles(v);
    }

    void read(PolicyState.Reader r) {
      int h = r.getInt();
      int m = r.getInt();
      int se = r.getInt();
      double kk = r.getDouble();
      double ss = r.getDouble();
      double qq = r.getDouble();
      double[] a = r.getDoubles();
      if (a.length != v.length || h < 0 || h >= v.length || m < 0 || m > v.length) {
        throw new IllegalArgumentException(
            "guard state has a window of " + a.length + ", but the guard's is " + v.length);
      }
      System.arraycopy(a, 0, v, 0, v.length);
      head = h;
      n = m;
      sinceExact = se;
      k = kk;
      s = ss;
      sq = qq;
    }
  }
}
