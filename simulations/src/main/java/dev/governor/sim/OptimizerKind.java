package dev.governor.sim;

import java.util.Locale;
import java.util.StringJoiner;

/**
 * The plain-Java optimizers of the simulator, by name; {@link OptimizerSpec} adds hyperparameter
 * overrides ({@code prodigy(d0=1e-4)}). Notation: θ the parameters, g the mini-batch loss gradient
 * after clipping (global norm, before anything else here), η the policy's {@code lr} of the step, λ
 * the policy's weight decay {@code wd}. Every method sees the clipped gradient, as in PyTorch when
 * {@code clip_grad_norm_} runs before {@code optimizer.step()}.
 *
 * <p>Weight decay of the four classic optimizers follows the trainer contract ({@code
 * Hyperparameters}): decoupled, a shrink of η·λ·θ per step — except {@link #ADAM}, which adds λ·θ
 * to the gradient before the moment estimates (classic L2, distorted by the adaptive denominators;
 * docs/theory.md "Optimizers"), so that Adam and AdamW differ exactly as in PyTorch. The other
 * methods apply λ exactly as their reference implementation does (stated per constant).
 *
 * <p>What {@code lr} means differs by method (stated per constant): the step size itself, the
 * Schedule-Free γ, or a multiplier of a step size the method adapts on its own (Prodigy,
 * D-Adaptation, DoG, hypergradient descent). The LR-free methods are meant to run with a constant
 * policy at their default multiplier 1 ({@code constant(lr=1)}).
 *
 * <p>NaN/Inf: these optimizers do not guard against a non-finite gradient; it makes the parameters
 * non-finite, which the runner reports as divergence. With a finite gradient every method stays
 * finite except where the method itself diverges (e.g. a hypergradient α that grows without bound).
 */
public enum OptimizerKind {
  /** θ ← θ − η(g + λθ). No options. */
  SGD,

  /** Heavy ball: m ← βm + g; θ ← θ − η(m + λθ). Option {@code beta} (0.9). */
  MOMENTUM,

  /**
   * Adam with L2 in the gradient: g ← g + λθ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ −
   * η·(m/(1−β₁<sup>t</sup>))/(√(v/(1−β₂<sup>t</sup>)) + ε). Options {@code beta1} (0.9), {@code
   * beta2} (0.999), {@code eps} (1e-8).
   */
  ADAM,

  /** AdamW: the Adam step without L2 plus decoupled decay η·λ·θ. Options as {@link #ADAM}. */
  ADAMW,

  /**
   * Schedule-Free SGD [{@code sf-sgd}] (Defazio et al., "The Road Less Scheduled", NeurIPS 2024;
   * reference {@code SGDScheduleFreeReference} of facebookresearch/schedule_free). {@code lr} is
   * the paper's γ (the paper's default 1.0). Three sequences: the gradient is taken at y, the
   * reported (evaluation) point is the average x:
   *
   * <pre>
   *   γ_t = η·min(1, (t+1)/warmup)        t = 0, 1, … counts steps
   *   w_t = (t+1)^r · (max_{i≤t} γ_i)^p   c = w_t / Σ_{i≤t} w_i
   *   z ← z − γ_t(g(y) + λy)              (weight decay as L2 at y)
   *   x ← (1−c)x + c·z
   *   y ← βx + (1−β)z
   * </pre>
   *
   * x = y = z = θ₀ at the start. With a non-decreasing γ, c = γ_t²/Σγ_i² (the paper's weighting);
   * the running maximum is the reference's guard against shrinking weights when γ falls. Options
   * {@code momentum} β (0.9), {@code warmup} (0 steps), {@code r} (0), {@code weight-lr-power} p
   * (2).
   */
  SF_SGD,

  /**
   * Schedule-Free AdamW [{@code sf-adamw}] (Defazio et al. 2024; reference {@code
   * AdamWScheduleFreeReference}). {@code lr} is γ (the paper's default 0.0025). As {@link #SF_SGD}
   * with the z step
   *
   * <pre>
   *   z ← z − γ_t·λ·y                     (decoupled decay at y)
   *   v ← β₂v + (1−β₂)g²                  (g at y)
   *   z ← z − γ_t·g/(√(v/(1−β₂^(t+1))) + ε)
   *   x ← (1−c)x + c·z;  y ← β₁x + (1−β₁)z
   * </pre>
   *
   * Options {@code beta1} (0.9), {@code beta2} (0.999), {@code eps} (1e-8), {@code warmup} (0),
   * {@code r} (0), {@code weight-lr-power} (2).
   */
  SF_ADAMW,

