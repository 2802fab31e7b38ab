package dev.governor.sim;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The complete mutable state of a {@link PlantOptimizer}: a fixed number of vectors of the
 * problem's dimension (parameters, averaged or extrapolated points, moment buffers, start point)
 * and a fixed number of scalars (step counts, adapted step sizes, running sums). Guard actions, the
 * snapshot ring and checkpoints copy it generically; which slot means what is the optimizer's
 * business.
 */
final class OptimizerState {
  final double[][] vectors;
  final double[] scalars;

  OptimizerState(int vectorCount, int dim, int scalarCount) {
    vectors = new double[vectorCount][dim];
    scalars = new double[scalarCount];
  }

  /** Copies {@code o} (of the same shape) into this state; allocates nothing. */
  void copyFrom(OptimizerState o) {
    for (int k = 0; k < vectors.length; k++) {
      System.arraycopy(o.vectors[k], 0, vectors[k], 0, vectors[k].length);
    }
    System.arraycopy(o.scalars, 0, scalars, 0, scalars.length);
  }

  /** Writes the shape and every value bit for bit. */
  void write(DataOutputStream out) throws IOException {
    out.writeInt(vectors.length);
    for (double[] v : vectors) {
      writeArray(out, v);
    }
    writeArray(out, scalars);
  }

  /**
   * Reads what {@link #write} wrote.
   *
   * @throws IOException when the shape differs from this state's
   */
  void read(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n != vectors.length) {
      throw new IOException(
          "checkpoint has " + n + " optimizer vectors, but this optimizer has " + vectors.length);
    }
    for (double[] v : vectors) {
      readArray(in, v);
    }
    readArray(in, scalars);
  }

  static void writeArray(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double e : a) {
      out.writeLong(Double.doubleToRawLongBits(e));
    }
  }

  static void readArray(DataInputStream in, double[] a) throws IOException {
    int n = in.readInt();
    if (n != a.length) {
      throw new IOException("checkpoint array length " + n + " does not match " + a.length);
    }
    for (int i = 0; i < n; i++) {
      a[i] = Double.longBitsToDouble(in.readLong());
    }
  }
}
