package dev.governor.trainers;

import dev.governor.control.Policies;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A profiling workload: {@code governor.steps} steps of {@code net.fit} on the MLP (784-256-128-10,
 * batch 128) with Governor attached ({@code governor.policy}, default {@code pi}), or plain with
 * {@code -Dgovernor.plain=true}; prints the calling-thread CPU time per step. Run under Java Flight
 * Recorder ({@code bench/probe AttachProfileProbe -XX:StartFlightRecording=...}) to see where the
 * attachment's time goes.
 */
public final class AttachProfileProbe {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  /** Runs the workload and prints its line to standard output. */
  public static void main(String[] args) {
    int steps = Integer.getInteger("governor.steps", 2000);
    boolean plain = Boolean.getBoolean("governor.plain");
    String policy = System.getProperty("governor.policy", "pi");
    LabeledData train = Datasets.synthetic(1, 20_000, 1_000).train();
    MultiLayerNetwork net = Models.create("mlp", train, 1);
    BatchStream data = new BatchStream(train, 128, 1);
    Governor g = plain ? null : Governor.attach(net, Policies.create(policy));
    for (int w = 0; w < 100; w++) {
      net.fit(data.next());
    }
    long c0 = MX.getCurrentThreadCpuTime();
    for (int s = 0; s < steps; s++) {
      net.fit(data.next());
    }
    double ms = (MX.getCurrentThreadCpuTime() - c0) / 1e6 / steps;
    System.out.printf(
        "PROFILE %s steps=%d cpu %.3f ms/step%n", plain ? "plain" : policy, steps, ms);
    if (g != null) {
      g.close();
    }
  }
}
