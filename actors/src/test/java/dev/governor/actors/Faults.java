package dev.governor.actors;

import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.PolicyState;
import dev.governor.control.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** Fault injection for tests: a policy and a trainer that throw at a given step. */
final class Faults {
  private Faults() {}

  /** Thrown by the injected faults (so LoggingTestKit can expect exactly these). */
  static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFault(String message) {
      super(message);
    }
  }

  /**
   * A policy that throws when deciding step {@code atStep}, the first {@code times} times across
   * all instances sharing {@code count} (a restarted controller makes a new instance).
   */
  static Policy throwingPolicy(Policy inner, long atStep, int times, AtomicInteger count) {
    return new Policy() {
      @Override
      public Hyperparameters initial() {
        return inner.initial();
      }

      @Override
      public void decide(Observation obs, Decision out) {
        if (obs.step() == atStep && count.getAndIncrement() < times) {
          throw new InjectedFault("policy fault at step " + atStep);
        }
        inner.decide(obs, out);
      }

      @Override
      public PolicyState snapshot() {
        return inner.snapshot();
      }

      @Override
      public void restore(PolicyState state) {
        inner.restore(state);
      }

      @Override
      public Policy copy() {
        return throwingPolicy(inner.copy(), atStep, times, count);
      }

      @Override
      public PolicySpec spec() {
        return inner.spec();
      }
    };
  }

  /** A trainer that throws when running step {@code atStep}, the first {@code times} times. */
  static Trainer throwingTrainer(Trainer inner, long atStep, int times, AtomicInteger count) {
    return new Trainer() {
      @Override
      public Observation step(long step, Hyperparameters h) {
        if (step == atStep && count.getAndIncrement() < times) {
          throw new InjectedFault("trainer fault at step " + atStep);
        }
        return inner.step(step, h);
      }

      @Override
      public int layerCount() {
        return inner.layerCount();
      }

      @Override
      public void saveCheckpoint(Path dir) throws IOException {
        inner.saveCheckpoint(dir);
      }

      @Override
      public void loadCheckpoint(Path dir) throws IOException {
        inner.loadCheckpoint(dir);
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }
}
