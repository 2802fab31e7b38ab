package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CI-sized smoke of {@code governor bakeoff}: the summary.json contract and exit codes. */
class BakeoffCommandTest {
  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void tinySyntheticBakeoffWritesTheContractAndAMissedGoalExitsOne() throws Exception {
    Path out = tmp.resolve("b");
    // accuracy 1.01 cannot be reached: the --goal must be reported as missed, with exit 1
    Result r =
        run(
            "bakeoff",
            "--quick",
            "--workloads",
            "fmnist-mlp",
            "--contenders",
            "pi,constant,sf-adamw,pi+sf",
            "--data",
            "synthetic",
            "--steps",
            "12",
            "--seeds",
            "2",
            "--trials",
            "2",
            "--train-seeds",
            "1",
            "--gear",
            "off",
            "--jobs",
            "2",
            "--goal",
            "fmnist-mlp=1.01",
            "--pi-options",
            "wd-tau=0.5",
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("goal missed: fmnist-mlp: pi@x1 reaches 1.0100 (--goal)"), r.err());
    JsonNode s = new ObjectMapper().readTree(Files.readString(out.resolve("summary.json")));
    for (String k : List.of("protocol", "contenders", "per_problem", "aggregate", "goals")) {
      assertTrue(s.has(k), k);
    }
    for (String k : List.of("gear", "budget", "trials", "seeds", "split", "targets")) {
      assertTrue(s.get("protocol").has(k), "protocol." + k);
    }
    assertEquals(0.80, s.at("/protocol/targets/fmnist-mlp/value").asDouble(), 0.0);
    JsonNode pi = s.at("/per_problem/fmnist-mlp/pi@x1");
    for (String k :
        List.of(
            "runs",
            "diverged",
            "reached",
            "median_steps_to_target",
            "ci95",
            "final_loss_median",
            "ratio_to_best_tuned",
            "heldout",
            "test_accuracy_mean",
            "test_accuracy_ci95")) {
      assertTrue(pi.has(k), "per_problem.fmnist-mlp.pi@x1." + k);
    }
    assertEquals(2, pi.get("runs").asInt());
    // the classifiers' calibration: test-set ECE before and after a temperature fitted on the
    // validation split, averaged over the seeds
    JsonNode cal = pi.get("calibration");
    // ECE in [0, 1], Brier in [0, 2], NLL >= 0
    for (String k : List.of("ece_mean", "ece_after_mean", "brier_mean", "nll_mean")) {
      double v = cal.get(k).asDouble();
      double top = k.startsWith("ece") ? 1 : k.startsWith("brier") ? 2 : Double.MAX_VALUE;
      assertTrue(cal.get(k).isNumber() && v >= 0 && v <= top, k + ": " + cal);
    }
    assertTrue(cal.get("temperature_mean").asDouble() > 0, cal.toString());
    assertTrue(pi.get("spec").asText().contains("wd-tau=0.5"), pi.get("spec").asText());
    assertEquals("[1,2]", pi.get("heldout").toString());
    // the tuned baseline: 2 trials on training seed 100, the winner on held-out seeds 1, 2
    JsonNode c = s.at("/per_problem/fmnist-mlp/constant");
    assertEquals(2, c.at("/tuning/trials").size());
    assertEquals("[100]", c.at("/tuning/training_seeds").toString());
    assertEquals(2, c.get("runs").asInt());
    double chosen = c.at("/tuning/chosen/lr").asDouble();
    assertEquals("constant(lr=" + chosen + ")", c.get("spec").asText());
    // the optimizer that is not in this build is skipped with its reason, never silently
    JsonNode sf = s.at("/per_problem/fmnist-mlp/sf-adamw");
    assertTrue(sf.has("skipped") || sf.has("runs"), sf.toString());
    if (sf.has("skipped")) {
      assertTrue(r.err().contains("skipping fmnist-mlp sf-adamw"), r.err());
    }
    // pi setting Schedule-Free AdamW's LR: its grid is centred on SF-AdamW's default 0.0025
    JsonNode pisf = s.at("/per_problem/fmnist-mlp/pi+sf@x0.1");
    assertFalse(pisf.has("skipped"), pisf.toString());
    assertTrue(pisf.get("spec").asText().contains("lr=2.5E-4"), pisf.toString());
    assertTrue(pisf.get("spec").asText().contains("base=constant"), pisf.toString());
    // --pi-options reaches every pi entry, the one over Schedule-Free AdamW too
    assertTrue(pisf.get("spec").asText().contains("wd-tau=0.5"), pisf.toString());
    assertFalse(c.get("spec").asText().contains("wd-tau"), "a baseline never gets pi's options");
    assertEquals("sf-adamw", pisf.get("optimizer").asText(), pisf.toString());
    JsonNode agg = s.at("/aggregate/pi@x1");
    assertTrue(agg.has("geomean_ratio") && agg.has("profile"), agg.toString());
    JsonNode g = s.get("goals");
    JsonNode extra = g.get("fmnist-mlp: pi@x1 reaches 1.0100 (--goal)");
    assertFalse(extra.get("met").asBoolean());
    assertEquals(">= 1.0100", extra.get("goal").asText());
    assertTrue(g.has("fmnist-mlp: pi@x1 within the 95% CI of tuned cosine or better"));
    assertTrue(Files.size(out.resolve("report.html")) > 1000);
    assertTrue(r.out().contains("pi@x10"), r.out());
    assertFalse(Files.exists(out.resolve("runs")), "runs are recorded only with --record");
    // without --early-stop the fixed budget: no early-stop record, no steps-used column
    assertTrue(s.at("/protocol/early_stop").isNull(), s.get("protocol").toString());
    assertFalse(pi.has("early_stop"), pi.toString());
    assertFalse(r.out().contains("steps used"), r.out());
  }

