package dev.governor.trainers;

import dev.governor.control.Schedule;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The learning-rate schedule a network is configured with, as the base of a policy ({@code
 * pi(base=network)}): one for the whole network — a fixed rate or an {@link ISchedule} on the
 * updater ({@code Adam(StepSchedule(...))}), the same on every trained parameter. The policy sees
 * it as a function of its step, {@code lr(t) = schedule(iteration at attach + t, epoch at attach)};
 * the updaters themselves evaluate it at DL4J's own iteration and epoch (see {@link
 * GovernedUpdater.DecidedRate}), so the applied rate is DL4J's schedule times the policy's trim
 * even where the prediction differs (an epoch schedule after the first epoch, the iteration count a
 * SKIP or ROLLBACK restored).
 */
final class NetworkSchedule {
  private NetworkSchedule() {}

  /**
   * The network's schedule as the policy sees it.
   *
   * @throws IllegalArgumentException naming two parameters when the network's trained parameters
   *     have different learning rates or schedules, or when none has a learning rate
   */
  static Schedule of(Net net) {
    IUpdater first = null;
    String firstWhere = null;
    for (UpdaterBlock b : net.updater().getUpdaterBlocks()) {
      IUpdater c = b.getGradientUpdater().getConfig();
      if (c instanceof NoOp || !c.hasLearningRate()) {
        continue;
      }
      for (UpdaterBlock.ParamState s : b.getLayersAndVariablesInBlock()) {
        if (!s.getLayer().updaterDivideByMinibatch(s.getParamName())) {
          continue;
        }
        String where =
            "layer " + s.getLayer().getConfig().getLayerName() + " parameter " + s.getParamName();
        if (first == null) {
          first = c;
          firstWhere = where;
        } else if (!sameRate(first, c)) {
          throw new IllegalArgumentException(
              "pi(base=network) needs one learning-rate schedule for the whole network, but "
                  + firstWhere
                  + " has "
                  + describe(first)
                  + " and "
                  + where
                  + " has "
                  + describe(c));
        }
      }
    }
    if (first == null) {
      throw new IllegalArgumentException(
          "pi(base=network): the network has no trained parameter whose updater has a learning"
              + " rate");
    }
    IUpdater config = first;
    int iteration0 = net.iteration();
    int epoch0 = net.epochCount();
    return t -> {
      long it = iteration0 + Math.max(0, t);
      double v = config.getLearningRate((int) Math.min(Integer.MAX_VALUE, it), epoch0);
      if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
        throw new IllegalStateException(
            "the network's learning-rate schedule "
                + describe(config)
                + " gave "
                + v
                + " at iteration "
                + it
                + "; a learning rate must be finite and >= 0");
      }
      return v;
    };
  }

  private static boolean sameRate(IUpdater a, IUpdater b) {
    ISchedule sa = GovernedUpdater.ownSchedule(a);
    ISchedule sb = GovernedUpdater.ownSchedule(b);
    if (sa != null || sb != null) {
      return sa != null && sa.equals(sb);
    }
    return a.getLearningRate(0, 0) == b.getLearningRate(0, 0);
  }

  private static String describe(IUpdater c) {
    ISchedule s = GovernedUpdater.ownSchedule(c);
    return s != null ? s.toString() : "the fixed rate " + c.getLearningRate(0, 0);
  }
}
