package dev.governor.sim;

/**
 * One optimizer of the simulated plant (see {@link OptimizerKind} for the methods and their
 * formulas). An instance holds only its immutable hyperparameters; everything that changes lives in
 * an {@link OptimizerState} the plant owns, so skip, rollback, snapshots and checkpoints copy it
 * without knowing the method.
 *
 * <p>Two points of the state matter to the plant: the <em>gradient point</em>, where the mini-batch
 * gradient is drawn, and the <em>evaluation point</em>, the reported iterate (exact loss, parameter
 * norm, {@link SimulatedTrainer#parameters()}). They are the same vector except for methods that
 * query the gradient elsewhere (Schedule-Free: gradient at y, evaluation at the average x) or
 * report an average (DoG with iterate averaging).
 *
 * <p>{@link #step} allocates nothing.
 */
abstract class PlantOptimizer {
  /** Index of {@link #norms}: norm of the evaluation point's change. */
  static final int EVAL_MOVE = 0;

  /** Index of {@link #norms}: norm of the gradient point's change. */
  static final int GRAD_MOVE = 1;

  final int dim;

  PlantOptimizer(int dim) {
    this.dim = dim;
  }

  /** Builds the optimizer of {@code spec} for {@code dim} parameters. */
  static PlantOptimizer create(OptimizerSpec spec, int dim) {
    return switch (spec.kind()) {
      case SGD, MOMENTUM, ADAM, ADAMW -> new ClassicOptimizer(spec, dim);
      case SF_SGD, SF_ADAMW -> new ScheduleFreeOptimizer(spec, dim);
      case PRODIGY -> new ProdigyOptimizer(spec, dim);
      case DADAPT_SGD -> new DAdaptSgdOptimizer(spec, dim);
      case DADAPT_ADAM -> new DAdaptAdamOptimizer(spec, dim);
      case DOG -> new DogOptimizer(spec, dim);
      case SGD_HD, ADAM_HD -> new HypergradientOptimizer(spec, dim);
    };
  }

  /** Number of length-{@code dim} vectors in the state. */
  abstract int vectorCount();

  /** Names of the scalars in the state, by index (for tests and inspection). */
  abstract String[] scalarNames();

  /** Index of the vector the gradient is drawn at. */
  int gradientPoint() {
    return 0;
  }

  /** Index of the vector that is the reported iterate. */
  int evaluationPoint() {
    return 0;
  }

  /** A zero state of this optimizer's shape. */
  final OptimizerState newState() {
    return new OptimizerState(vectorCount(), dim, scalarNames().length);
  }

  /**
   * Writes the initial state for start point {@code x0} into a zero state {@code s}. This default
   * copies {@code x0} into vector 0; optimizers with more to set extend it.
   */
  void start(OptimizerState s, double[] x0) {
    System.arraycopy(x0, 0, s.vectors[0], 0, dim);
  }

  /**
   * One update with the loss gradient {@code g} (drawn at the gradient point, before clipping)
   * times {@code scale} (the clip factor, ≤ 1), learning rate {@code lr} and weight decay {@code
   * wd}; writes the norms of the evaluation and gradient points' changes into {@code
   * norms[EVAL_MOVE]} and {@code norms[GRAD_MOVE]}. Must not modify {@code g}.
   */
  abstract void step(
      OptimizerState s, double[] g, double scale, double lr, double wd, double[] norms);

  /**
   * Coordinate {@code i} of the clipped gradient {@code g · scale} with the weight decay {@code wd}
   * added as an L2 term {@code wd · x_i} (none when {@code wd} is 0).
   */
  static double l2Gradient(double[] g, double[] x, int i, double scale, double wd) {
    double gi = g[i] * scale;
    if (wd != 0) {
      gi += wd * x[i];
    }
    return gi;
  }

  /** Records a step that left the parameters where they were. */
  static void noMove(double[] norms) {
    norms[EVAL_MOVE] = 0;
    norms[GRAD_MOVE] = 0;
  }

  /**
   * Records a step that moved the evaluation and gradient point (one vector) by {@code
   * √squaredMove}.
   */
  static void moved(double[] norms, double squaredMove) {
    double n = Math.sqrt(squaredMove);
    norms[EVAL_MOVE] = n;
    norms[GRAD_MOVE] = n;
  }
}
