package dev.governor.sim;

import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/** Seeded random streams, every one split from a run seed. */
final class Rng {
  private Rng() {}

  /** Stream ids: each purpose gets its own stream derived from the seed. */
  static final long PROBLEM = 0x5052_4f42L;

  static final long STEPS = 0x5354_4550L;

  static final long VALIDATION = 0x5641_4c44L;

  /**
   * A fast generator (XoRoShiRo128++) for stream {@code stream} of seed {@code seed}: the two are
   * mixed by SplitMix64, so streams of one seed and equal streams of different seeds are
   * independent.
   */
  static RestorableUniformRandomProvider stream(long seed, long stream) {
    UniformRandomProvider mix =
        RandomSource.SPLIT_MIX_64.create(seed ^ (stream * 0x9E3779B97F4A7C15L));
    long[] s = {mix.nextLong(), mix.nextLong()};
    return RandomSource.XO_RO_SHI_RO_128_PP.create(s);
  }

  /** The ziggurat standard normal sampler (stateless beyond its generator). */
  static NormalizedGaussianSampler gauss(UniformRandomProvider rng) {
    return ZigguratSampler.NormalizedGaussian.of(rng);
  }
}