  private static final String[] SF_ONLY = {
    "bakeoff",
    "--quick",
    "--workloads",
    "fmnist-mlp",
    "--contenders",
    "sf-adamw",
    "--data",
    "synthetic",
    "--seeds",
    "2",
    "--gear",
    "off",
    "--jobs",
    "2",
    "--quiet"
  };

  private static String[] sfOnly(String... more) {
    String[] a = java.util.Arrays.copyOf(SF_ONLY, SF_ONLY.length + more.length);
    System.arraycopy(more, 0, a, SF_ONLY.length, more.length);
    return a;
  }

  @Test
  void earlyStopEndsRunsBeforeTheBudgetAndScoresTheRestoredBestModel() throws Exception {
    // --steps 12 evaluates every max(1, min(20, 12 / 4)) = 3 steps: the trainer's validation loss
    // before steps 0, 3, 6, 9. With warm-up 6 the first counted evaluation is the one before step
    // 6 (the model after 6 steps), always the first best; min-delta 10 makes the next one (before
    // step 9) no improvement, and patience 1 stops the run after step 9: 10 steps used, 2 saved,
    // best at 6, 2 evaluations counted. Restore-best puts the model after 6 steps back.
    Path es = tmp.resolve("es");
    Result r =
        run(
            sfOnly(
                "--steps",
                "12",
                "--early-stop",
                "val-loss(patience=1, min-delta=10, warm-up=6)",
                "--out",
                es.toString()));
    assertTrue(r.code() == 0 || r.code() == 1, r.err());
    JsonNode s = new ObjectMapper().readTree(Files.readString(es.resolve("summary.json")));
    String spec =
        "val-loss(patience=1, min-delta=10.0, warm-up=6, restore-best=true, gap=0)"; // normalized
    assertEquals(spec, s.at("/protocol/early_stop/spec").asText(), s.get("protocol").toString());
    assertEquals(3, s.at("/protocol/early_stop/per_workload/fmnist-mlp/eval_every").asInt());
    assertEquals(3, s.at("/protocol/early_stop/per_workload/fmnist-mlp/patience_steps").asInt());
    // evaluations before steps 0, 3, 6, 9 and the one at the end of the budget
    assertEquals(
        5, s.at("/protocol/early_stop/per_workload/fmnist-mlp/evaluations_in_budget").asInt());
    JsonNode e = s.at("/per_problem/fmnist-mlp/sf-adamw/early_stop");
    assertEquals(spec, e.get("spec").asText());
    assertEquals(12, e.get("budget").asInt());
    assertEquals(2, e.get("stopped").asInt());
    assertEquals(10.0, e.get("steps_used_mean").asDouble(), 0.0);
    assertEquals(1 - 10.0 / 12, e.get("steps_saved_fraction").asDouble(), 1e-15);
    assertEquals(2, e.get("per_seed").size());
    for (int i = 0; i < 2; i++) {
      JsonNode p = e.get("per_seed").get(i);
      assertEquals(i + 1, p.get("seed").asInt());
      assertTrue(p.get("stopped").asBoolean(), p.toString());
      assertEquals(9, p.get("stop_step").asInt(), p.toString());
      assertEquals(10, p.get("steps_used").asInt(), p.toString());
      assertEquals(2, p.get("steps_saved").asInt(), p.toString());
      assertEquals(6, p.get("best_step").asInt(), p.toString());
      assertEquals(2, p.get("evaluations").asInt(), p.toString());
    }
    // the table's steps-used column (mean over the seeds) and the report's
    String row = r.out().lines().filter(l -> l.startsWith("fmnist-mlp")).findFirst().orElseThrow();
    assertTrue(r.out().contains("steps used"), r.out());
    assertTrue(row.matches(".*sf-adamw\\s+2\\s+\\d+\\s+\\d+\\s+\\S+\\s+10\\s+.*"), row);
    String html = Files.readString(es.resolve("report.html"));
    assertTrue(html.contains("steps used") && html.contains("early-stopped by " + spec), "report");

    // the scored model is the one after 6 steps: the same test accuracy, seed by seed, as 6-step
    // runs of the same seeds (sf-adamw's spec, constant(lr=0.0025), does not depend on the budget)
    Path six = tmp.resolve("six");
    Result r6 = run(sfOnly("--steps", "6", "--out", six.toString()));
    assertTrue(r6.code() == 0 || r6.code() == 1, r6.err());
    JsonNode s6 = new ObjectMapper().readTree(Files.readString(six.resolve("summary.json")));
    assertEquals(
        s6.at("/per_problem/fmnist-mlp/sf-adamw/per_seed").toString(),
        s.at("/per_problem/fmnist-mlp/sf-adamw/per_seed").toString());
    // and not the last model's: the run to step 10 without restoring scores differently
    Path last = tmp.resolve("last");
    Result rl =
        run(
            sfOnly(
                "--steps",
                "12",
                "--early-stop",
                "val-loss(patience=1, min-delta=10, warm-up=6, restore-best=false)",
                "--out",
                last.toString()));
    assertTrue(rl.code() == 0 || rl.code() == 1, rl.err());
    JsonNode sl = new ObjectMapper().readTree(Files.readString(last.resolve("summary.json")));
    assertFalse(
        s.at("/per_problem/fmnist-mlp/sf-adamw/per_seed")
            .equals(sl.at("/per_problem/fmnist-mlp/sf-adamw/per_seed")),
        sl.at("/per_problem/fmnist-mlp/sf-adamw/per_seed").toString());
  }

