package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.LrLoopBoundary;
import dev.governor.control.LrLoopStability;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The suite's simulated run ({@link StabilityMapSuite#simulateOnce}: the {@link Runner} with a
 * warm-up, {@link NqmProblem#stationary} and a step observer) against a direct implementation of
 * the protocol written here on its own: its own replicated quadratic, its own step loop on a {@link
 * SimulatedTrainer}. Both must give the same run to the bit.
 */
class StabilityMapReferenceTest {

  private static final StabilityMapSuite.Regime REGIME = StabilityMapSuite.regimes(true).get(0);

  /**
   * The quadratic ½ Σ h_i x_i², each curvature repeated, started at N(0, η s_i²/(h_i(2 − η h_i))).
   */
  private static final class Replicated implements Problem {
    private final double[] h;
    private final double[] sd;
    private final double[] start;

    Replicated(ProblemConfig.Nqm nqm, int copies, double eta, long seed) {
      int k = nqm.dim();
      h = new double[k * copies];
      sd = new double[h.length];
      start = new double[h.length];
      UniformRandomProvider rng = Rng.stream(seed, Rng.PROBLEM);
      NormalizedGaussianSampler gauss = Rng.gauss(rng);
      for (int i = 0; i < h.length; i++) {
        double c = nqm.curvature(i % k);
        double w = nqm.noise() == NoiseKind.ISOTROPIC ? 1.0 : c;
        double s2 = nqm.noiseScale() * w / nqm.batch();
        h[i] = c;
        sd[i] = Math.sqrt(s2 * nqm.batch());
        start[i] = Math.sqrt(eta * s2 / (c * (2 - eta * c))) * gauss.sample();
      }
    }

    @Override
    public String name() {
      return "reference";
    }

    @Override
    public int dim() {
      return h.length;
    }

    @Override
    public void start(double[] x) {
      System.arraycopy(start, 0, x, 0, x.length);
    }

    @Override
    public double loss(double[] x) {
      double sum = 0;
      for (int i = 0; i < h.length; i++) {
        sum += h[i] * x[i] * x[i];
      }
      return 0.5 * sum;
    }

    @Override
    public double minLoss() {
      return 0;
    }

    @Override
    public double lambdaMax() {
      return h[0];
    }

    @Override
    public double sample(
        double[] x,
        double[] g,
        int batch,
        double noiseMultiplier,
        UniformRandomProvider rng,
        NormalizedGaussianSampler gauss) {
      double scale = noiseMultiplier / Math.sqrt(batch);
      double loss = 0;
      for (int i = 0; i < h.length; i++) {
        g[i] = h[i] * x[i] + sd[i] * scale * gauss.sample();
        loss += g[i] * g[i] / h[i];
      }
      return 0.5 * loss;
    }
  }

  /** The protocol step by step: warm-up at η, hand-over at η/2, bounds, detrended std of ln η. */
  private static StabilityMap.Run reference(
      double eta, double kp, double ki, long seed, int copies, int warmup, int steps) {
    SimulatedTrainer plant =
        SimulatedTrainer.of(
            SimulatedTrainer.Config.of(REGIME.nqm(), OptimizerKind.SGD, seed),
            new Replicated(REGIME.nqm(), copies, eta, seed));
    long t = 0;
    for (; t < warmup; t++) {
      plant.step(t, eta, Double.POSITIVE_INFINITY, 0, GuardAction.NONE);
    }
    double lr0 = eta * Math.exp(StabilityMapSuite.DELTA);
    Policy p =
        Policies.create(
            StabilityMapSuite.loopSpec(
                lr0, REGIME.setpoint(), kp, ki, StabilityMapSuite.Gear.BARE));
    double lr = p.initial().lr();
    Decision dec = new Decision();
    double limit = RunResult.DIVERGENCE_FACTOR * plant.exactLoss();
    boolean diverged = false;
    boolean hit = false;
    int half = steps / 2;
    java.util.List<Double> lnLr = new java.util.ArrayList<>();
    for (int k = 0; k < steps; k++, t++) {
      Observation o = plant.step(t, lr, Double.POSITIVE_INFINITY, 0, GuardAction.NONE);
      if (!(plant.exactLoss() <= limit)) {
        diverged = true;
        break;
      }
      p.decide(o, dec);
      lr = dec.lr;
      if (lr <= lr0 / 100 * (1 + 1e-9) || lr >= lr0 * 100 * (1 - 1e-9)) {
        hit = true;
      }
      if (k >= half) {
        lnLr.add(Math.log(lr));
      }
    }
    if (diverged || lnLr.size() <= 2) {
      return new StabilityMap.Run(diverged, hit, Double.NaN, null);
    }
    // residual std about the least-squares line, two-pass (centred) form
    int n = lnLr.size();
    double mk = (n - 1) / 2.0;
    double my = lnLr.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double skk = 0;
    double sky = 0;
    double syy = 0;
    for (int k = 0; k < n; k++) {
      skk += (k - mk) * (k - mk);
      sky += (k - mk) * (lnLr.get(k) - my);
      syy += (lnLr.get(k) - my) * (lnLr.get(k) - my);
    }
    return new StabilityMap.Run(
        false, hit, Math.sqrt(Math.max(0, (syy - sky * sky / skk) / (n - 2))), null);
  }

  @ParameterizedTest(name = "Ki = {0} x Ki*, Kp = {1} x Ki*")
  @CsvSource({"0.01, 0", "0.1, 0", "0.5, 0.5", "4, 0"})
  void runnerPathIsTheProtocol(double kiFactor, double kpFactor) {
    LrLoopStability.Plant plant =
        LrLoopStability.alignmentOnQuadratic(
            REGIME.spectrum(), REGIME.noiseVar(), REGIME.setpoint());
    double kiCrit =
        LrLoopBoundary.critical(plant, LrLoopBoundary.Axis.KI, 0, StabilityMapSuite.ALPHA);
    double eta = plant.equilibriumLr();
    StabilityMap.Run want = reference(eta, kpFactor * kiCrit, kiFactor * kiCrit, 3, 16, 100, 600);
    StabilityMap.Run got =
        StabilityMapSuite.simulateOnce(
            REGIME,
            StabilityMapSuite.Gear.BARE,
            eta,
            kpFactor * kiCrit,
            kiFactor * kiCrit,
            3,
            16,
            100,
            600);
    assertEquals(want.diverged(), got.diverged());
    assertEquals(want.hitBound(), got.hitBound());
    // the same trajectory; the std's two formulas (running sums vs centred) differ by rounding
    if (Double.isNaN(want.std())) {
      assertEquals(Double.NaN, got.std());
    } else {
      assertEquals(want.std(), got.std(), 1e-9 * Math.max(1, want.std()));
    }
  }

  @Test
  void stationaryProblemIsTheReplicatedQuadratic() {
    // the problem itself, coordinate by coordinate: start, loss, gradient
    double eta = 0.3;
    NqmProblem q = NqmProblem.stationary(REGIME.nqm(), 8, eta, 5);
    Replicated r = new Replicated(REGIME.nqm(), 8, eta, 5);
    assertEquals(r.dim(), q.dim());
    double[] xq = new double[q.dim()];
    double[] xr = new double[r.dim()];
    q.start(xq);
    r.start(xr);
    org.junit.jupiter.api.Assertions.assertArrayEquals(xr, xq, 0);
    assertEquals(r.loss(xr), q.loss(xq), 0);
    assertEquals(r.lambdaMax(), q.lambdaMax(), 0);
  }
}
