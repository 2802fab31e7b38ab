package dev.governor.sim;

import java.util.Arrays;

/**
 * Down-sampled per-step record of one run: step, exact loss after the step, mini-batch loss,
 * pre-clip gradient norm and the applied learning rate, clip threshold and weight decay. Arrays are
 * copied out; instances are immutable.
 */
public final class Trace {
  private final long[] step;
  private final double[] exactLoss;
  private final double[] loss;
  private final double[] gradNorm;
  private final double[] lr;
  private final double[] clip;
  private final double[] wd;
  private int n;

  Trace(int capacity) {
    step = new long[capacity];
    exactLoss = new double[capacity];
    loss = new double[capacity];
    gradNorm = new double[capacity];
    lr = new double[capacity];
    clip = new double[capacity];
    wd = new double[capacity];
  }

  void add(long s, double exact, double l, double gn, double r, double c, double w) {
    if (n < step.length) {
      step[n] = s;
      exactLoss[n] = exact;
      loss[n] = l;
      gradNorm[n] = gn;
      lr[n] = r;
      clip[n] = c;
      wd[n] = w;
      n++;
    }
  }

  /** Number of points. */
  public int size() {
    return n;
  }

  public long[] step() {
    return Arrays.copyOf(step, n);
  }

  public double[] exactLoss() {
    return Arrays.copyOf(exactLoss, n);
  }

  public double[] loss() {
    return Arrays.copyOf(loss, n);
  }

  public double[] gradNorm() {
    return Arrays.copyOf(gradNorm, n);
  }

  public double[] lr() {
    return Arrays.copyOf(lr, n);
  }

  public double[] clip() {
    return Arrays.copyOf(clip, n);
  }

  public double[] wd() {
    return Arrays.copyOf(wd, n);
  }
}
