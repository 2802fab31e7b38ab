package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.control.PolicyState;
import dev.governor.telemetry.PolicyStateCodec;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control loop's checkpoint: {@code policy.state} in {@link PolicyStateCodec}'s encoding and
 * {@code loop.properties}, each written whole (no temporary file left, a second save replaces the
 * first); the loop's doubles are raw IEEE-754 bits, so NaN and infinities need no text spelling: an
 * infinite clip threshold is stored as {@code 9218868437227405312} (0x7FF0000000000000, NumPy:
 * {@code np.float64(np.inf).view(np.int64)}). Checkpoints of the earlier format (the policy state
 * as Base64 text in {@code loop.properties}) still load.
 */
class ControlLoopCheckpointTest {

  private static final PolicySpec PI = PolicySpec.parse("pi(lr=0.01)");

  /** A plant whose loss falls as 1/(1 + s) with a gradient norm of 1 + 0.5 sin s (closed forms). */
  private static final ControlLoop.Plant PLANT =
      new ControlLoop.Plant() {
        @Override
        public Observation step(long s, Hyperparameters h) {
          return Observation.builder(s)
              .loss(1.0 / (1 + s))
              .gradNorm(1 + 0.5 * Math.sin(s))
              .applied(h)
              .build();
        }

        @Override
        public List<TrainerEvent> drainEvents() {
          return List.of();
        }
      };

  private static ControlLoop loop(PolicySpec spec) {
    return new ControlLoop(Policies.create(spec), null, null);
  }

  private static ControlLoop advanced(int steps) {
    ControlLoop l = loop(PI);
    for (int i = 0; i < steps; i++) {
      l.advance(PLANT);
    }
    return l;
  }

  /** The learning rates {@code l} decides over its next {@code n} steps. */
  private static List<Double> lrs(ControlLoop l, int n) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.advance(PLANT);
      out.add(l.next().lr());
    }
    return out;
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void savesBothFilesWholeAndStoresDoublesAsBits(@TempDir Path dir) throws Exception {
    PolicySpec spec = PolicySpec.parse("constant(lr=0.05)");
    ControlLoop loop = loop(spec);
    Path ckpt = dir.resolve("ckpt");
    loop.save(ckpt);
    loop.save(ckpt);
    assertEquals(List.of("loop.properties", "policy.state"), names(ckpt));
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(ckpt.resolve("loop.properties"))) {
      p.load(in);
    }
    assertEquals("governor-loop-2", p.getProperty("format"));
    assertEquals("9218868437227405312", p.getProperty("clip"));
    assertEquals(Double.doubleToRawLongBits(0.05), Long.parseLong(p.getProperty("lr")));
    assertFalse(p.containsKey("policyState.bytes"));
    // before any step: the state is taken "after step -1"
    PolicyStateCodec.Snapshot s =
        PolicyStateCodec.decode(Files.readAllBytes(ckpt.resolve("policy.state")));
    assertEquals(-1, s.step());
    assertEquals("constant", s.state().policy());
    ControlLoop back = loop(spec);
    back.load(ckpt);
    assertEquals(Double.POSITIVE_INFINITY, back.next().clip());
    assertEquals(0.05, back.next().lr());
  }

  @Test
  void restoredLoopContinuesAsTheOriginal(@TempDir Path dir) throws Exception {
    ControlLoop original = advanced(40);
    original.save(dir);
    PolicyStateCodec.Snapshot s =
        PolicyStateCodec.decode(Files.readAllBytes(dir.resolve("policy.state")));
    assertEquals(39, s.step());
    assertArrayEquals(original.policy().snapshot().bytes(), s.state().bytes());
    // the state carries something: a fresh pi's differs
    assertFalse(
        java.util.Arrays.equals(
            Policies.create(PI).snapshot().bytes(), original.policy().snapshot().bytes()));
    ControlLoop back = loop(PI);
    back.load(dir);
    assertEquals(40, back.step());
    assertEquals(lrs(original, 30), lrs(back, 30));
  }

  @Test
  void readsTheBase64FormatOfEarlierCheckpoints(@TempDir Path dir) throws Exception {
    ControlLoop original = advanced(40);
    // a governor-loop-1 checkpoint as it was written: the policy state as Base64 text
    PolicyState st = original.policy().snapshot();
    Hyperparameters h = original.next();
    Properties p = new Properties();
    p.setProperty("format", "governor-loop-1");
    p.setProperty("step", "40");
    p.setProperty("policy", PI.toString());
    p.setProperty("lr", Long.toString(Double.doubleToRawLongBits(h.lr())));
    p.setProperty("clip", Long.toString(Double.doubleToRawLongBits(h.clip())));
    p.setProperty("wd", Long.toString(Double.doubleToRawLongBits(h.weightDecay())));
    p.setProperty("action", h.action().name());
    p.setProperty("multipliers", "0");
    p.setProperty("policyState.name", st.policy());
    p.setProperty("policyState.bytes", Base64.getEncoder().encodeToString(st.bytes()));
    try (OutputStream out = Files.newOutputStream(dir.resolve("loop.properties"))) {
      p.store(out, "Governor control-loop checkpoint");
    }
    ControlLoop back = loop(PI);
    back.load(dir);
    assertEquals(40, back.step());
    assertEquals(lrs(original, 30), lrs(back, 30));
  }

  @Test
  void refusesFilesOfDifferentStepsAndDamagedStates(@TempDir Path dir) throws Exception {
    ControlLoop l = advanced(10);
    Path a = dir.resolve("a");
    l.save(a);
    byte[] at10 = Files.readAllBytes(a.resolve("policy.state"));
    l.advance(PLANT);
    l.save(a);
    // an interrupted save: the policy file of step 10's save beside the loop file of step 11's
    Files.write(a.resolve("policy.state"), at10);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> loop(PI).load(a));
    assertTrue(
        e.getMessage()
            .endsWith(
                "policy.state was taken after step 9, but loop.properties continues at step 11"
                    + " (a save was interrupted)"),
        e.getMessage());
    // one flipped byte of the state
    l.save(a);
    byte[] b = Files.readAllBytes(a.resolve("policy.state"));
    b[b.length - 12] ^= 1;
    Files.write(a.resolve("policy.state"), b);
    e = assertThrows(IllegalArgumentException.class, () -> loop(PI).load(a));
    assertTrue(
        e.getMessage().endsWith("is damaged: damaged: the CRC-32 of the state does not match"),
        e.getMessage());
    Files.delete(a.resolve("policy.state"));
    e = assertThrows(IllegalArgumentException.class, () -> loop(PI).load(a));
    assertEquals("checkpoint " + a + " has no policy.state", e.getMessage());
  }
}