  @Test
  void aRunThatKeepsImprovingIsScoredOnItsLastModel() throws Exception {
    // patience 100 never stops a 12-step run; min-delta 0 and the loss still falling make the
    // evaluation at the end of the budget the best one, so the scored model is the last: the same
    // test accuracy as without early stopping, with 12 steps used
    Path es = tmp.resolve("keep");
    Result r =
        run(
            sfOnly(
                "--steps", "12", "--early-stop", "val-loss(patience=100)", "--out", es.toString()));
    assertTrue(r.code() == 0 || r.code() == 1, r.err());
    Path plain = tmp.resolve("plain");
    Result rp = run(sfOnly("--steps", "12", "--out", plain.toString()));
    assertTrue(rp.code() == 0 || rp.code() == 1, rp.err());
    JsonNode s = new ObjectMapper().readTree(Files.readString(es.resolve("summary.json")));
    JsonNode p = new ObjectMapper().readTree(Files.readString(plain.resolve("summary.json")));
    JsonNode e = s.at("/per_problem/fmnist-mlp/sf-adamw/early_stop");
    assertEquals(0, e.get("stopped").asInt(), e.toString());
    assertEquals(12.0, e.get("steps_used_mean").asDouble(), 0.0);
    for (JsonNode run : e.get("per_seed")) {
      assertEquals(12, run.get("stop_step").asInt(), run.toString()); // the budget
      assertEquals(0, run.get("steps_saved").asInt(), run.toString());
      assertEquals(12, run.get("best_step").asInt(), run.toString()); // the end-of-budget model
      assertEquals(5, run.get("evaluations").asInt(), run.toString()); // 0, 3, 6, 9 and the end
    }
    assertEquals(
        p.at("/per_problem/fmnist-mlp/sf-adamw/per_seed").toString(),
        s.at("/per_problem/fmnist-mlp/sf-adamw/per_seed").toString());
  }

