package dev.governor.trainers;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.PolicyState;
import java.util.function.Function;

/**
 * A test policy: a fixed rate, and a function of the observation that may override the decision
 * (e.g. a guard action when the loss is not finite, or an invalid value).
 */
final class ScriptedPolicy implements Policy {
  private final Hyperparameters base;
  private final Function<Observation, Hyperparameters> script;

  ScriptedPolicy(Hyperparameters base, Function<Observation, Hyperparameters> script) {
    this.base = base;
    this.script = script;
  }

  /** SKIP after a step whose loss is not finite. */
  static ScriptedPolicy skipOnNaN(double lr) {
    Hyperparameters h = Hyperparameters.of(lr, Hyperparameters.NO_CLIP, 0);
    return new ScriptedPolicy(
        h, o -> Double.isFinite(o.loss()) ? h : h.withAction(GuardAction.SKIP));
  }

  /** ROLLBACK with the rate halved after a step whose loss is not finite. */
  static ScriptedPolicy rollbackOnNaN(double lr) {
    Hyperparameters h = Hyperparameters.of(lr, Hyperparameters.NO_CLIP, 0);
    return new ScriptedPolicy(
        h, o -> Double.isFinite(o.loss()) ? h : h.withLr(lr / 2).withAction(GuardAction.ROLLBACK));
  }

  @Override
  public Hyperparameters initial() {
    return base;
  }

  @Override
  public void decide(Observation obs, Decision out) {
    out.reset();
    out.step = obs.step();
    Hyperparameters h = script.apply(obs);
    if (h == null) {
      // an invalid decision, written the way a buggy policy would
      out.set(base);
      out.lr = Double.NaN;
    } else {
      out.set(h);
    }
  }

  @Override
  public PolicyState snapshot() {
    return PolicyState.writer("scripted").build();
  }

  @Override
  public void restore(PolicyState state) {
    state.reader("scripted").end();
  }

  @Override
  public Policy copy() {
    return new ScriptedPolicy(base, script);
  }

  @Override
  public PolicySpec spec() {
    return PolicySpec.of("scripted");
  }
}
