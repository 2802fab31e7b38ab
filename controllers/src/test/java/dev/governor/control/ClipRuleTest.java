package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * ZClip and AutoClip thresholds on hand-made gradient-norm sequences against NumPy.
 *
 * <p>ZClip reference (a transliteration of bluorion-com/ZClip {@code zclip/zclip.py}, mode zscore,
 * adaptive_scaling, clip_factor 1, no max_grad_norm; NaN norms skipped; then the one-step-delayed
 * threshold of {@link ClipRule.ZClip}):
 *
 * <pre>
 * buf = []; mean = var = None; out = []
 * for g in norms:
 *     if not finite(g): out.append(out[-1]); continue
 *     if mean is None:
 *         buf.append(g)
 *         if len(buf) >= warmup:
 *             mean = sum(buf)/len(buf); var = sum((x-mean)**2 for x in buf)/len(buf)
 *             out.append(mean + z_thr*sqrt(var))
 *         else: out.append(inf)
 *         continue
 *     std = sqrt(var); z = (g - mean)/(std + 1e-6)
 *     eff = mean + (z_thr*std)/(z/z_thr) if z > z_thr else g
 *     mean = alpha*mean + (1-alpha)*eff; var = alpha*var + (1-alpha)*(eff-mean)**2
 *     out.append(mean + z_thr*min(1, z_thr/z)*sqrt(var))     # z > 0 here
 * </pre>
 *
 * <p>AutoClip reference: {@code np.percentile(history, p)} of the finite norms so far.
 */
class ClipRuleTest {

  static final double NAN = Double.NaN;

  @Test
  void zclipFollowsTheReferenceStatisticsWithTheDelayedThreshold() {
    // alpha 0.97, z_thr 2.5, warm-up 5; the norm 3.0 (z ≈ 19) and 10.0 are spikes, NaN is skipped
    double[] norms = {1.0, 1.2, 0.9, 1.1, 1.0, 1.05, 3.0, 1.1, NAN, 0.95, 10.0, 1.0};
    double inf = Double.POSITIVE_INFINITY;
    double[] expected = {
      inf,
      inf,
      inf,
      inf,
      1.2949509756796393, // mean 1.04 + 2.5·sqrt(0.0104) after the warm-up
      1.2914327176514442,
      1.0730089779912453, // after the spike: the reciprocal threshold mean + (2.5²/z)·σ
      1.2882339224405643,
      1.2882339224405643, // NaN: held
      1.2848775396338419,
      1.047016406161941,
      1.2771486854224083
    };
    ClipRule.ZClip z = new ClipRule.ZClip(0.97, 2.5, 5);
    assertEquals(inf, z.threshold());
    for (int i = 0; i < norms.length; i++) {
      z.observe(norms[i]);
      assertEquals(expected[i], z.threshold(), 1e-12, "after norm " + i + " = " + norms[i]);
    }
    assertEquals(1.0392239712544409, z.mean(), 1e-12);
    assertEquals(0.009057307137905443, z.variance(), 1e-14);
  }

  @Test
  void zclipDefaultsAreTheReferenceDefaults() {
    Policy p = Policies.create("constant(clip=zclip)");
    Gear g = ((GearedPolicy) p).gear();
    assertEquals(0.97, g.zclipAlpha());
    assertEquals(2.5, g.zclipZ());
    assertEquals(25, g.zclipWarmup());
    // no clipping during the 25 warm-up norms; then mean + 2.5·σ (σ = 0 for equal norms → mean)
    assertEquals(Double.POSITIVE_INFINITY, p.initial().clip());
    Decision d = new Decision();
    for (int t = 0; t < 24; t++) {
      p.decide(Observation.builder(t).gradNorm(2.0).loss(1).build(), d);
      assertEquals(Double.POSITIVE_INFINITY, d.clip, "warm-up step " + t);
    }
    p.decide(Observation.builder(24).gradNorm(2.0).loss(1).build(), d);
    assertEquals(2.0, d.clip, 1e-12);
  }

