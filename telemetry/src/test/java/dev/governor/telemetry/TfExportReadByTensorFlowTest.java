package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/** Governor's TensorBoard export, read back with TensorFlow's own Event classes. */
class TfExportReadByTensorFlowTest {
  @TempDir Path tmp;

  /*
   * The run: steps 0..9, start 2026-01-01T00:00:00.250Z, i.e. wall_time 1767225600.25 (Python:
   * datetime(2026,1,1,tzinfo=timezone.utc).timestamp() = 1767225600.0, plus 0.25; exact in a
   * double). loss = 2 - 0.1 s (step 9: +inf, a diverged step), grad_norm = 1 + 0.5 s, lr 0.01,
   * clip +inf (no clipping) for s < 5 then 2.0, wd 0, val_loss 1.5 at steps 4 and 9, param_norm
   * 10, update_norm not measured, epoch = s / 5. The trainer carried out a SKIP at step 4, a
   * ROLLBACK at step 7 and a RESET at step 8. Decision after step s: lr 0.01 (s + 1), clip 2, wd 0; step 5 was decided
   * again after a controller restart with lr 0.5 (the latest decision counts, as in replay).
   */
  static final double WALL = 1767225600.25;

  static RunFolder recordRun(Path dir) {
    RunFolder run =
        RunFolder.create(
            dir,
            new RunHeader(
                "r",
                PolicySpec.of("constant"),
                Map.of(),
                1,
                RunHeader.currentVersions(),
                "2026-01-01T00:00:00.250Z"));
    try (TelemetryLog tl = run.openTelemetry();
        DecisionLog dl = run.openDecisions();
        TelemetryLog.Appender ta = tl.appender();
        DecisionLog.Appender da = dl.appender()) {
      for (int s = 0; s < 10; s++) {
        ta.append(observation(s));
        if (s == 4) {
          ta.appendEvent(EventKind.SKIP, 4, Double.NaN);
        }
        if (s == 7) {
          ta.appendEvent(EventKind.ROLLBACK, 7, Double.NaN);
        }
        if (s == 8) {
          ta.appendEvent(EventKind.RESET, 8, 8);
          ta.appendEvent(EventKind.FAULT, 8, Double.NaN); // not a guard action: not exported
        }
        da.append(decision(s, 0.01 * (s + 1)));
        if (s == 6) {
          da.appendEvent(EventKind.RESTART, 6, 5);
          da.append(decision(5, 0.5));
          da.append(decision(6, 0.01 * 7));
        }
      }
    }
    return run;
  }

  static Observation observation(int s) {
    return Observation.builder(s)
        .epoch(s / 5)
        .loss(s == 9 ? Double.POSITIVE_INFINITY : 2 - 0.1 * s)
        .gradNorm(1 + 0.5 * s)
        .lr(0.01)
        .clip(s < 5 ? Double.POSITIVE_INFINITY : 2.0)
        .weightDecay(0)
        .valLoss(s == 4 || s == 9 ? 1.5 : Double.NaN)
        .paramNorm(10)
        .build();
  }

  static Decision decision(long step, double lr) {
    Decision d = new Decision();
    d.step = step;
    d.lr = lr;
    d.clip = 2;
    d.weightDecay = 0;
    d.action = GuardAction.NONE;
    return d;
  }

  static Map<Long, Map<String, Float>> scalars(List<Event> events) {
    Map<Long, Map<String, Float>> m = new LinkedHashMap<>();
    for (Event e : events.subList(1, events.size())) {
      assertTrue(e.hasSummary(), "every event after the first is a summary");
      Map<String, Float> v = new LinkedHashMap<>();
      for (Summary.Value x : e.getSummary().getValueList()) {
        assertTrue(x.hasSimpleValue(), x.getTag() + " is a simple_value");
        assertEquals(null, v.put(x.getTag(), x.getSimpleValue()), "one value per tag");
      }
      assertEquals(null, m.put(e.getStep(), v), "one event per step " + e.getStep());
    }
    return m;
  }

