package dev.governor.telemetry;

/**
 * Loss-spike detection, as {@link Inspection} and {@link Diagnosis} count spikes: a finite loss is
 * a spike when its z-score against the previous {@value #WINDOW} finite losses (their mean and
 * sample standard deviation) exceeds {@value #SPIKE_Z}; it needs at least {@value #MIN_WINDOW}
 * previous losses and a standard deviation {@code > 0}. Feed it the finite losses in step order.
 */
final class LossSpikes {
  /** Losses the z-score is taken against. */
  static final int WINDOW = 50;

  /** Losses needed before the first spike can be called. */
  static final int MIN_WINDOW = 10;

  /** The z-score above which a loss is a spike. */
  static final double SPIKE_Z = 4.0;

  private final double[] window = new double[WINDOW];
  private int filled;
  private int next;

  /**
   * Takes the next finite loss.
   *
   * @return whether it is a spike against the losses before it
   */
  boolean add(double loss) {
    boolean spike = false;
    if (filled >= MIN_WINDOW) {
      double mean = 0;
      for (int i = 0; i < filled; i++) {
        mean += window[i];
      }
      mean /= filled;
      double ss = 0;
      for (int i = 0; i < filled; i++) {
        ss += (window[i] - mean) * (window[i] - mean);
      }
      double sd = Math.sqrt(ss / (filled - 1));
      spike = sd > 0 && (loss - mean) / sd > SPIKE_Z;
    }
    window[next] = loss;
    next = (next + 1) % WINDOW;
    filled = Math.min(filled + 1, WINDOW);
    return spike;
  }
}
