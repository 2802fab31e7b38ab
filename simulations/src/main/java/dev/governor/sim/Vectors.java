package dev.governor.sim;

/** Euclidean norms of the plants' parameter and gradient vectors. */
public final class Vectors {
  private Vectors() {}

  /** ‖a‖₂, summed in index order. */
  public static double norm(double[] a) {
    double s = 0;
    for (double e : a) {
      s += e * e;
    }
    return Math.sqrt(s);
  }

  /** ‖a − b‖₂ over the first {@code a.length} coordinates, summed in index order. */
  public static double distance(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }
}
