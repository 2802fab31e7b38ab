package dev.governor.trainers;

import java.util.Locale;

/**
 * A non-stationary event injected into a DL4J run's mini-batches, a pure function of the step (the
 * DL4J counterpart of the simulated plant's disturbances). Steps are zero-based.
 *
 * <ul>
 *   <li>{@link Kind#SHIFT}: from step {@code at} on, every example's features are permuted by one
 *       fixed permutation ({@link #permutation}) — a new input distribution with the same labels
 *       ("permuted Fashion-MNIST"); the validation and test sets are permuted as well ({@link
 *       #apply(Datasets.Split)}), so the final score is on the distribution after the shift.
 *   <li>{@link Kind#NOISE_BURST}: during {@code [at, at + length)} each example's label is
 *       replaced, with probability {@code 1 − 1/factor}, by a class drawn uniformly (a burst of
 *       label noise: larger, noisier gradients).
 *   <li>{@link Kind#BATCH_HALVING}: from step {@code at} on each batch holds the first half of the
 *       examples it would have held (the mini-batch noise doubles; an epoch keeps its batches).
 *   <li>{@link Kind#SPIKES}: at steps {@code at + k·length} (k ≥ 0) the batch's features are
 *       multiplied by {@code factor} — a bad batch whose loss and gradient spike.
 * </ul>
 *
 * @param kind what happens
 * @param at the first disturbed step, {@code >= 0}
 * @param factor noise-burst: label-noise factor; spikes: feature multiplier; finite {@code >= 1}
 * @param length noise-burst: steps; spikes: period; {@code >= 1}
 */
public record Dl4jDisturbance(Kind kind, long at, double factor, long length) {

  /** The kinds, named as the command line spells them. */
  public enum Kind {
    NONE("none"),
    SHIFT("shift"),
    NOISE_BURST("noise-burst"),
    BATCH_HALVING("batch-halving"),
    SPIKES("spikes");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }

    /** The kind spelled {@code text}, or null. */
    public static Kind of(String text) {
      for (Kind k : values()) {
        if (k.text.equals(text == null ? "" : text.toLowerCase(Locale.ROOT))) {
          return k;
        }
      }
      return null;
    }
  }

  /** No disturbance. */
  public static final Dl4jDisturbance NONE = new Dl4jDisturbance(Kind.NONE, 0, 1, 1);

  /** Seed of the shift's permutation: the same for every run, so every contender meets it. */
  static final int SHIFT_SEED = 0x5_1F7;

  /** Validates every value. */
  public Dl4jDisturbance {
    if (kind == null) {
      throw new IllegalArgumentException("disturbance kind must not be null");
    }
    if (at < 0) {
      throw new IllegalArgumentException("disturbance step must be >= 0, but was " + at);
    }
    if (!(factor >= 1) || !Double.isFinite(factor)) {
      throw new IllegalArgumentException(
          "disturbance factor must be finite and >= 1, but was " + factor);
    }
    if (length < 1) {
      throw new IllegalArgumentException("disturbance length must be >= 1, but was " + length);
    }
  }

  /** Whether step {@code step} is disturbed. */
  public boolean active(long step) {
    return switch (kind) {
      case NONE -> false;
      case SHIFT, BATCH_HALVING -> step >= at;
      case NOISE_BURST -> step >= at && step - at < length;
      case SPIKES -> step >= at && (step - at) % length == 0;
    };
  }

  /**
   * The split as the run after the disturbance sees it: with {@link Kind#SHIFT} the validation and
   * test sets permuted; otherwise {@code data} itself. The training set is left alone (the batches
   * are disturbed per step).
   */
  public Datasets.Split apply(Datasets.Split data) {
    if (kind != Kind.SHIFT) {
      return data;
    }
    int[] perm = permutation(data.train().features());
    return new Datasets.Split(
        data.train(),
        permuted(data.test(), perm),
        data.bayesAccuracy(),
        data.validation() == null ? null : permuted(data.validation(), perm));
  }

  /** {@code source} with this disturbance applied to its batches (itself when there is none). */
  public Batches wrap(Batches source, long seed) {
    return kind == Kind.NONE ? source : new DisturbedBatches(source, this, seed);
  }

  /**
   * The shift's permutation of {@code features} feature indices: {@link Batches#shuffle}'s
   * Fisher–Yates with its generator seeded by {@link #SHIFT_SEED} (seed 0, "epoch" SHIFT_SEED).
   */
  public static int[] permutation(int features) {
    int[] p = new int[features];
    Batches.shuffle(p, 0, SHIFT_SEED);
    return p;
  }

  /** {@code d} with feature {@code j} of every example taken from feature {@code perm[j]}. */
  static LabeledData permuted(LabeledData d, int[] perm) {
    int f = d.features();
    float[] x = d.x();
    float[] out = new float[x.length];
    for (int i = 0; i < d.size(); i++) {
      int base = i * f;
      for (int j = 0; j < f; j++) {
        out[base + j] = x[base + perm[j]];
      }
    }
    return new LabeledData(
        d.name() + ", permuted", out, d.y(), f, d.height(), d.width(), d.classes());
  }

  /** As the command line and run.json spell it, e.g. {@code shift at 430}. */
  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "none";
      case SHIFT, BATCH_HALVING -> kind + " at " + at;
      case NOISE_BURST -> kind + " at " + at + " for " + length + " steps, factor " + factor;
      case SPIKES -> kind + " at " + at + " every " + length + " steps, factor " + factor;
    };
  }
}