  @Test
  void autoclipIsTheNumpyPercentileOfThePastNorms() {
    double[] norms = {3, 1, 4, 1, 5, 9, 2, 6, NAN, 5, 3};
    // np.percentile(history[:t+1], p), NaN skipped
    double[][] expected = {
      {3.0, 1.2, 1.4, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0},
      {3.0, 2.0, 3.0, 2.0, 3.0, 3.5, 3.0, 3.5, 3.5, 4.0, 3.5},
      {3.0, 2.8, 3.8, 3.7, 4.6, 7.0, 6.6, 6.9, 6.9, 6.6, 6.3}
    };
    double[] ps = {10, 50, 90};
    for (int k = 0; k < ps.length; k++) {
      ClipRule.AutoClip a = new ClipRule.AutoClip(ps[k]);
      assertEquals(Double.POSITIVE_INFINITY, a.threshold(), "before any norm");
      for (int i = 0; i < norms.length; i++) {
        a.observe(norms[i]);
        assertEquals(expected[k][i], a.threshold(), 1e-12, "p=" + ps[k] + " after norm " + i);
      }
      assertEquals(10, a.size());
    }
  }

  @Test
  void autoclipMatchesASortedHistoryOnALongRandomSequence() {
    // the two-heap percentile against sorting the whole history (np.percentile's linear rule)
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    ClipRule.AutoClip a = new ClipRule.AutoClip(10);
    double[] h = new double[3000];
    for (int n = 1; n <= h.length; n++) {
      h[n - 1] = Math.exp(r.nextGaussian());
      a.observe(h[n - 1]);
      if (n % 97 == 0 || n < 10) {
        double[] s = java.util.Arrays.copyOf(h, n);
        java.util.Arrays.sort(s);
        double pos = 0.1 * (n - 1);
        int lo = (int) Math.floor(pos);
        double v = lo + 1 < n ? s[lo] + (s[lo + 1] - s[lo]) * (pos - lo) : s[lo];
        assertEquals(v, a.threshold(), 1e-12 * v, "n=" + n);
      }
    }
  }

  @Test
  void snapshotRestoresBitForBit() {
    for (String spec :
        new String[] {"constant(clip=zclip, zclip-warmup=3)", "constant(clip=autoclip)"}) {
      Policy p = Policies.create(spec);
      Decision d = new Decision();
      for (int t = 0; t < 200; t++) {
        p.decide(Observation.builder(t).gradNorm(1 + (t * 7 % 13) / 5.0).loss(1).build(), d);
      }
      PolicyState s = p.snapshot();
      Policy q = Policies.create(spec);
      q.restore(s);
      Decision e = new Decision();
      for (int t = 200; t < 300; t++) {
        Observation o = Observation.builder(t).gradNorm(1 + (t * 5 % 11) / 3.0).loss(1).build();
        p.decide(o, d);
        q.decide(o, e);
        assertEquals(Double.doubleToLongBits(d.clip), Double.doubleToLongBits(e.clip), spec);
      }
      assertEquals(p.snapshot(), q.snapshot(), spec);
    }
  }

  @Test
  void thresholdsAreNeverNanNorNonPositive() {
    ClipRule.ZClip z = new ClipRule.ZClip(0.97, 2.5, 2);
    ClipRule.AutoClip a = new ClipRule.AutoClip(10);
    double[] bad = {0, 0, 0, NAN, Double.POSITIVE_INFINITY, -1, 0, Double.MIN_VALUE, 1e300};
    for (double g : bad) {
      z.observe(g);
      a.observe(g);
      assertTrue(z.threshold() > 0, "zclip " + z.threshold() + " after " + g);
      assertTrue(a.threshold() > 0, "autoclip " + a.threshold() + " after " + g);
    }
    // all-zero norms give no positive threshold: no clipping rather than a zero threshold
    ClipRule.AutoClip zeros = new ClipRule.AutoClip(50);
    zeros.observe(0);
    assertEquals(Double.POSITIVE_INFINITY, zeros.threshold());
  }

  @Test
  void badClipOptionsNameThemselves() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("cosine(clip=zlip)"));
    assertEquals(
        "cosine.clip must be a number > 0, inf, zclip or autoclip, but was 'zlip'", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Policies.create("cosine(clip=zclip, zclip-alpha=1)"));
    assertEquals("cosine.zclip-alpha must be in (0.0, 1.0), but was 1.0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Policies.create("step(clip=autoclip, autoclip-p=101)"));
    assertEquals("step.autoclip-p must be in [0.0, 100.0], but was 101.0", e.getMessage());
  }
}
