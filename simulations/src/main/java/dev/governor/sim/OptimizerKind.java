package dev.governor.sim;

import java.util.Locale;

/**
 * The plain-Java optimizers of the simulator. Weight decay λ is applied as the trainer contract
 * says ({@code Hyperparameters}): decoupled, a shrink of η·λ·θ per step — except {@link #ADAM},
 * which adds λ·θ to the gradient before the moment estimates (classic L2, distorted by the adaptive
 * denominators; THEORY.md "Optimizers"), so that Adam and AdamW differ exactly as in PyTorch.
 * Clipping (global norm) acts on the loss gradient before any of this.
 */
public enum OptimizerKind {
  /** θ ← θ − η(g + λθ). */
  SGD,
  /** Heavy ball, β = 0.9: v ← βv + g; θ ← θ − η(v + λθ). */
  MOMENTUM,
  /** Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) with L2 in the gradient: g ← g + λθ. */
  ADAM,
  /** AdamW: Adam step plus decoupled decay θ ← θ − η·λ·θ. */
  ADAMW;

  /** Momentum coefficient of {@link #MOMENTUM}. */
  public static final double MOMENTUM_BETA = 0.9;

  /** Adam's first-moment decay. */
  public static final double BETA1 = 0.9;

  /** Adam's second-moment decay. */
  public static final double BETA2 = 0.999;

  /** Adam's denominator epsilon. */
  public static final double EPS = 1e-8;

  /** Lower-case name used on the command line. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The largest stable constant learning rate on a quadratic with top curvature {@code lambdaMax}
   * (no noise): 2/λ for SGD, 2(1+β)/λ for heavy-ball momentum; NaN for the adaptive optimizers,
   * whose bound depends on the preconditioner.
   */
  public double stabilityBound(double lambdaMax) {
    return switch (this) {
      case SGD -> 2.0 / lambdaMax;
      case MOMENTUM -> 2.0 * (1 + MOMENTUM_BETA) / lambdaMax;
      default -> Double.NaN;
    };
  }

  /**
   * Parses {@code sgd|momentum|adam|adamw}.
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  public static OptimizerKind parse(String s) {
    if (s != null) {
      for (OptimizerKind k : values()) {
        if (k.id().equalsIgnoreCase(s.trim())) {
          return k;
        }
      }
    }
    throw new IllegalArgumentException(
        "optimizer must be sgd, momentum, adam or adamw, but was '" + s + "'");
  }
}
