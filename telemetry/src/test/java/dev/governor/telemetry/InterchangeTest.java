package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InterchangeTest {
  @TempDir Path tmp;

  /** The golden telemetry, as lines. */
  List<String> good() throws Exception {
    return new ArrayList<>(Files.readAllLines(GoldenReplayTest.resource(tmp, "telemetry.csv")));
  }

  Path write(String name, List<String> lines) throws Exception {
    Path p = tmp.resolve(name);
    Files.write(p, lines);
    return p;
  }

  @Test
  void csvToQueueToCsvKeepsEveryValueAndIsAFixpoint() throws Exception {
    List<String> in = good();
    Interchange.importFile(write("in.csv", in), "csv", tmp.resolve("a"), false);
    Interchange.export(RunFolder.open(tmp.resolve("a")), "csv", tmp.resolve("a.csv"));
    List<String> out = Files.readAllLines(tmp.resolve("a.csv"));
    assertEquals(in.size(), out.size());
    List<String> inCols = List.of(in.get(0).split(","));
    List<String> outCols = List.of(out.get(0).split(",", -1));
    for (int i = 1; i < in.size(); i++) {
      String[] a = in.get(i).split(",", -1);
      String[] b = out.get(i).split(",", -1);
      for (int c = 0; c < a.length; c++) {
        String col = inCols.get(c);
        String x = a[c];
        String y = b[outCols.indexOf(col)];
        if (x.isEmpty() || x.equals("inf")) {
          assertEquals(x, y, "line " + (i + 1) + " " + col);
        } else {
          assertEquals(
              Double.parseDouble(x), Double.parseDouble(y), 0, "line " + (i + 1) + " " + col);
        }
      }
      // no decisions in an imported run: the decision columns are empty
      assertEquals("", b[outCols.indexOf("decided_lr")]);
      assertEquals("", b[outCols.indexOf("action")]);
    }
    // export -> import -> export is the identity on the text
    Interchange.ImportReport again =
        Interchange.importFile(tmp.resolve("a.csv"), "csv", tmp.resolve("b"), false);
    assertEquals(
        List.of(
            "unknown column 'decided_lr' ignored",
            "unknown column 'decided_clip' ignored",
            "unknown column 'decided_wd' ignored",
            "unknown column 'action' ignored"),
        again.warnings());
    Interchange.export(RunFolder.open(tmp.resolve("b")), "csv", tmp.resolve("b.csv"));
    assertEquals(out, Files.readAllLines(tmp.resolve("b.csv")));
  }

  @Test
  void jsonlRoundTripsThroughTheQueue() throws Exception {
    Interchange.importFile(write("in.csv", good()), "csv", tmp.resolve("a"), false);
    Interchange.export(RunFolder.open(tmp.resolve("a")), "jsonl", tmp.resolve("a.jsonl"));
    List<String> lines = Files.readAllLines(tmp.resolve("a.jsonl"));
    assertEquals(120, lines.size());
    // the one JSON encoding of non-finite numbers (dev.governor.report.Json); null = no decision
    assertTrue(lines.get(95).contains("\"loss\":\"Infinity\""), lines.get(95));
    assertTrue(lines.get(1).contains("\"val_loss\":\"NaN\""), lines.get(1));
    assertTrue(lines.get(1).contains("\"decided_lr\":null"), lines.get(1));
    Interchange.importFile(tmp.resolve("a.jsonl"), "jsonl", tmp.resolve("b"), false);
    try (TelemetryLog x = RunFolder.open(tmp.resolve("a")).readTelemetry();
        TelemetryLog y = RunFolder.open(tmp.resolve("b")).readTelemetry();
        var tx = x.observations();
        var ty = y.observations()) {
      List<Observation> a = tx.toList();
      assertEquals(120, a.size());
      assertEquals(a, ty.toList());
    }
  }

  @Test
  void alignmentAndSharpnessSurviveExportAndImportInBothFormats() throws Exception {
    RunFolder run =
        RunFolder.create(
            tmp.resolve("m"),
            new RunHeader(
                "m", PolicySpec.of("imported"), Map.of(), 0, Map.of(), "2026-01-01T00:00:00Z"));
    List<Observation> written = new ArrayList<>();
    try (TelemetryLog tl = run.openTelemetry();
        TelemetryLog.Appender a = tl.appender()) {
      double[] align = {Double.NaN, 0.25, -1.0, 1.0, -0.125};
      double[] sharp = {Double.NaN, 3.5, 0.0, Double.POSITIVE_INFINITY, 1e-9};
      for (int t = 0; t < align.length; t++) {
        Observation o =
            Observation.builder(t)
                .loss(1.0 / (t + 1))
                .gradNorm(2)
                .alignment(align[t])
                .sharpness(sharp[t])
                .build();
        a.append(o);
        written.add(o);
      }
    }
    for (String fmt : List.of("csv", "jsonl")) {
      Path file = tmp.resolve("m." + fmt);
      Interchange.export(run, fmt, file);
      Interchange.ImportReport r =
          Interchange.importFile(file, fmt, tmp.resolve("m-" + fmt), false);
      assertEquals(0, r.skipped(), fmt);
      try (TelemetryLog back = RunFolder.open(tmp.resolve("m-" + fmt)).readTelemetry();
          var s = back.observations()) {
        List<Observation> read = s.toList();
        for (int t = 0; t < written.size(); t++) {
          assertEquals(written.get(t).alignment(), read.get(t).alignment(), 0, fmt + " " + t);
          assertEquals(written.get(t).sharpness(), read.get(t).sharpness(), 0, fmt + " " + t);
        }
      }
    }
    List<String> bad = List.of("step,loss,grad_norm,alignment", "0,1.0,1.0,1.5", "1,1.0,1.0,0.5");
    Interchange.ImportReport r =
        Interchange.importFile(write("bad-align.csv", bad), "csv", tmp.resolve("x"), true);
    assertEquals(List.of("line 2: alignment must be in [-1, 1], but was 1.5"), r.badRows());
    assertEquals(1, r.imported());
  }

  /** An agitation of the good file: a change, the line it breaks, and the reason reported. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "nan loss       | 11 | loss is required, but was NaN",
        "empty grad     | 11 | grad_norm is required, but was empty",
        "negative grad  | 11 | grad_norm is a norm and must be >= 0, but was -1.5",
        "text loss      | 11 | loss must be a number, but was 'abc'",
        "duplicate step | 11 | step 8 repeats (the previous step was 8)",
        "decreasing     | 11 | step 3 decreases (the previous step was 8)",
        "short row      | 11 | has 3 fields, but the header has 8",
        "zero lr        | 11 | lr must be finite and > 0, but was 0",
        "negative step  | 11 | step must be an integer >= 0, but was -4",
      })
  void agitatedRowsAreReportedWithTheirLineAndSkippedOrFatal(String what, int line, String reason)
      throws Exception {
    List<String> lines = good();
    String[] f = lines.get(line - 1).split(",", -1);
    switch (what.trim()) {
      case "nan loss" -> f[2] = "NaN";
      case "empty grad" -> f[3] = "";
      case "negative grad" -> f[3] = "-1.5";
      case "text loss" -> f[2] = "abc";
      case "duplicate step" -> f[0] = "8";
      case "decreasing" -> f[0] = "3";
      case "short row" -> f = new String[] {f[0], f[1], f[2]};
      case "zero lr" -> f[4] = "0";
      case "negative step" -> f[0] = "-4";
      default -> throw new AssertionError(what);
    }
    lines.set(line - 1, String.join(",", f));
    Path in = write("bad.csv", lines);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(in, "csv", tmp.resolve("fail"), false));
    assertEquals(
        in + " line " + line + ": " + reason + " (use --on-error skip to skip bad rows)",
        e.getMessage());
    assertFalse(Files.exists(tmp.resolve("fail")), "a failed import writes nothing");
    Interchange.ImportReport r = Interchange.importFile(in, "csv", tmp.resolve("skip"), true);
    assertEquals(List.of("line " + line + ": " + reason), r.badRows());
    assertEquals(119, r.imported());
    assertEquals(1, r.skipped());
  }

  @Test
  void infiniteLossIsKeptAsData() throws Exception {
    Interchange.ImportReport r =
        Interchange.importFile(write("in.csv", good()), "csv", tmp.resolve("a"), false);
    try (TelemetryLog log = r.run().readTelemetry();
        TelemetryLog.Tailer t = log.tailerFromStep(95)) {
      assertEquals(Double.POSITIVE_INFINITY, t.poll().loss());
    }
  }

  @Test
  void missingColumnEmptyFileAndGarbageAreOneClearError() throws Exception {
    List<String> lines = good();
    List<String> noGrad = new ArrayList<>();
    for (String l : lines) {
      String[] f = l.split(",", -1);
      noGrad.add(String.join(",", f[0], f[1], f[2], f[4]));
    }
    Path a = write("nograd.csv", noGrad);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(a, "csv", tmp.resolve("x"), true));
    assertEquals(
        a + " line 1: required column 'grad_norm' is missing (columns: [step, epoch, loss, lr])",
        e.getMessage());

    Path empty = write("empty.csv", List.of());
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(empty, "csv", tmp.resolve("x"), true));
    assertEquals(
        empty + " is empty (a header line with step,loss,grad_norm is required)", e.getMessage());
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(empty, "auto", tmp.resolve("x"), java.util.Map.of(), true));
    assertEquals(
        empty + " is empty (a header line with step,loss,grad_norm is required)", e.getMessage());

    Path headless = write("headless.csv", lines.subList(1, lines.size()));
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(headless, "csv", tmp.resolve("x"), true));
    assertTrue(e.getMessage().contains("a header line is required"), e.getMessage());

    Path garbage = tmp.resolve("garbage.csv");
    byte[] junk = new byte[2000];
    new java.util.Random(3).nextBytes(junk);
    Files.write(garbage, junk);
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(garbage, "csv", tmp.resolve("x"), true));
    assertTrue(e.getMessage().startsWith(garbage.toString()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));

    Path garbageJson = write("garbage.jsonl", List.of("{\"step\": 0, \"loss\": 1", "[1,2]"));
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(garbageJson, "jsonl", tmp.resolve("x"), false));
    assertTrue(e.getMessage().startsWith(garbageJson + " line 1: is not JSON"), e.getMessage());
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(garbageJson, "jsonl", tmp.resolve("x"), true));
    assertTrue(e.getMessage().contains("has no valid data rows"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  @Test
  void exportJoinsTheDecisionMadeAfterEachStep() throws Exception {
    RunFolder run =
        Runs.record(
            tmp.resolve("r"),
            dev.governor.control.PolicySpec.parse("constant(lr=0.05, clip=2.5, wd=0.01)"),
            5);
    Interchange.export(run, "csv", tmp.resolve("r.csv"));
    List<String> lines = Files.readAllLines(tmp.resolve("r.csv"));
    assertEquals(String.join(",", Interchange.EXPORT_COLUMNS), lines.get(0));
    // step 0: loss 2, g = 2.5, applied lr 0.05 clip 2.5 wd 0.01; decided the same
    assertEquals(
        "0,0,2.0,2.5,0.05,2.5,0.01,,10.0,0.005000000000000001,,,0.05,2.5,0.01,NONE", lines.get(1));
    assertEquals(6, lines.size());
  }

  @Test
  void aCsvWithAUtf8ByteOrderMarkIsAccepted() throws Exception {
    List<String> lines = good();
    Path in = tmp.resolve("bom.csv");
    // what Excel's "CSV UTF-8" writes: EF BB BF before the header
    byte[] body = String.join("\n", lines).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] withBom = new byte[body.length + 3];
    withBom[0] = (byte) 0xef;
    withBom[1] = (byte) 0xbb;
    withBom[2] = (byte) 0xbf;
    System.arraycopy(body, 0, withBom, 3, body.length);
    Files.write(in, withBom);
    Interchange.ImportReport r = Interchange.importFile(in, "csv", tmp.resolve("a"), false);
    assertEquals(lines.size() - 1, r.imported());
    assertEquals(List.of(), r.warnings(), "the first column is 'step', not '\\uFEFFstep'");
  }

  @Test
  void aDuplicateKeyInAJsonlRecordIsRefusedNamingKeyAndLine() throws Exception {
    Path in =
        write(
            "dup.jsonl",
            List.of(
                "{\"step\": 0, \"loss\": 1, \"grad_norm\": 1}",
                "{\"step\": 1, \"loss\": 1, \"loss\": 2, \"grad_norm\": 1}",
                "{\"step\": 2, \"Loss\": 1, \"loss\": 2, \"grad_norm\": 1}"));
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importFile(in, "jsonl", tmp.resolve("x"), false));
    assertEquals(
        in + " line 2: key 'loss' appears twice (use --on-error skip to skip bad rows)",
        e.getMessage());
    Interchange.ImportReport r = Interchange.importFile(in, "jsonl", tmp.resolve("y"), true);
    assertEquals(
        List.of(
            "line 2: key 'loss' appears twice",
            "line 3: key 'loss' appears twice (keys are case-insensitive)"),
        r.badRows());
    assertEquals(1, r.imported());
  }
}
