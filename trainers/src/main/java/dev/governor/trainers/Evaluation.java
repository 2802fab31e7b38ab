package dev.governor.trainers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Accuracy and mean loss of a model on a data set. A model whose outputs are NaN scores accuracy as
 * the fraction of argmax hits (NaN rows count as misses) and loss NaN.
 *
 * @param accuracy fraction of examples whose argmax output is the label, in [0, 1]
 * @param loss mean loss (the model's loss function), NaN/Inf when the model diverged
 * @param examples number of examples evaluated
 */
public record Evaluation(double accuracy, double loss, int examples) {

  static final int CHUNK = 2000;

  static Evaluation of(Net net, LabeledData data) {
    int n = data.size();
    long hits = 0;
    double lossSum = 0;
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      DataSet ds = BatchStream.all(data, from, to);
      INDArray out = net.output(ds.getFeatures());
      INDArray pred = out.argMax(1);
      for (int k = 0; k < to - from; k++) {
        boolean finite = Double.isFinite(out.getDouble(k, 0));
        if (finite && pred.getInt(k) == data.y()[from + k]) {
          hits++;
        }
      }
      lossSum += net.score(ds) * (to - from);
    }
    return new Evaluation((double) hits / n, lossSum / n, n);
  }

  /** The network's output rows on {@code data} (class probabilities of a softmax output). */
  static double[][] outputs(Net net, LabeledData data) {
    int n = data.size();
    double[][] p = new double[n][];
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      INDArray out = net.output(BatchStream.all(data, from, to).getFeatures());
      for (int k = 0; k < to - from; k++) {
        p[from + k] = out.getRow(k).toDoubleVector();
      }
    }
    return p;
  }
}
