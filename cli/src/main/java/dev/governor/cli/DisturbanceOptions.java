package dev.governor.cli;

import dev.governor.sim.Disturbance;
import dev.governor.trainers.Dl4jDisturbance;
import picocli.CommandLine.Option;

/**
 * The {@code train} disturbance flags (a picocli mixin): one declaration of {@code --disturbance},
 * {@code --disturbance-at}, {@code --disturbance-factor} and {@code --disturbance-length}, and one
 * place that turns them into a {@link Disturbance} of the simulated plant ({@code --plant}) or a
 * {@link Dl4jDisturbance} of a DL4J run ({@code --dataset}), with defaults scaled to the run's
 * length. A null field means "not given".
 */
final class DisturbanceOptions {
  @Option(
      names = "--disturbance",
      description =
          "none | curvature-jump | noise-burst | batch-halving | spikes (default none); at"
              + " --disturbance-at with --disturbance-factor. With --dataset: none | shift |"
              + " noise-burst | batch-halving | spikes.")
  String disturbance = "none";

  @Option(
      names = "--disturbance-at",
      description = "Step of the disturbance (default: half the steps).")
  Long disturbanceAt;

  @Option(
      names = "--disturbance-factor",
      description =
          "Curvature / noise / spike factor (default 10); with --dataset the label-noise factor"
              + " (a label is random with probability 1 - 1/factor) or the spike's feature"
              + " multiplier, >= 1.")
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
    UserException.requireAtLeast("--disturbance-at", at, 0);
    if (!(disturbanceFactor > 0) || !Double.isFinite(disturbanceFactor)) {
      throw new UserException(
          "--disturbance-factor must be finite and > 0, but was " + disturbanceFactor);
    }
    long length = disturbanceLength != null ? disturbanceLength : Math.max(1, steps / 10);
    UserException.requireAtLeast("--disturbance-length", length, 1);
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

  /**
   * The disturbance the flags describe for a DL4J run of {@code steps} steps ({@code --dataset}).
   *
   * @throws UserException naming the flag and its value when it is out of its domain
   */
  Dl4jDisturbance dl4j(long steps) {
    Dl4jDisturbance.Kind kind = Dl4jDisturbance.Kind.of(disturbance);
    if (kind == null) {
      throw new UserException(
          "--disturbance with --dataset must be none, shift, noise-burst, batch-halving or"
              + " spikes, but was '"
              + disturbance
              + "'");
    }
    long at = disturbanceAt != null ? disturbanceAt : steps / 2;
    UserException.requireAtLeast("--disturbance-at", at, 0);
    if (!(disturbanceFactor >= 1) || !Double.isFinite(disturbanceFactor)) {
      throw new UserException(
          "--disturbance-factor with --dataset must be finite and >= 1, but was "
              + disturbanceFactor);
    }
    long length = disturbanceLength != null ? disturbanceLength : Math.max(1, steps / 10);
    UserException.requireAtLeast("--disturbance-length", length, 1);
    return kind == Dl4jDisturbance.Kind.NONE
        ? Dl4jDisturbance.NONE
        : new Dl4jDisturbance(kind, at, disturbanceFactor, length);
  }

  /** The disturbance as run.json records it: "none", or the flag and the disturbance. */
  String text(Disturbance d) {
    return d.equals(Disturbance.NONE) ? "none" : disturbance + " " + d;
  }
}
