package dev.governor.control;

/**
 * The Adam form's cut freeze ({@code cut-freeze}): after an episode of cuts (guard rollbacks or
 * safety cuts on consecutive steps), the LR loop's trim may not rise above what the cuts left while
 * the filtered loss (EMA weight {@code alpha} over the steps the loop has updated on since the
 * episode began) stays above {@code factor ×} the safety cut's loss reference from before the
 * episode. The freeze ends when the loss is back below that, or after {@code horizon} steps — the
 * horizon of the cut's own reference ({@code ⌈1/cut-alpha⌉}), after which the detector too treats
 * the new level as the plant's: a plant that changed for good may never bring its loss back to the
 * old level, and a frozen LR would then ratchet like a geared schedule's trim. While the plant has
 * not come back — the loss of a burst of corrupted labels stays at chance for as long as the burst
 * lasts — climbing back to the peak of the undisturbed plant trains hard on what the cuts were
 * reacting to.
 *
 * <p>A loss that is NaN, infinite or {@code <= 0} is not a sample; a reference that is not positive
 * and finite starts no freeze. Not thread-safe.
 */
final class CutFreeze {
  private final double factor;
  private final double alpha;
  private final long horizon;

  /** Whether the last step that was not skipped was a cut: consecutive cuts are one episode. */
  private boolean inEpisode;

  /** The loss reference from before the episode; NaN = not frozen. */
  private double ref = Double.NaN;

  private double lossSince = Double.NaN;

  /** The trim the episode's last cut left. */
  private double uLeft;

  private long age;

  /**
   * @param factor the loss factor above the reference that keeps the freeze; 0 = never freeze
   * @param alpha EMA weight of the loss since the episode began
   * @param horizon the most steps a freeze lasts
   */
  CutFreeze(double factor, double alpha, long horizon) {
    this.factor = factor;
    this.alpha = alpha;
    this.horizon = horizon;
  }

  /**
   * A cut has set the trim to {@code uAfter}; {@code lossLevel} is the safety cut's loss reference,
   * taken only at the episode's first cut. Returns whether this cut began an episode.
   */
  boolean cut(double uAfter, double lossLevel) {
    boolean first = !inEpisode;
    if (first
        && factor > 0
        && Double.isNaN(ref)
        && lossLevel > 0
        && lossLevel < Double.POSITIVE_INFINITY) {
      ref = lossLevel;
      lossSince = Double.NaN;
      age = 0;
    }
    uLeft = uAfter;
    inEpisode = true;
    return first;
  }

  /** A step that was not a cut ends the episode (not the freeze). */
  void calm() {
    inEpisode = false;
  }

  boolean frozen() {
    return !Double.isNaN(ref);
  }

  /**
   * Folds the step's loss in and returns the highest trim allowed: what the cuts left while the
   * freeze holds, {@code +∞} once it has ended (also on this step).
   */
  double bound(double loss) {
    if (loss > 0 && loss < Double.POSITIVE_INFINITY) {
      lossSince = Double.isNaN(lossSince) ? loss : lossSince + alpha * (loss - lossSince);
    }
    age++;
    if (lossSince <= factor * ref || age >= horizon) {
      ref = Double.NaN;
      return Double.POSITIVE_INFINITY;
    }
    return uLeft;
  }

  void writeState(PolicyState.Writer w) {
    w.putBoolean(inEpisode);
    w.putDouble(ref).putDouble(lossSince).putDouble(uLeft).putLong(age);
  }

  void readState(PolicyState.Reader r) {
    boolean e = r.getBoolean();
    double f = r.getDouble();
    double l = r.getDouble();
    double u = r.getDouble();
    long a = r.getLong();
    if (f <= 0 || Double.isInfinite(f) || a < 0 || Double.isNaN(u)) {
      throw new IllegalArgumentException(
          "pi state cut freeze must have a positive finite or NaN level, a trim and an age >= 0,"
              + " but had "
              + f
              + ", "
              + u
              + ", "
              + a);
    }
    inEpisode = e;
    ref = f;
    lossSince = l;
    uLeft = u;
    age = a;
  }
}