  @Test
  void tensorFlowReadsTheExportAsWritten() throws Exception {
    RunFolder run = recordRun(tmp.resolve("r"));
    Files.createDirectories(tmp.resolve("tb"));
    Path file = Interchange.export(run, "tfevents", tmp.resolve("tb")).getKey();
    assertEquals("events.out.tfevents.1767225600.governor", file.getFileName().toString());
    List<Event> ev = TbFiles.read(file);
    assertEquals("brain.Event:2", ev.get(0).getFileVersion());
    assertFalse(ev.get(0).hasSummary());
    long last = -1;
    for (Event e : ev) {
      assertEquals(WALL, e.getWallTime(), 0.0, "wall_time is the recorded start");
      assertFalse(e.hasSessionLog(), "no SessionLog: TensorBoard purges nothing");
      if (e != ev.get(0)) {
        assertTrue(e.getStep() > last, "strictly increasing steps");
        last = e.getStep();
      }
    }
    Map<Long, Map<String, Float>> s = scalars(ev);
    assertEquals(10, s.size());
    Map<String, Float> s0 = s.get(0L);
    assertEquals(
        List.of(
            "loss",
            "grad_norm",
            "lr",
            "wd",
            "effective_lr",
            "param_norm",
            "epoch",
            "decided/lr",
            "decided/clip",
            "decided/wd"),
        List.copyOf(s0.keySet()),
        "no clip (+inf = off), no val_loss / update_norm (not measured)");
    assertEquals(2.0f, s0.get("loss"));
    assertEquals(1.0f, s0.get("grad_norm"));
    assertEquals(0.01f, s0.get("lr"));
    assertEquals(0.01f, s0.get("effective_lr"), "lr * min(1, inf / g)");
    Map<String, Float> s4 = s.get(4L);
    assertEquals(1.0f, s4.get("guard/skip"));
    assertEquals(1.5f, s4.get("val_loss"));
    assertEquals((float) (2 - 0.4), s4.get("loss"));
    assertEquals(0.0f, s4.get("epoch"));
    assertEquals(1.0f, s.get(5L).get("epoch"));
    assertEquals(2.0f, s.get(5L).get("clip"));
    // effective lr at step 5: 0.01 * min(1, 2 / 3.5)
    assertEquals((float) (0.01 * 2 / 3.5), s.get(5L).get("effective_lr"));
    assertEquals(0.5f, s.get(5L).get("decided/lr"), "the latest decision for step 5");
    assertEquals((float) (0.01 * 7), s.get(6L).get("decided/lr"));
    assertEquals(1.0f, s.get(7L).get("guard/rollback"));
    assertFalse(s.get(7L).containsKey("guard/skip"));
    assertEquals(1.0f, s.get(8L).get("guard/reset"));
    assertEquals(Float.POSITIVE_INFINITY, s.get(9L).get("loss"), "a diverged step is data");
    for (Map.Entry<Long, Map<String, Float>> e : s.entrySet()) {
      for (String tag : e.getValue().keySet()) {
        assertTrue(Interchange.TF_TAGS.contains(tag), tag + " is in the documented scheme");
      }
    }
  }

  @Test
  void exportImportExportIsIdentical() throws Exception {
    RunFolder run = recordRun(tmp.resolve("r"));
    Path a = Interchange.export(run, "tfevents", tmp.resolve("a.tfevents")).getKey();
    Interchange.ImportReport ia =
        Interchange.importAny(a, "auto", tmp.resolve("ia"), Map.of(), false);
    assertEquals(10, ia.imported());
    Map<String, String> want = new TreeMap<>();
    for (String c :
        List.of("loss", "grad_norm", "lr", "clip", "wd", "epoch", "val_loss", "param_norm")) {
      want.put(c, c);
    }
    want.put("skip", "guard/skip");
    want.put("rollback", "guard/rollback");
    want.put("reset", "guard/reset");
    assertEquals(want, new TreeMap<>(ia.tags()), "update_norm is never measured here");
    Path b = Interchange.export(ia.run(), "tfevents", tmp.resolve("b.tfevents")).getKey();
    Interchange.ImportReport ib =
        Interchange.importAny(b, "tfevents", tmp.resolve("ib"), Map.of(), false);
    Path c = Interchange.export(ib.run(), "tfevents", tmp.resolve("c.tfevents")).getKey();
    assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(c), "export(import(B)) == B");
    // A and B hold the same observation scalars; B has no decisions (an import has none), and
    // its effective_lr is recomputed from float32 inputs
    Map<Long, Map<String, Float>> sa = scalars(TbFiles.read(a));
    Map<Long, Map<String, Float>> sb = scalars(TbFiles.read(b));
    assertEquals(sa.keySet(), sb.keySet());
    for (long step : sa.keySet()) {
      Map<String, Float> x = new TreeMap<>(sa.get(step));
      x.keySet().removeIf(t -> t.startsWith("decided/"));
      Map<String, Float> y = new TreeMap<>(sb.get(step));
      Float ea = x.remove("effective_lr");
      Float eb = y.remove("effective_lr");
      assertEquals(x, y, "step " + step);
      if (x.containsKey("clip")) {
        assertEquals(ea, eb, 1e-6 * ea, "effective_lr at step " + step);
      } else {
        // clip +inf (off) is not written, so the import has no clip and no effective lr
        assertEquals(null, eb, "effective_lr at step " + step);
      }
    }
    assertEquals(WALL, TbFiles.read(b).get(0).getWallTime(), 0.0, "the start time survives");
    // the guard events were imported as events
    List<Event> evB = TbFiles.read(b);
    assertEquals(1.0f, scalars(evB).get(7L).get("guard/rollback"));
  }

  @Test
  void aStepTheTelemetryHoldsTwiceIsWrittenOnceSoTensorBoardShowsNoDuplicate() throws Exception {
    RunFolder run =
        RunFolder.create(
            tmp.resolve("d"),
            new RunHeader(
                "d",
                PolicySpec.of("constant"),
                Map.of(),
                1,
                RunHeader.currentVersions(),
                "2026-01-01T00:00:00Z"));
    try (TelemetryLog tl = run.openTelemetry();
        TelemetryLog.Appender ta = tl.appender()) {
      for (int s : new int[] {0, 1, 2, 2, 1, 3}) {
        ta.append(Observation.builder(s).loss(s).gradNorm(1).build());
      }
    }
    Path f = Interchange.export(run, "tfevents", tmp.resolve("d.tfevents")).getKey();
    List<Event> ev = TbFiles.read(f);
    assertEquals(List.of(0L, 1L, 2L, 3L), ev.stream().skip(1).map(Event::getStep).toList());
    assertEquals(2.0f, scalars(ev).get(2L).get("loss"), "the first record of the step");
  }
}
