package dev.governor.cli;

import static dev.governor.cli.TestRuns.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.cli.TestRuns.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuneCommandTest {

  @Test
  void tunesOnTrainingSeedsAndScoresOnHeldOutOnes(@TempDir Path dir) throws Exception {
    Result r =
        run(
            "tune",
            "--policy",
            "cosine",
            "--space",
            "lr=log:1e-3:10,t-max=log-int:100:400",
            "--trials",
            "4",
            "--steps",
            "300",
            "--seeds",
            "2",
            "--heldout-seeds",
            "3",
            "--dim",
            "10",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(4, s.get("trials_run").size());
    assertEquals("[101,102]", s.get("train_seeds").toString());
    assertEquals("[1,2,3]", s.get("heldout_seeds").toString());
    double min = Double.POSITIVE_INFINITY;
    for (JsonNode t : s.get("trials_run")) {
      min = Math.min(min, t.get("score").asDouble());
      double lr = t.get("params").get("lr").asDouble();
      assertTrue(lr >= 1e-3 && lr <= 10, "lr in the space: " + lr);
    }
    assertEquals(min, s.get("best").get("training_score").asDouble(), 0);
    assertEquals(3, s.get("best").get("heldout").get("runs").asInt());
    assertTrue(r.out().contains("<- best"), r.out());
    assertTrue(Files.exists(dir.resolve("report.html")));
  }

  @Test
  void badInputIsOneLineAndWritesNothing(@TempDir Path dir) {
    String out = dir.resolve("o").toString();
    String[][] cases = {
      {"tune", "--policy", "cosine", "--space", "lr=cubic:1:2", "--out", out},
      {"tune", "--policy", "cosine", "--space", "nope=log:1:2", "--out", out},
      {"tune", "--policy", "cosine", "--space", "lr=log:1e-3:1", "--method", "grid", "--out", out},
      {"tune", "--policy", "cosine", "--space", "lr=log:1e-3:1", "--trials", "0", "--out", out},
      {"simulate", "--problem-spec", "nqm(dim=5)", "--out", out},
      {"simulate", "--suite", "bakeoff", "--problem-spec", "nqm(bogus=1)", "--out", out},
      {"simulate", "--suite", "robustness", "--problem-spec", "nqm(dim=5)", "--out", out}
    };
    for (String[] args : cases) {
      Result r = run(args);
      assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.out() + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertFalse(r.err().contains("\tat "), r.err());
    }
    assertFalse(Files.exists(dir.resolve("o")));
  }
}
