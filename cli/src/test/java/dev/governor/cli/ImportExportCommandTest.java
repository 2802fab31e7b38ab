package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportExportCommandTest {
  @TempDir Path tmp;

  @Test
  void importSkipsBadRowsWithLineNumbersThenExportRoundTrips() throws Exception {
    Path in = tmp.resolve("in.csv");
    Files.write(
        in,
        List.of(
            "step,loss,grad_norm,lr,color",
            "0,2.0,1.5,0.1,red",
            "1,nan,1.4,0.1,red",
            "2,1.8,-3,0.1,red",
            "3,1.7,1.2,0.1,blue"));
    TestRuns.Result r =
        TestRuns.run(
            "import",
            "--format",
            "csv",
            "--in",
            in.toString(),
            "--run",
            tmp.resolve("run").toString(),
            "--on-error",
            "skip");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        List.of(
            "import: warning: unknown column 'color' ignored",
            "import: skipped " + in + " line 3: loss is required, but was NaN",
            "import: skipped " + in + " line 4: grad_norm is a norm and must be >= 0, but was -3"),
        List.of(r.err().strip().split("\n")));
    assertTrue(r.out().startsWith("imported 2 observations into "), r.out());
    TestRuns.Result e =
        TestRuns.run(
            "export",
            "--run",
            tmp.resolve("run").toString(),
            "--format",
            "csv",
            "--out",
            tmp.resolve("out.csv").toString());
    assertEquals(0, e.code(), e.err());
    List<String> lines = Files.readAllLines(tmp.resolve("out.csv"));
    assertEquals(
        List.of(
            "step,epoch,loss,grad_norm,lr,clip,wd,val_loss,param_norm,update_norm,decided_lr,"
                + "decided_clip,decided_wd,action",
            "0,0,2.0,1.5,0.1,,,,,,,,,",
            "3,0,1.7,1.2,0.1,,,,,,,,,"),
        lines);
  }

  @Test
  void importFailsOnTheFirstBadRowByDefaultAndWritesNothing() throws Exception {
    Path in = tmp.resolve("in.csv");
    Files.write(in, List.of("step,loss,grad_norm", "0,1,1", "0,1,1"));
    TestRuns.Result r =
        TestRuns.run(
            "import",
            "--format",
            "csv",
            "--in",
            in.toString(),
            "--run",
            tmp.resolve("run").toString());
    assertEquals(2, r.code());
    assertEquals(
        "import: "
            + in
            + " line 3: step 0 repeats (the previous step was 0) (use --on-error skip to skip bad"
            + " rows)",
        r.err().strip());
    assertFalse(Files.exists(tmp.resolve("run")));
  }

  @Test
  void exportOfAMissingRunOrBadFormatIsOneLine() {
    TestRuns.Result r =
        TestRuns.run(
            "export", "--run", tmp.resolve("x").toString(), "--format", "csv", "--out", "y");
    assertEquals(2, r.code());
    assertEquals(
        "export: run folder not found: " + tmp.resolve("x").toAbsolutePath(), r.err().strip());
  }
}
