package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Policies#options}: exactly the keys {@link Policies#create} accepts, and each of them
 * validates its value.
 */
class PolicyOptionsTest {

  private static List<String> all() {
    return new ArrayList<>(Policies.names());
  }

  @Test
  void everyListedOptionIsReadAndValidatedByCreate() {
    for (String name : all()) {
      for (String key : Policies.options(name)) {
        // an unparsable value: refused, by a message about the value, never "has no option"
        PolicySpec s = PolicySpec.of(name).with(key, "@bad");
        if (name.equals("warmup") && !key.equals("schedule")) {
          // warmup reads a wrapped schedule's options only with that schedule
          s = s.with("schedule", wrapping(key));
        }
        if (name.equals("pi") && !key.equals("base")) {
          // pi reads a base schedule's options only with that base schedule
          s = s.with("base", wrapping(key));
        }
        PolicySpec spec = s;
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> Policies.create(spec),
                name + "." + key + " accepted the unparsable value @bad");
        assertFalse(e.getMessage().contains("has no option"), name + "." + key + ": " + e);
        assertTrue(e.getMessage().contains("@bad"), name + "." + key + ": " + e.getMessage());
      }
    }
  }

  private static String wrapping(String key) {
    return switch (key) {
      case "step-size" -> "step";
      case "gamma" -> "exponential";
      case "lr-min" -> "cosine";
      case "t0", "t-mult" -> "sgdr";
      case "t-max", "pct-start", "div-factor", "final-div-factor" -> "onecycle";
      default -> "constant";
    };
  }

  @Test
  void anUnlistedOptionIsRejectedByCreate() {
    for (String name : all()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Policies.create(PolicySpec.of(name).with("no-such-option", "1")));
      assertTrue(e.getMessage().contains("has no option 'no-such-option'"), e.getMessage());
    }
  }

  @Test
  void unknownPolicyIsNamed() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.options("nosuch"));
    assertTrue(e.getMessage().contains("'nosuch'"), e.getMessage());
  }
}
