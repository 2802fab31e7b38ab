package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
  @TempDir Path tmp;

  static RunHeader header() {
    return new RunHeader(
        "run-1",
        PolicySpec.parse("constant(lr=0.05, clip=1.5, wd=1e-4)"),
        Map.of("trainer.batch", "64", "policy", "constant"),
        42,
        Map.of("governor", "dev", "java", "17"),
        "2026-01-01T00:00:00Z");
  }

  @Test
  void createThenOpenRoundTripsTheHeaderAndLaysOutTheFolder() {
    RunFolder f = RunFolder.create(tmp.resolve("runs/run-1"), header());
    assertTrue(Files.isDirectory(f.telemetryDir()));
    assertTrue(Files.isDirectory(f.decisionsDir()));
    assertTrue(Files.isDirectory(f.checkpointsDir()));
    assertTrue(Files.isRegularFile(f.runJson()));
    RunFolder g = RunFolder.open(tmp.resolve("runs/run-1"));
    assertEquals(header(), g.header());
    assertEquals(PolicySpec.parse("constant(lr=0.05, clip=1.5, wd=1e-4)"), g.header().policy());
    assertFalse(g.hasTelemetry());
    try (TelemetryLog t = g.openTelemetry()) {
      t.appender().append(Fixtures.observation(0, 0));
    }
    assertTrue(g.hasTelemetry());
  }

  @Test
  void createRefusesAnExistingRun() {
    RunFolder.create(tmp.resolve("r"), header());
    TelemetryException e =
        assertThrows(TelemetryException.class, () -> RunFolder.create(tmp.resolve("r"), header()));
    assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
  }

  @Test
  void openNamesAMissingOrDamagedRunJson() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("x"));
    TelemetryException e = assertThrows(TelemetryException.class, () -> RunFolder.open(d));
    assertEquals("not a run folder: " + d.toAbsolutePath() + " has no run.json", e.getMessage());
    Files.writeString(d.resolve("run.json"), "{ not json");
    e = assertThrows(TelemetryException.class, () -> RunFolder.open(d));
    assertTrue(
        e.getMessage().startsWith(d.toAbsolutePath().resolve("run.json") + " is not valid JSON"));
    Files.writeString(d.resolve("run.json"), "{\"schema\": 1, \"runId\": \"a\", \"seed\": \"x\"}");
    e = assertThrows(TelemetryException.class, () -> RunFolder.open(d));
    assertTrue(e.getMessage().contains("policy must be an object"), e.getMessage());
    Files.writeString(d.resolve("run.json"), "{\"schema\": 7}");
    e = assertThrows(TelemetryException.class, () -> RunFolder.open(d));
    assertTrue(e.getMessage().endsWith("schema must be 1, but was 7"), e.getMessage());
  }

  @Test
  void summaryIsWrittenAsJson() throws Exception {
    RunFolder f = RunFolder.create(tmp.resolve("r"), header());
    f.writeSummary(Map.of("steps", 10));
    assertTrue(Files.readString(f.summaryJson()).contains("\"steps\" : 10"));
  }

  @Test
  void headerValidatesItsFields() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new RunHeader("a b", PolicySpec.of("constant"), Map.of(), 1, Map.of(), "t"));
    assertEquals("run id must be letters, digits, '.', '_' or '-', but was 'a b'", e.getMessage());
  }

  @Test
  void idForMakesAValidRunIdOfTheFolderName() {
    assertEquals("t1", RunHeader.idFor(Path.of("runs", "t1")));
    assertEquals("a.b_c-d", RunHeader.idFor(Path.of("a.b_c-d")));
    assertEquals("my-run", RunHeader.idFor(Path.of("runs", "my run")));
    assertEquals("run-_x", RunHeader.idFor(Path.of("_x")));
    assertEquals("run--", RunHeader.idFor(Path.of("runs", "\u00e9")));
    for (String name : new String[] {"t1", "my run", "_x", "\u00e9", ".hidden"}) {
      String id = RunHeader.idFor(tmp.resolve(name));
      // the header accepts every id made this way
      assertEquals(id, RunHeader.of(id, PolicySpec.parse("pi"), Map.of(), 1).runId());
    }
  }
}
