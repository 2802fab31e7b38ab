package dev.governor.trainers;

import dev.governor.control.Observation;
import dev.governor.control.Policies;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A measurement: Governor's update ratio log10(‖Δθ‖₂/‖θ‖₂) against the one DL4J's training UI
 * shows, log10(mean|Δθ|/mean|θ|) per layer and parameter, on the MLP with Adam at 1e-3 (steps
 * 100..199 averaged). Run with {@code bench/probe UpdateRatioProbe}; prints {@code RATIO} lines.
 */
public final class UpdateRatioProbe {

  /** Runs the measurement and prints its lines to standard output. */
  public static void main(String[] args) throws Exception {
    new UpdateRatioProbe().governorVersusDl4jUiRatio();
  }

  void governorVersusDl4jUiRatio() {
    Datasets.Split split = Datasets.synthetic(1, 6400, 100);
    MultiLayerNetwork net = Models.create("mlp", split.train(), 7);
    BatchStream data = new BatchStream(split.train(), 64, 3);
    Map<String, double[]> dl4j = new TreeMap<>();
    int[] step = {0};
    net.addListeners(
        new BaseTrainingListener() {
          @Override
          public void iterationDone(Model m, int iteration, int epoch) {
            if (step[0] < 100) {
              return;
            }
            MultiLayerNetwork n = (MultiLayerNetwork) m;
            for (Map.Entry<String, INDArray> e : n.gradient().gradientForVariable().entrySet()) {
              INDArray p = n.getParam(e.getKey());
              double r = Math.log10(e.getValue().amean().getDouble(0) / p.amean().getDouble(0));
              dl4j.computeIfAbsent(e.getKey(), k -> new double[1])[0] += r / 100;
            }
          }
        });
    double governor = 0;
    try (Governor g = Governor.attach(net, Policies.create("constant(lr=0.001)"))) {
      for (; step[0] < 200; step[0]++) {
        Observation o = g.fit(data.next());
        if (step[0] >= 100) {
          governor += Math.log10(o.updateRatio()) / 100;
        }
      }
    }
    System.out.printf("RATIO governor log10(|du|2/|theta|2) = %.3f%n", governor);
    for (Map.Entry<String, double[]> e : dl4j.entrySet()) {
      System.out.printf(
          "RATIO dl4j %-6s log10(mean|du|/mean|theta|) = %.3f%n", e.getKey(), e.getValue()[0]);
    }
  }
}
