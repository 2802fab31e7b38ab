package dev.governor.control;

/**
 * The PI controller of the clip and weight-decay loops: reverse-acting (a measurement above the
 * setpoint lowers the output), its output the natural log of a multiplier kept within {@code [1 /
 * range, range]}, so the output is bounded to {@code [−ln range, ln range]}. The loops set their
 * own initial value and slew limit on the returned builder.
 */
final class LogMultiplierPi {
  private LogMultiplierPi() {}

  /**
   * A builder with the gains, setpoint, filter and the symmetric log bounds set.
   *
   * @param range the multiplier's largest factor either way, {@code > 1} (validated by the loop's
   *     config)
   */
  static PiConfig.Builder builder(
      double kp, double ki, double setpoint, double alpha, double range) {
    double lim = Math.log(range);
    return PiConfig.builder()
        .kp(kp)
        .ki(ki)
        .setpoint(setpoint)
        .reverseActing(true)
        .filterAlpha(alpha)
        .bounds(-lim, lim);
  }
}
