package dev.governor.bench;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.PiConfig;
import dev.governor.control.PiController;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicyState;
import dev.governor.sim.SimulatedTrainer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of one control decision: the default {@code pi} policy's {@code decide} and a bare {@link
 * PiController} update, in ns per call (average time) — allocation per call comes from JMH's GC
 * profiler ({@code gc.alloc.rate.norm}).
 *
 * <p>The policy is fed a recorded stream of {@value #N} real observations (an NQM plant driven by
 * {@code pi} itself, so the loops, the guard and the clip loop all see realistic values). One
 * invocation replays the whole stream after restoring the policy's initial state, so steps always
 * increase; the restore is amortised over {@value #N} decisions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyBench {
  static final int N = 4096;

  private Observation[] stream;
  private Policy pi;
  private PolicyState piStart;
  private final Decision out = new Decision();
  private PiController controller;
  private double[] measurements;

  @Setup
  public void setup() {
    stream = recordedStream(N);
    pi = Policies.create("pi");
    piStart = pi.snapshot();
    controller =
        PiController.of(
            PiConfig.builder()
                .kp(0.2)
                .ki(0.05)
                .setpoint(0)
                .filterAlpha(0.1)
                .initial(Math.log(0.1))
                .bounds(Math.log(1e-6), Math.log(10))
                .maxDelta(Math.log(2))
                .build());
    measurements = new double[N];
    for (int i = 0; i < N; i++) {
      measurements[i] = stream[i].alignment();
    }
  }

  /** A stream of observations from an NQM plant (D = 100, SGD) run under {@code pi}. */
  static Observation[] recordedStream(int n) {
    Policy policy = Policies.create("pi");
    Observation[] obs = new Observation[n];
    try (SimulatedTrainer plant =
        SimulatedTrainer.of(SimulatedTrainer.Config.parse("nqm(dim=100)", "sgd", 42))) {
      Hyperparameters h = policy.initial();
      Decision d = new Decision();
      for (int t = 0; t < n; t++) {
        obs[t] = plant.step(t, h);
        policy.decide(obs[t], d);
        h = d.hyperparameters().withAction(GuardAction.NONE);
      }
    }
    return obs;
  }

  /** The default {@code pi} policy (LR, clip and WD loops plus guard): ns per decide. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double piDecide() {
    pi.restore(piStart);
    double sum = 0;
    for (int i = 0; i < N; i++) {
      pi.decide(stream[i], out);
      sum += out.lr;
    }
    return sum;
  }

  /** One PI controller update (filter, PI law, anti-windup, bounds, slew): ns per update. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double piControllerUpdate() {
    double sum = 0;
    for (int i = 0; i < N; i++) {
      sum += controller.update(measurements[i]);
    }
    return sum;
  }
}
