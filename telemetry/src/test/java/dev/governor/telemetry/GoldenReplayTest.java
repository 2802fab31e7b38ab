package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recorded telemetry in, recorded decisions out (STYLE habit 9). The golden files and their
 * derivation — PyTorch's ReduceLROnPlateau re-implemented in Python — are in {@code
 * src/test/resources/golden} ({@code generate.py}).
 */
class GoldenReplayTest {
  @TempDir Path tmp;

  static Path resource(Path dir, String name) throws IOException {
    try (InputStream in = GoldenReplayTest.class.getResourceAsStream("/golden/" + name)) {
      Path p = dir.resolve(name);
      Files.copy(in, p);
      return p;
    }
  }

  @Test
  void plateauOverTheGoldenTelemetryMakesTheGoldenDecisions() throws Exception {
    Path csv = resource(tmp, "telemetry.csv");
    List<String> golden = Files.readAllLines(resource(tmp, "decisions.csv"));
    Interchange.ImportReport imp = Interchange.importFile(csv, "csv", tmp.resolve("run"), false);
    assertEquals(120, imp.imported());
    assertTrue(imp.badRows().isEmpty(), imp.badRows().toString());
    Replay.WhatIf w =
        Replay.counterfactual(
            imp.run(),
            PolicySpec.parse("plateau(lr=0.1, factor=0.5, patience=3, cooldown=2)"),
            tmp.resolve("replayed"));
    assertEquals(120, w.decisions());
    Path out = tmp.resolve("replayed.csv");
    Interchange.export(RunFolder.open(tmp.resolve("replayed")), "csv", out);
    List<String> rows = Files.readAllLines(out);
    List<String> cols = List.of(rows.get(0).split(",", -1));
    assertEquals(golden.size(), rows.size());
    for (int i = 1; i < golden.size(); i++) {
      String[] g = golden.get(i).split(",", -1);
      String[] r = rows.get(i).split(",", -1);
      String at = "step " + g[0];
      assertEquals(g[0], r[cols.indexOf("step")], at);
      assertEquals(
          Double.parseDouble(g[1]), Double.parseDouble(r[cols.indexOf("decided_lr")]), 0, at);
      assertEquals(g[2], r[cols.indexOf("decided_clip")], at);
      assertEquals(
          Double.parseDouble(g[3]), Double.parseDouble(r[cols.indexOf("decided_wd")]), 0, at);
      assertEquals(g[4], r[cols.indexOf("action")], at);
    }
    // and the replayed run verifies against itself
    assertTrue(Replay.verify(RunFolder.open(tmp.resolve("replayed"))).ok());
  }
}