  /**
   * Prodigy, Adam form [{@code prodigy}] (Mishchenko &amp; Defazio, ICML 2024; reference {@code
   * prodigyopt.Prodigy}). {@code lr} multiplies the adapted step size d (default 1). With d the
   * estimate at the start of the step and d' the one after it:
   *
   * <pre>
   *   ℓ = d·η                             (·√(1−β₂^(k+1))/(1−β₁^(k+1)) with bias-correction)
   *   r ← β₃r + (d/d₀)·ℓ·⟨g, θ₀ − θ⟩
   *   m ← β₁m + d(1−β₁)g;  v ← β₂v + d²(1−β₂)g²
   *   s ← β₃s + (d/d₀)·ℓ·g                (safeguard-warmup: (d/d₀)·d·g)
   *   d' = max(d, d_coef·r/‖s‖₁)          (growth-rate ∞; else min(that, d·growth-rate))
   *   θ ← θ − λℓθ − ℓ·m/(√v + d'ε)        (decoupled decay with ℓ; the ε term with d')
   * </pre>
   *
   * Nothing moves while ‖s‖₁ = 0 (an all-zero gradient so far), as in the reference. Options {@code
   * d0} (1e-6), {@code beta1} (0.9), {@code beta2} (0.999), {@code beta3} (√β₂), {@code eps}
   * (1e-8), {@code d-coef} (1), {@code growth-rate} (inf), {@code decouple} (true: otherwise λθ is
   * added to g), {@code bias-correction} (false), {@code safeguard-warmup} (false).
   */
  PRODIGY,

  /**
   * D-Adaptation SGD [{@code dadapt-sgd}] (Defazio &amp; Mishchenko, ICML 2023; reference {@code
   * dadaptation.DAdaptSGD}). {@code lr} multiplies the adapted d (default 1). g ← g + λθ (L2), and
   * ‖g₀‖ is the first step's gradient norm without the decay term (as in the reference):
   *
   * <pre>
   *   ℓ = d·η/‖g₀‖
   *   r ← r + ℓ⟨g, s⟩;  s ← s + ℓg
   *   d' = max(d, 2r/‖s‖₂)                (growth-rate ∞; else min(that, d·growth-rate))
   *   θ ← μθ + (1−μ)(θ₀ − s)              (μ = momentum; μ = 0: dual averaging)
   * </pre>
   *
   * A step with an all-zero first gradient moves nothing and leaves ‖g₀‖ to the next step (the
   * reference divides by zero there). Options {@code d0} (1e-6), {@code momentum} (0, the
   * reference's default; the paper's deep-learning runs used 0.9), {@code growth-rate} (inf).
   */
  DADAPT_SGD,

  /**
   * D-Adaptation Adam [{@code dadapt-adam}] (Defazio &amp; Mishchenko 2023; reference {@code
   * dadaptation.DAdaptAdam}, version 3). {@code lr} multiplies d (default 1). With ℓ = d·η:
   *
   * <pre>
   *   r ← √β₂·r + (1−√β₂)·ℓ⟨g, s/(√v + ε)⟩   (s and v before this step's update)
   *   m ← β₁m + ℓ(1−β₁)g;  v ← β₂v + (1−β₂)g²;  s ← √β₂·s + ℓ(1−√β₂)g
   *   d' = max(d, r/((1−√β₂)‖s‖₁))
   *   θ ← θ − m/(√v + ε)                     (decouple: also θ ← θ − λℓθ first)
   * </pre>
   *
   * Weight decay is L2 in g by default ({@code decouple} false, the reference's default). Options
   * {@code d0} (1e-6), {@code beta1} (0.9), {@code beta2} (0.999), {@code eps} (1e-8), {@code
   * growth-rate} (inf), {@code decouple} (false), {@code bias-correction} (false).
   */
  DADAPT_ADAM,

  /**
   * DoG, global form [{@code dog}] (Ivgi, Hinder &amp; Carmon, ICML 2023; reference {@code dog.DoG}
   * and {@code dog.PolynomialDecayAverager} of formll/dog). {@code lr} is the paper's c, a
   * multiplier (default 1). g ← g + λθ (L2), then
   *
   * <pre>
   *   r̄_t = max(r_ε, max_{i≤t} ‖θ_i − θ₀‖),  r_ε = reps_rel·(1 + ‖θ₀‖)
   *   G_t = ε + Σ_{i≤t} ‖g_i‖²
   *   θ ← θ − η·r̄_t/√G_t · g
   *   θ̄ ← (1 − (γ+1)/(γ+t))θ̄ + (γ+1)/(γ+t)·θ   (t = 1, 2, … after each step)
   * </pre>
   *
   * The evaluation point is the polynomial-decay average θ̄ (the authors: DoG "must be combined
   * with iterate averaging" for a fair comparison); {@code average=false} reports θ itself. Options
   * {@code reps-rel} (1e-6), {@code eps} (1e-8), {@code init-eta} (unset: the first step size,
   * which then overrides reps-rel), {@code average} (true), {@code gamma} (8).
   */
  DOG,

