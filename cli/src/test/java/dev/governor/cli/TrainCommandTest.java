package dev.governor.cli;

import static dev.governor.cli.TestRuns.run;
import static dev.governor.testkit.RunContents.decided;
import static dev.governor.testkit.RunContents.decisions;
import static dev.governor.testkit.RunContents.observations;
import static dev.governor.testkit.RunContents.steps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.Decision;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.sim.SimulatedTrainer;
import dev.governor.testkit.RunContents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainCommandTest {
  static final String POLICY = "plateau(lr=0.5, factor=0.5, patience=20)";

  @TempDir Path tmp;

  @Test
  void datasetRunsTakeTheDl4jOptimizerAndItsDefaultLr() throws Exception {
    Path dir = tmp.resolve("dog");
    TestRuns.Result r =
        run(
            "train",
            "--dataset",
            "synthetic",
            "--train-limit",
            "320",
            "--batch",
            "64",
            "--optimizer",
            "dog(reps-rel=1e-4)",
            "--policy",
            "constant",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals("dog(reps-rel=1.0E-4)", s.get("optimizer").asText());
    assertEquals(1.0, s.get("initial_lr").asDouble(), 0.0); // DoG's multiplier, not Adam's 1e-3
    assertEquals(5, s.get("steps").asLong());
    TestRuns.Result bad =
        run(
            "train",
            "--dataset",
            "synthetic",
            "--optimizer",
            "momentum",
            "--out",
            tmp.resolve("bad").toString(),
            "--quiet");
    assertEquals(2, bad.code(), bad.err());
    assertTrue(
        bad.err()
            .contains(
                "--optimizer: optimizer must be one of [adam, sf-adamw, prodigy, dog], but was"
                    + " 'momentum'"),
        bad.err());
    assertTrue(!Files.exists(tmp.resolve("bad")));
  }

  @Test
  void datasetRunsTakeADl4jDisturbanceAndRefuseASimulatedOne() throws Exception {
    String[] base = {
      "train",
      "--dataset",
      "synthetic",
      "--train-limit",
      "320",
      "--batch",
      "64",
      "--policy",
      "constant",
      "--quiet"
    };
    Path plain = tmp.resolve("plain");
    Path spiked = tmp.resolve("spiked");
    assertEquals(0, run(with(base, "--out", plain.toString())).code());
    TestRuns.Result r =
        run(
            with(
                base,
                "--out",
                spiked.toString(),
                "--disturbance",
                "spikes",
                "--disturbance-at",
                "1",
                "--disturbance-length",
                "2",
                "--disturbance-factor",
                "1000"));
    assertEquals(0, r.code(), r.err());
    String header = Files.readString(spiked.resolve("run.json"));
    assertTrue(header.contains("spikes at 1 every 2 steps, factor 1000.0"), header);
    assertTrue(!Files.readString(plain.resolve("run.json")).contains("disturbance"));
    // inputs ×1000 on steps 1 and 3: step 0 is the plain run's, and the spiked steps' losses are
    // more than twice the highest loss of the undisturbed run
    double[] lossPlain = losses(plain);
    double[] lossSpiked = losses(spiked);
    assertEquals(lossPlain[0], lossSpiked[0], 0.0);
    double highest = java.util.Arrays.stream(lossPlain).max().orElseThrow();
    assertTrue(lossSpiked[1] > 2 * highest, lossSpiked[1] + " vs " + highest);
    assertTrue(lossSpiked[3] > 2 * highest, lossSpiked[3] + " vs " + highest);
    TestRuns.Result bad =
        run(with(base, "--out", tmp.resolve("bad").toString(), "--disturbance", "curvature-jump"));
    assertEquals(2, bad.code(), bad.err());
    assertTrue(
        bad.err()
            .contains(
                "--disturbance with --dataset must be none, shift, noise-burst, batch-halving or"
                    + " spikes, but was 'curvature-jump'"),
        bad.err());
    assertTrue(!Files.exists(tmp.resolve("bad")));
  }

  @Test
  void datasetRunsGiveScheduleHorizonsTheBudgetAndTheRangeTestNoLr() throws Exception {
    // training examples in batches of 64: 320 give 5 steps, 6720 give 105 (the range test's
    // horizon must outlast its 100-step sweep); each schedule's horizon is the budget, as in demo
    String[][] cases = {
      {"cosine", "320", "cosine(lr=0.001, t-max=5)"},
      {"sgdr", "320", "sgdr(lr=0.001, t-mult=2, t0=1)"},
      {"lrfind(gear=standard)", "6720", "lrfind(gear=standard, t-max=105)"}
    };
    for (String[] c : cases) {
      Path dir = tmp.resolve(c[0].replaceAll("[^a-z]", ""));
      TestRuns.Result r =
          run(
              "train",
              "--dataset",
              "synthetic",
              "--train-limit",
              c[1],
              "--batch",
              "64",
              "--policy",
              c[0],
              "--out",
              dir.toString(),
              "--quiet");
      assertEquals(0, r.code(), r.err());
      JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
      assertEquals(c[2], s.get("policy").asText());
    }
  }

  private static double[] losses(Path run) {
    return RunContents.observations(run).stream()
        .sorted(java.util.Comparator.comparingLong(o -> o.step()))
        .mapToDouble(o -> o.loss())
        .toArray();
  }

  private static String[] with(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void trainsASimulatedPlantThroughTheActorsIntoACompleteRunFolder() throws Exception {
    Path dir = tmp.resolve("t1");
    TestRuns.Result r =
        run(
            "train",
            "--plant",
            "nqm",
            "--dim",
            "30",
            "--policy",
            POLICY,
            "--steps",
            "400",
            "--seed",
            "9",
            "--out",
            dir.toString(),
            "--quiet");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("in-process sync"), r.out());

    // reference: the same plant and policy in a plain loop (synchronous semantics)
    Policy p = Policies.create(POLICY);
    List<Hyperparameters> want = new ArrayList<>();
    List<Observation> wantObs = new ArrayList<>();
    try (SimulatedTrainer plant =
        SimulatedTrainer.of(SimulatedTrainer.Config.parse("nqm(dim=30)", "sgd", 9))) {
      Hyperparameters h = p.initial();
      for (long t = 0; t < 400; t++) {
        Observation o = plant.step(t, h);
        wantObs.add(o);
        Decision d = new Decision();
        p.decide(o, d);
        h = d.hyperparameters();
        want.add(h);
      }
    }
    assertEquals(wantObs, observations(dir));
    List<Decision> got = decisions(dir);
    assertEquals(LongStream.range(0, 400).boxed().toList(), steps(got));
    assertEquals(want, decided(got));

    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(s.get("completed").asBoolean());
    assertEquals(400, s.get("steps_run").asLong());
    assertEquals(0, s.get("timeouts").asLong());
    assertEquals(wantObs.get(399).loss(), s.get("final_loss").asDouble());
    assertTrue(s.get("latency_p50_us").asDouble() > 0);
    assertTrue(Files.readString(dir.resolve("report.html")).contains("data:image/png;base64,"));
    assertTrue(Files.isRegularFile(dir.resolve("run.json")));

    // a complete run folder for the telemetry commands
    TestRuns.Result replay = run("replay", "--run", dir.toString(), "--verify");
    assertEquals(0, replay.code(), replay.out() + replay.err());
    assertTrue(replay.out().contains("verified 400/400 decisions"), replay.out());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--mode|bogus|--mode must be sync or async, but was 'bogus'",
        "--controller|remote|--controller must be in-process, external or cluster, but was 'remote'",
        "--plant|mlp|--plant must be nqm, rosenbrock or logreg, but was 'mlp'",
        "--steps|0|--steps must be >= 1, but was 0",
        "--decision-timeout|0|--decision-timeout must be > 0 ms, but was 0",
        "--policy|nosuch|policy must be one of"
      })
  void badInputIsOneLineNamingItAndExitTwo(String flag, String value, String message) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--plant",
                "nqm",
                "--policy",
                "constant",
                "--steps",
                "10",
                "--out",
                tmp.resolve("bad").toString(),
                "--quiet"));
    int i = args.indexOf(flag);
    if (i >= 0) {
      args.set(i + 1, value);
    } else {
      args.add(flag);
      args.add(value);
    }
    TestRuns.Result r = run(args.toArray(String[]::new));
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(message), r.err());
    assertTrue(!Files.exists(tmp.resolve("bad").resolve("run.json")), "nothing written");
  }

  @Test
  void anExistingRunIsNeverOverwritten() throws Exception {
    Path dir = tmp.resolve("t2");
    String[] args = {
      "train",
      "--plant",
      "nqm",
      "--dim",
      "10",
      "--policy",
      "constant",
      "--steps",
      "20",
      "--out",
      dir.toString(),
      "--quiet"
    };
    assertEquals(0, run(args).code());
    byte[] header = Files.readAllBytes(dir.resolve("run.json"));
    long decided = RunContents.decisionCount(dir);
    TestRuns.Result again = run(args);
    assertEquals(2, again.code());
    assertTrue(again.err().contains("already holds a run"), again.err());
    assertEquals(1, again.err().strip().lines().count(), again.err());
    assertTrue(java.util.Arrays.equals(header, Files.readAllBytes(dir.resolve("run.json"))));
    assertEquals(decided, RunContents.decisionCount(dir));
  }

  @Test
  void aPlantAndADatasetExcludeEachOther() {
    TestRuns.Result both =
        run(
            "train",
            "--plant",
            "nqm",
            "--dataset",
            "synthetic",
            "--policy",
            "constant",
            "--out",
            tmp.resolve("both").toString(),
            "--quiet");
    assertEquals(2, both.code());
    assertTrue(both.err().contains("--plant and --dataset exclude each other"), both.err());
    TestRuns.Result steps =
        run(
            "train",
            "--dataset",
            "synthetic",
            "--steps",
            "10",
            "--policy",
            "constant",
            "--out",
            tmp.resolve("steps").toString(),
            "--quiet");
    assertEquals(2, steps.code());
    assertTrue(steps.err().contains("--steps does not apply to --dataset"), steps.err());
    TestRuns.Result none =
        run("train", "--policy", "constant", "--out", tmp.resolve("none").toString());
    assertEquals(2, none.code());
    assertTrue(none.err().contains("--plant (nqm, rosenbrock or logreg) or --dataset"), none.err());
    assertTrue(!Files.exists(tmp.resolve("both")) && !Files.exists(tmp.resolve("steps")));
  }

  @Test
  void controlWithoutARunFolderGivesUpAfterItsWait() {
    TestRuns.Result r = run("control", "--run", tmp.resolve("none").toString(), "--wait", "0");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("did not appear within 0.0 s"), r.err());
  }
}
