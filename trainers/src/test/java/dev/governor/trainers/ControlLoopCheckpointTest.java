package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loop.properties}: written whole (no temporary file left, a second save replaces the
 * first), and its doubles are raw IEEE-754 bits, so NaN and infinities need no text spelling: an
 * infinite clip threshold is stored as {@code 9218868437227405312} (0x7FF0000000000000, NumPy:
 * {@code np.float64(np.inf).view(np.int64)}).
 */
class ControlLoopCheckpointTest {

  @Test
  void savesWholeAndStoresDoublesAsBits(@TempDir Path dir) throws Exception {
    PolicySpec spec = PolicySpec.parse("constant(lr=0.05)");
    ControlLoop loop = new ControlLoop(Policies.create(spec), null, null);
    Path ckpt = dir.resolve("ckpt");
    loop.save(ckpt);
    loop.save(ckpt);
    List<String> names;
    try (Stream<Path> s = Files.list(ckpt)) {
      names = s.map(p -> p.getFileName().toString()).toList();
    }
    assertEquals(List.of("loop.properties"), names);
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(ckpt.resolve("loop.properties"))) {
      p.load(in);
    }
    assertEquals("9218868437227405312", p.getProperty("clip"));
    assertEquals(Double.doubleToRawLongBits(0.05), Long.parseLong(p.getProperty("lr")));
    ControlLoop back = new ControlLoop(Policies.create(spec), null, null);
    back.load(ckpt);
    assertEquals(Double.POSITIVE_INFINITY, back.next().clip());
    assertEquals(0.05, back.next().lr());
  }
}
