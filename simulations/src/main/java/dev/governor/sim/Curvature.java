package dev.governor.sim;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/** The largest curvature of a problem from its Hessian (Commons Math's eigendecomposition). */
final class Curvature {
  private Curvature() {}

  /**
   * The largest eigenvalue of the symmetric matrix {@code hessian}, or 0 when none is positive (a
   * problem's {@code lambdaMax} is a curvature, never negative).
   */
  static double largestEigenvalue(RealMatrix hessian) {
    double max = 0;
    for (double v : new EigenDecomposition(hessian).getRealEigenvalues()) {
      max = Math.max(max, v);
    }
    return max;
  }
}
