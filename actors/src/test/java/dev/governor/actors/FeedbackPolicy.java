package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.PolicyState;

/**
 * A small stateful feedback policy for tests, so that the order and completeness of the
 * observations a controller sees shows in its decisions: the learning rate grows by 5% after a step
 * whose loss fell and shrinks by 30% after one whose loss rose (NaN counts as a rise), within
 * [1e-4, 1]; a guard SKIP is asked for when the loss more than doubles.
 */
final class FeedbackPolicy implements Policy {
  private final double lr0;
  private double lr;
  private double prevLoss = Double.NaN;

  FeedbackPolicy(double lr0) {
    this.lr0 = lr0;
    this.lr = lr0;
  }

  @Override
  public Hyperparameters initial() {
    return Hyperparameters.of(lr0, Hyperparameters.NO_CLIP, 0);
  }

  @Override
  public void decide(Observation obs, Decision out) {
    double loss = obs.loss();
    boolean fell = loss < prevLoss;
    boolean spike = loss > 2 * prevLoss;
    lr = Math.min(1, Math.max(1e-4, lr * (fell ? 1.05 : 0.7)));
    prevLoss = loss;
    out.reset();
    out.step = obs.step();
    out.lr = lr;
    out.clip = Hyperparameters.NO_CLIP;
    out.weightDecay = 0;
    out.action = spike ? GuardAction.SKIP : GuardAction.NONE;
  }

  @Override
  public PolicyState snapshot() {
    return PolicyState.writer("feedback").putDouble(lr).putDouble(prevLoss).build();
  }

  @Override
  public void restore(PolicyState state) {
    PolicyState.Reader r = state.reader("feedback");
    lr = r.getDouble();
    prevLoss = r.getDouble();
    r.end();
  }

  @Override
  public Policy copy() {
    return new FeedbackPolicy(lr0);
  }

  @Override
  public PolicySpec spec() {
    return PolicySpec.of("feedback").with("lr", lr0);
  }
}
