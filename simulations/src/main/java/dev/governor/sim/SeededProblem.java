package dev.governor.sim;

/**
 * A {@link Problem} whose name and seeded start point are fixed at construction: the subclass
 * constructor fills {@link #start}, whose length is the problem's dimension.
 */
abstract class SeededProblem implements Problem {
  private final String name;

  /** The start point, filled by the subclass constructor and not changed after. */
  final double[] start;

  SeededProblem(String name, int dim) {
    this.name = name;
    this.start = new double[dim];
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int dim() {
    return start.length;
  }

  @Override
  public final void start(double[] x) {
    System.arraycopy(start, 0, x, 0, start.length);
  }
}