  /**
   * SGD with hypergradient descent [{@code sgd-hd}] (Baydin et al., ICLR 2018; reference {@code
   * hypergrad.SGDHD} of gbaydin/hypergradient-descent). g ← g + λθ (L2). The applied step size is
   * η·α with α a state starting at 1, so {@code lr} is α₀ and a policy's schedule multiplies the
   * adapted rate:
   *
   * <pre>
   *   α ← α + β⟨g_t, g_{t−1}⟩/η            (g_{−1} = 0)
   *   θ ← θ − η·α·g_t
   * </pre>
   *
   * With a constant {@code lr} this is the reference's α_t = α_{t−1} + β g_t·g_{t−1} started at α₀
   * = lr; the division by η keeps that identity while η·α stays the applied rate. α is not bounded
   * (the method can diverge, as the original). Option {@code beta} β (1e-3, the value of the
   * paper's SGD-HD experiments; the reference class defaults to 1e-6).
   */
  SGD_HD,

  /**
   * Adam with hypergradient descent [{@code adam-hd}] (Baydin et al. 2018; reference {@code
   * hypergrad.AdamHD}). g ← g + λθ (L2); applied step size η·α as for {@link #SGD_HD}; with u the
   * previous step's direction m̂/(√v + ε):
   *
   * <pre>
   *   α ← α + β⟨g_t, u_{t−1}⟩/η             (from the second step; u with the bias corrections of t−1)
   *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
   *   θ ← θ − η·α·√(1−β₂^t)/(1−β₁^t) · m/(√v + ε)
   * </pre>
   *
   * Options {@code beta} (1e-7, the paper's Adam-HD experiments; the reference class defaults to
   * 1e-8), {@code beta1} (0.9), {@code beta2} (0.999), {@code eps} (1e-8).
   */
  ADAM_HD;

  /** Momentum coefficient of {@link #MOMENTUM}. */
  public static final double MOMENTUM_BETA = 0.9;

  /** Adam's first-moment decay. */
  public static final double BETA1 = 0.9;

  /** Adam's second-moment decay. */
  public static final double BETA2 = 0.999;

  /** Adam's denominator epsilon. */
  public static final double EPS = 1e-8;

  /** Name used on the command line: lower case, '-' for '_' ({@code sgd}, {@code sf-adamw}). */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The largest stable constant learning rate on a quadratic with top curvature {@code lambdaMax}
   * (no noise): 2/λ for SGD, 2(1+β)/λ for heavy-ball momentum (β = 0.9); NaN for the other
   * optimizers, whose bound depends on the preconditioner or the adapted step size.
   */
  public double stabilityBound(double lambdaMax) {
    return switch (this) {
      case SGD -> 2.0 / lambdaMax;
      case MOMENTUM -> 2.0 * (1 + MOMENTUM_BETA) / lambdaMax;
      default -> Double.NaN;
    };
  }

  /**
   * The {@code lr} the method's paper or reference implementation uses by default: 1.0 for
   * Schedule-Free SGD (γ), 0.0025 for Schedule-Free AdamW (γ), 1.0 for the multipliers of Prodigy,
   * D-Adaptation and DoG, 0.001 for the α₀ of SGD-HD and Adam-HD (the paper's experiments); NaN for
   * the four classic optimizers, whose learning rate has no method default (a policy sets it).
   */
  public double defaultLr() {
    return switch (this) {
      case SGD, MOMENTUM, ADAM, ADAMW -> Double.NaN;
      case SF_ADAMW -> 0.0025;
      case SGD_HD, ADAM_HD -> 0.001;
      default -> 1.0;
    };
  }

  /** All ids, comma separated ("sgd, momentum, …"). */
  public static String ids() {
    StringJoiner j = new StringJoiner(", ");
    for (OptimizerKind k : values()) {
      j.add(k.id());
    }
    return j.toString();
  }

  /**
   * Parses an id ({@code sgd}, {@code adamw}, {@code sf-adamw}, …; case-insensitive, '_' accepted
   * for '-').
   *
   * @throws IllegalArgumentException naming the value and the ids otherwise
   */
  public static OptimizerKind parse(String s) {
    if (s != null) {
      String t = s.trim().replace('_', '-');
      for (OptimizerKind k : values()) {
        if (k.id().equalsIgnoreCase(t)) {
          return k;
        }
      }
    }
    throw new IllegalArgumentException(
        "optimizer must be one of " + ids() + ", but was '" + s + "'");
  }
}
