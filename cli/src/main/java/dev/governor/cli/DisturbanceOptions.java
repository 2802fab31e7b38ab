package dev.governor.cli;

import dev.governor.sim.Disturbance;
import picocli.CommandLine.Option;

/**
 * The {@code train --plant} disturbance flags (a picocli mixin): one declaration of {@code
 * --disturbance}, {@code --disturbance-at}, {@code --disturbance-factor} and {@code
 * --disturbance-length}, and one place that turns them into a {@link Disturbance} with defaults
 * scaled to the run's length. A null field means "not given".
 */
final class DisturbanceOptions {
  @Option(
      names = "--disturbance",
      description =
          "none | curvature-jump | noise-burst | batch-halving | spikes (default none); at"
              + " --disturbance-at with --disturbance-factor.")
  String disturbance = "none";

  @Option(
      names = "--disturbance-at",
      description = "Step of the disturbance (default: half the steps).")
  Long disturbanceAt;

  @Option(
      names = "--disturbance-factor",
      description = "Curvature / noise / spike factor (default 10).")
  double disturbanceFactor = 10;

  @Option(
      names = "--disturbance-length",
      description = "noise-burst: steps (default: a tenth of the steps); spikes: period.")
  Long disturbanceLength;

  /**
   * The disturbance the flags describe, for a run of {@code steps} steps at mini-batch {@code
   * batch} (null: the default 16).
   *
   * @throws UserException naming the flag and its value when it is out of its domain
   */
  Disturbance disturbance(long steps, Integer batch) {
    long at = disturbanceAt != null ? disturbanceAt : steps / 2;
    if (at < 0) {
      throw new UserException("--disturbance-at must be >= 0, but was " + at);
    }
    if (!(disturbanceFactor > 0) || !Double.isFinite(disturbanceFactor)) {
      throw new UserException(
          "--disturbance-factor must be finite and > 0, but was " + disturbanceFactor);
    }
    long length = disturbanceLength != null ? disturbanceLength : Math.max(1, steps / 10);
    if (length < 1) {
      throw new UserException("--disturbance-length must be >= 1, but was " + length);
    }
    return switch (disturbance) {
      case "none" -> Disturbance.NONE;
      case "curvature-jump" -> Disturbance.curvatureJump(at, disturbanceFactor);
      case "noise-burst" -> Disturbance.noiseBurst(at, length, disturbanceFactor);
      case "batch-halving" ->
          Disturbance.batchChange(at, Math.max(1, (batch != null ? batch : 16) / 2));
      case "spikes" -> Disturbance.spikes(at, length, disturbanceFactor);
      default ->
          throw new UserException(
              "--disturbance must be none, curvature-jump, noise-burst, batch-halving or spikes,"
                  + " but was '"
                  + disturbance
                  + "'");
    };
  }

  /** The disturbance as run.json records it: "none", or the flag and the disturbance. */
  String text(Disturbance d) {
    return d.equals(Disturbance.NONE) ? "none" : disturbance + " " + d;
  }
}