  @Test
  void recordWritesEveryHeldOutRunAsARunFolderThatInspectReads() throws Exception {
    Path out = tmp.resolve("rec");
    Result r =
        run(
            "bakeoff",
            "--quick",
            "--workloads",
            "fmnist-mlp",
            "--contenders",
            "pi",
            "--data",
            "synthetic",
            "--steps",
            "12",
            "--seeds",
            "2",
            "--gear",
            "off",
            "--jobs",
            "2",
            "--record",
            "--out",
            out.toString());
    assertTrue(r.code() == 0 || r.code() == 1, r.err());
    assertTrue(r.err().contains("watch live: governor dashboard --runs "), r.err());
    Path runs = out.resolve("runs");
    // one folder per held-out run: every entry that ran (pi@x1 -> pi_x1) on seeds 1 and 2
    JsonNode problem =
        new ObjectMapper()
            .readTree(Files.readString(out.resolve("summary.json")))
            .at("/per_problem/fmnist-mlp");
    List<String> expected = new java.util.ArrayList<>();
    for (var e : problem.properties()) {
      if (e.getValue().has("runs")) {
        for (int seed = 1; seed <= 2; seed++) {
          expected.add("fmnist-mlp-" + e.getKey().replace('@', '_') + "-seed-" + seed);
        }
      }
    }
    assertTrue(expected.contains("fmnist-mlp-pi_x1-seed-1"), expected.toString());
    try (var list = Files.list(runs)) {
      assertEquals(
          expected.stream().sorted().toList(),
          list.map(p -> p.getFileName().toString()).sorted().toList());
    }
    for (int seed = 1; seed <= 2; seed++) {
      Path run = runs.resolve("fmnist-mlp-pi_x1-seed-" + seed);
      Result j = run("inspect", "--run", run.toString(), "--json");
      assertEquals(0, j.code(), j.err());
      JsonNode n = new ObjectMapper().readTree(j.out());
      assertEquals(12, n.get("steps").asLong(), j.out()); // --steps 12, one observation a step
      assertEquals(
          seed, dev.governor.telemetry.RunFolder.open(run).header().seed(), "the run's seed");
    }
  }

  @Test
  void theLstmWorkloadReportsBitsPerCharacterBesideTheUnigramBaseline() throws Exception {
    Path out = tmp.resolve("l");
    Result r =
        run(
            "bakeoff",
            "--quick",
            "--workloads",
            "char-lstm",
            "--contenders",
            "pi",
            "--data",
            "synthetic",
            "--steps",
            "4",
            "--seeds",
            "2",
            "--quiet",
            "--out",
            out.toString());
    // without the tuned cosine the goals cannot be evaluated: reported as such, not as missed
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(Files.readString(out.resolve("summary.json")));
    JsonNode lstm = s.at("/per_problem/char-lstm/pi@x1");
    assertTrue(lstm.has("val_bpc_mean") && lstm.has("val_bpc_ci95"), lstm.toString());
    assertTrue(lstm.get("unigram_bpc").asDouble() > 3, lstm.toString());
    assertTrue(s.at("/protocol/targets/char-lstm/derivation").asText().contains("bigram"));
    assertTrue(
        s.at("/goals/char-lstm: pi@x1 within the 95% CI of tuned cosine or better/met").isNull());
  }

  @Test
  void badOptionsAreOneLineAndNothingIsWritten() {
    for (Map.Entry<String[], String> e :
        Map.of(
                new String[] {"--workloads", "mnist"}, "--workloads must name some of",
                new String[] {"--gear", "maybe"}, "--gear must be on, off or both",
                new String[] {"--seeds", "1"}, "--seeds must be >= 2",
                new String[] {"--steps", "-1"},
                    "--steps must be >= 0 (0 = each workload's budget), but was -1",
                new String[] {"--goal", "char-lstm"}, "--goal must be WORKLOAD=NUMBER",
                new String[] {"--pi-options", "wd-tau=0"},
                    "--pi-options 'wd-tau=0': pi.wd-tau must be in [0.001, 1000.0], but was 0.0",
                new String[] {"--early-stop", "val-loss(patience=0)"},
                    "bakeoff: --early-stop patience must be >= 1, but was 0",
                new String[] {"--early-stop", "val-accuracy"},
                    "--early-stop val-accuracy needs a classifier, but char-lstm is a language"
                        + " model")
            .entrySet()) {
      Path out = tmp.resolve("x" + e.getValue().length());
      String[] base = {"bakeoff", "--data", "synthetic", "--out", out.toString()};
      String[] args = new String[base.length + e.getKey().length];
      System.arraycopy(base, 0, args, 0, base.length);
      System.arraycopy(e.getKey(), 0, args, base.length, e.getKey().length);
      Result r = run(args);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains(e.getValue()), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertFalse(Files.exists(out));
    }
  }

  @Test
  void missingRealDataNamesTheInstallCommand() {
    Result r =
        run(
            "bakeoff",
            "--workloads",
            "char-lstm",
            "--data",
            "real",
            "--text-dir",
            tmp.resolve("none").toString(),
            "--out",
            tmp.resolve("m").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("apt-get install fortunes"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
