package dev.governor.trainers;

/**
 * An in-memory classification data set: {@code size} examples of {@code features} floats each
 * (row-major, one example after another) and an integer label in {@code [0, classes)} per example.
 * Images are stored as {@code height × width} pixels with one channel, scaled to {@code [0, 1]};
 * non-image data sets have {@code height = 1, width = features}.
 *
 * <p>The arrays are shared, not copied (a data set can be 200 MB); treat them as read-only.
 *
 * @param name a short name for reports, e.g. {@code fashion-mnist/train}
 * @param x features, {@code size × features} floats
 * @param y labels, {@code size} ints in {@code [0, classes)}
 * @param features floats per example, {@code height × width}
 * @param height image height in pixels (1 for non-image data)
 * @param width image width in pixels
 * @param classes number of classes, {@code >= 2}
 */
public record LabeledData(
    String name, float[] x, int[] y, int features, int height, int width, int classes) {

  /** Validates the shapes and every label. */
  public LabeledData {
    if (features <= 0 || height <= 0 || width <= 0 || height * width != features) {
      throw new IllegalArgumentException(
          name
              + ": features must equal height × width > 0, but were "
              + features
              + ", "
              + height
              + " × "
              + width);
    }
    if (classes < 2) {
      throw new IllegalArgumentException(name + ": classes must be >= 2, but was " + classes);
    }
    if (x.length != (long) y.length * features) {
      throw new IllegalArgumentException(
          name + ": x must hold " + y.length + " × " + features + " floats, but held " + x.length);
    }
    for (int i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] >= classes) {
        throw new IllegalArgumentException(
            name + ": label " + i + " must be in [0, " + classes + "), but was " + y[i]);
      }
    }
  }

  /** Number of examples. */
  public int size() {
    return y.length;
  }

  /** The first {@code n} examples (all of them when {@code n >= size()}), sharing nothing. */
  public LabeledData head(int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + ": head size must be >= 1, but was " + n);
    }
    if (n >= size()) {
      return this;
    }
    float[] hx = java.util.Arrays.copyOf(x, n * features);
    int[] hy = java.util.Arrays.copyOf(y, n);
    return new LabeledData(name + "[:" + n + "]", hx, hy, features, height, width, classes);
  }

  /** The last {@code n} examples (all of them when {@code n >= size()}), sharing nothing. */
  public LabeledData tail(int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + ": tail size must be >= 1, but was " + n);
    }
    if (n >= size()) {
      return this;
    }
    int from = size() - n;
    float[] tx = java.util.Arrays.copyOfRange(x, from * features, size() * features);
    int[] ty = java.util.Arrays.copyOfRange(y, from, size());
    return new LabeledData(name + "[-" + n + ":]", tx, ty, features, height, width, classes);
  }

  /**
   * Examples {@code [from, to)} under the name {@code name}, sharing nothing.
   *
   * @throws IllegalArgumentException when the range is empty or outside {@code [0, size()]}
   */
  public LabeledData slice(int from, int to, String name) {
    if (from < 0 || to > size() || from >= to) {
      throw new IllegalArgumentException(
          this.name
              + ": slice must be a non-empty range in [0, "
              + size()
              + "], but was ["
              + from
              + ", "
              + to
              + ")");
    }
    float[] sx = java.util.Arrays.copyOfRange(x, from * features, to * features);
    int[] sy = java.util.Arrays.copyOfRange(y, from, to);
    return new LabeledData(name, sx, sy, features, height, width, classes);
  }
}
