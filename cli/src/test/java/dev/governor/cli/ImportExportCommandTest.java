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
            "step,epoch,loss,grad_norm,lr,clip,wd,val_loss,param_norm,update_norm,alignment,"
                + "sharpness,decided_lr,decided_clip,decided_wd,action",
            "0,0,2.0,1.5,0.1,,,,,,,,,,,",
            "3,0,1.7,1.2,0.1,,,,,,,,,,,"),
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

  @Test
  void tfeventsExportImportsBackWithItsTagsShownByInspect() throws Exception {
    TestRuns.record(
        tmp.resolve("r"),
        dev.governor.control.PolicySpec.parse("constant(lr=0.05)"),
        20,
        java.util.function.UnaryOperator.identity());
    Files.createDirectories(tmp.resolve("tb"));
    TestRuns.Result e =
        TestRuns.run(
            "export",
            "--run",
            tmp.resolve("r").toString(),
            "--format",
            "tfevents",
            "--out",
            tmp.resolve("tb").toString());
    assertEquals(0, e.code(), e.err());
    // the file in the folder exists now: a second export refuses to replace it without --force
    TestRuns.Result again =
        TestRuns.run(
            "export",
            "--run",
            tmp.resolve("r").toString(),
            "--format",
            "tfevents",
            "--out",
            tmp.resolve("tb").toString());
    assertEquals(2, again.code());
    assertTrue(
        again.err().contains("events.out.tfevents.1767225600.governor already exists"),
        again.err());
    TestRuns.Result i =
        TestRuns.run(
            "import",
            "--in",
            tmp.resolve("tb").toString(),
            "--run",
            tmp.resolve("imp").toString(),
            "--tag",
            "val_loss=",
            "--tag",
            "lr=decided/lr");
    assertEquals(0, i.code(), i.err());
    List<String> out = List.of(i.out().strip().split("\n"));
    assertEquals("import: loss <- loss", out.get(0));
    assertTrue(out.contains("import: lr <- decided/lr"), out.toString());
    assertTrue(out.get(out.size() - 1).startsWith("imported 20 observations into "), i.out());
    TestRuns.Result s = TestRuns.run("inspect", "--run", tmp.resolve("imp").toString());
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("(tfevents)"), s.out());
    assertTrue(s.out().contains("import tags"), s.out());
    assertTrue(s.out().contains("lr <- decided/lr"), s.out());
    assertTrue(s.out().contains("import tags ignored      decided/wd, effective_lr, lr"), s.out());
    TestRuns.Result j = TestRuns.run("inspect", "--run", tmp.resolve("imp").toString(), "--json");
    assertEquals(0, j.code(), j.err());
    com.fasterxml.jackson.databind.JsonNode imp =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.out()).get("import");
    assertEquals("decided/lr", imp.get("tag.lr").asText());
    assertEquals("tfevents", imp.get("format").asText());
  }

  @Test
  void aBadTagMappingOrUnknownTagIsOneLine() throws Exception {
    Path in = tmp.resolve("metrics.csv");
    Files.write(in, List.of("epoch,step,train_loss", "0,0,1.5", "0,1,1.25"));
    TestRuns.Result r =
        TestRuns.run(
            "import",
            "--in",
            in.toString(),
            "--run",
            tmp.resolve("a").toString(),
            "--tag",
            "los=x");
    assertEquals(2, r.code());
    assertTrue(r.err().strip().startsWith("import: --tag column must be one of [loss,"), r.err());
    assertFalse(r.err().strip().contains("\n"));
    r =
        TestRuns.run(
            "import",
            "--in",
            in.toString(),
            "--run",
            tmp.resolve("b").toString(),
            "--tag",
            "loss=val_loss");
    assertEquals(2, r.code());
    assertEquals(
        "import: "
            + in
            + " has no scalar tag 'val_loss' (--tag loss=val_loss); its scalar tags: epoch,"
            + " train_loss",
        r.err().strip());
    r = TestRuns.run("import", "--in", in.toString(), "--run", tmp.resolve("c").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("imported 2 observations"), r.out());
    assertTrue(
        r.err().contains("import: warning: no tag for grad_norm"), "lightning-csv: " + r.err());
  }
}
