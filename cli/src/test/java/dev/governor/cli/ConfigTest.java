package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.governor.cli.TestRuns.Result;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.PiPolicyConfig;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * HOCON configuration: reference.conf agrees with the code, precedence flags > -D > --config >
 * reference, and every kind of bad input is one line naming the key, value and origin, exit 2, with
 * nothing written.
 */
class ConfigTest {
  @TempDir Path tmp;

  private Path conf(String name, String text) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static void oneLineExit2(Result r, String... fragments) {
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
    for (String f : fragments) {
      assertTrue(r.err().contains(f), "expected '" + f + "' in: " + r.err());
    }
  }

  // ------------------------------------------------------------ reference.conf vs the code

  private static final Config REF = Settings.reference();

  /** The non-null options of governor.policy.NAME as a spec. */
  private static PolicySpec referenceSpec(String name, Set<String> only) {
    PolicySpec s = PolicySpec.of(name);
    for (Map.Entry<String, ConfigValue> e : REF.getObject("governor.policy." + name).entrySet()) {
      if (e.getValue().valueType() != ConfigValueType.NULL
          && (only == null || only.contains(e.getKey()))) {
        s = s.with(e.getKey(), String.valueOf(e.getValue().unwrapped()));
      }
    }
    return s;
  }

  @Test
  void piSectionEqualsPiPolicyConfigDefaults() {
    assertEquals(PiPolicyConfig.defaults(), PiPolicyConfig.from(referenceSpec("pi", null)));
  }

  @Test
  void everyPolicySectionListsExactlyThatPolicysOptions() {
    Set<String> sections = REF.getObject("governor.policy").keySet();
    Set<String> expected = new TreeSet<>(Policies.names());
    assertEquals(expected, new TreeSet<>(sections));
    for (String name : sections) {
      assertEquals(
          Policies.options(name),
          new TreeSet<>(REF.getObject("governor.policy." + name).keySet()),
          "keys of governor.policy." + name);
    }
  }

  /** Loss stream for plateau: falls, then stalls (so the reductions are exercised). */
  private static double loss(long t) {
    return t < 40 ? 1.0 / (1 + t) : 0.025;
  }

  private static void assertSameDecisions(Policy a, Policy b, String what) {
    assertEquals(a.initial(), b.initial(), what + " initial");
    Decision da = new Decision();
    Decision db = new Decision();
    for (long t = 0; t < 3000; t++) {
      Observation o = Observation.builder(t).loss(loss(t)).build();
      a.decide(o, da);
      b.decide(o, db);
      assertEquals(da.lr, db.lr, what + " lr at " + t);
      assertEquals(da.clip, db.clip, what + " clip at " + t);
      assertEquals(da.weightDecay, db.weightDecay, what + " wd at " + t);
    }
  }

  @Test
  void scheduleAndPlateauSectionsBehaveLikeTheCodeDefaults() {
    for (String name :
        List.of(
            "constant",
            "step",
            "exponential",
            "cosine",
            "sgdr",
            "onecycle",
            "plateau",
            "polyak",
            "lrfind")) {
      assertSameDecisions(Policies.create(name), Policies.create(referenceSpec(name, null)), name);
    }
    assertSameDecisions(
        Policies.create("warmup"),
        Policies.create(referenceSpec("warmup", Set.of("schedule", "warmup", "lr", "clip", "wd"))),
        "warmup");
  }

  /** Losses with a spike and an explosion, gradient norms with an outlier: the gear acts. */
  private static Observation spiky(long t) {
    double g = 1 + 0.1 * ((t * 7) % 5);
    double l = 2.0 / (1 + 0.01 * t) + 0.01 * ((t * 3) % 4);
    if (t == 60) {
      l = 40;
    }
    if (t >= 80 && t < 85) {
      g *= Math.pow(4, t - 79);
      l *= Math.pow(16, t - 79);
    }
    return Observation.builder(t).loss(l).gradNorm(g).sharpness(3).build();
  }

  @Test
  void gearKeysOfEverySectionAreTheCodeDefaults() {
    // every section's gear values, with the gear switched on, act exactly as the code's defaults
    for (String name : Policies.names()) {
      if (name.equals("pi")) {
        continue;
      }
      for (String clip : List.of("zclip", "autoclip")) {
        Set<String> gearKeys =
            Set.of(
                "guard-window",
                "guard-min",
                "guard-z-clip",
                "guard-z-skip",
                "guard-z-rollback",
                "guard-cut",
                "cut",
                "cut-growth",
                "cut-alpha",
                "zclip-alpha",
                "zclip-z",
                "zclip-warmup",
                "autoclip-p");
        PolicySpec fromRef =
            referenceSpec(name, gearKeys).with("gear", "standard").with("clip", clip);
        PolicySpec plain = PolicySpec.of(name).with("gear", "standard").with("clip", clip);
        Policy a = Policies.create(plain);
        Policy b = Policies.create(fromRef);
        Decision da = new Decision();
        Decision db = new Decision();
        for (long t = 0; t < 200; t++) {
          a.decide(spiky(t), da);
          b.decide(spiky(t), db);
          String what = name + " " + clip + " at " + t;
          assertEquals(da.lr, db.lr, what + " lr");
          assertEquals(da.clip, db.clip, what + " clip");
          assertEquals(da.action, db.action, what + " action");
        }
      }
    }
  }

  @Test
  void sharedScheduleOptionsAgreeAcrossSections() {
    Map<String, String> home =
        Map.of(
            "lr-min", "cosine",
            "t0", "sgdr",
            "t-mult", "sgdr",
            "step-size", "step",
            "pct-start", "onecycle",
            "div-factor", "onecycle",
            "final-div-factor", "onecycle",
            "warmup", "constant");
    for (String section : List.of("pi", "warmup")) {
      home.forEach(
          (key, owner) ->
              assertEquals(
                  REF.getValue("governor.policy." + owner + "." + key).unwrapped(),
                  REF.getValue("governor.policy." + section + "." + key).unwrapped(),
                  section + "." + key + " vs " + owner));
    }
  }

  /** Non-null command keys must equal the flag's built-in default; null keys a null field. */
  private static void commandSectionMatches(Object command, String section, Map<String, ?> ifNull) {
    CommandLine cl = new CommandLine(command);
    for (Map.Entry<String, ConfigValue> e : REF.getObject("governor." + section).entrySet()) {
      OptionSpec o = cl.getCommandSpec().findOption("--" + e.getKey());
      assertNotNull(o, "governor." + section + "." + e.getKey() + " has no flag --" + e.getKey());
      Object field = o.getValue();
      if (field == null && ifNull.containsKey(e.getKey())) {
        field = ifNull.get(e.getKey());
      }
      ConfigValue v = e.getValue();
      String what = "governor." + section + "." + e.getKey();
      switch (v.valueType()) {
        case NULL -> assertEquals(null, field, what);
        case NUMBER ->
            assertEquals(
                ((Number) v.unwrapped()).doubleValue(), ((Number) field).doubleValue(), 0.0, what);
        case LIST -> assertEquals(v.unwrapped(), field, what);
        default -> assertEquals(String.valueOf(v.unwrapped()), String.valueOf(field), what);
      }
    }
  }

  @Test
  void commandSectionsMatchTheFlagsDefaults() {
    commandSectionMatches(new SimulateCommand(), "simulate", Map.of("problem", "nqm"));
    commandSectionMatches(new DemoCommand(), "demo", Map.of());
    commandSectionMatches(new BakeoffCommand(), "bakeoff", Map.of());
    commandSectionMatches(new ScheduleCommand(), "schedule", Map.of());
    commandSectionMatches(new TrainCommand(), "train", Map.of());
    commandSectionMatches(new LrFindCommand(), "lr-find", Map.of("problem", "nqm"));
  }

  // ------------------------------------------------------------ precedence

  @Test
  void flagsOverrideDefinesOverrideTheFileOverrideReference() throws Exception {
    Path f = conf("my.conf", "governor.schedule.steps = 3\ngovernor.policy.cosine.t-max = 50\n");
    Result r = TestRuns.run("schedule", "--config", f.toString(), "--policy", "cosine");
    assertEquals(0, r.code(), r.err());
    List<String> rows = r.out().strip().lines().toList();
    assertEquals(4, rows.size(), r.out()); // header + steps 0..2 (file)
    // cosine with lr 0.1 (reference), lr-min 0, t-max 50 (file): lr(1) = 0.1 (1 + cos(pi/50)) / 2
    double lr1 = 0.1 * (1 + Math.cos(Math.PI / 50)) / 2;
    assertEquals(lr1, Double.parseDouble(rows.get(2).split(",")[1]), 1e-15);

    r =
        TestRuns.run(
            "schedule",
            "--config",
            f.toString(),
            "--policy",
            "cosine",
            "-Dgovernor.schedule.steps=5");
    assertEquals(6, r.out().strip().lines().count(), r.out()); // -D beats the file

    r =
        TestRuns.run(
            "--config",
            f.toString(),
            "schedule",
            "--policy",
            "cosine(t-max=10)",
            "--steps",
            "2",
            "-Dgovernor.schedule.steps=5");
    rows = r.out().strip().lines().toList();
    assertEquals(3, rows.size(), r.out()); // the flag beats -D
    double lr1Flag = 0.1 * (1 + Math.cos(Math.PI / 10)) / 2; // spec text beats the file
    assertEquals(lr1Flag, Double.parseDouble(rows.get(2).split(",")[1]), 1e-15);
  }

  @Test
  void configCommandShowsValuesWithOrigins() throws Exception {
    Path f = conf("my.conf", "governor {\n  policy.pi.kp = 0.2\n}\n");
    Result r = TestRuns.run("config", "--config", f.toString(), "--path", "governor.policy.pi");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("governor.policy.pi.kp = 0.2"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.contains(".kp = 0.2") && l.contains("my.conf: 2")));
    assertTrue(
        r.out()
            .lines()
            .anyMatch(
                l ->
                    l.contains(".ki = " + REF.getValue("governor.policy.pi.ki").unwrapped())
                        && l.contains("governor-controllers reference.conf: ")));
    r = TestRuns.run("config", "--config", f.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(0.2, j.get("policy").get("pi").get("kp").asDouble(), 0.0);
    assertEquals(1000, j.get("simulate").get("steps").asInt());
  }

  // ------------------------------------------------------------ bad input

  @Test
  void unknownKeyNamesItTheClosestKeyAndTheOrigin() throws Exception {
    Path f = conf("unk.conf", "# comment\ngovernor.policy.kp = 1\n");
    oneLineExit2(
        TestRuns.run("config", "--config", f.toString()),
        "unknown configuration key governor.policy.kp",
        "unk.conf: 2",
        "did you mean governor.policy.pi.kp?");
    Path g = conf("typo.conf", "governor.simulate.stpes = 10\n");
    oneLineExit2(
        TestRuns.run("config", "--config", g.toString()),
        "governor.simulate.stpes",
        "did you mean governor.simulate.steps?");
  }

  @Test
  void wrongTypeNamesKeyValueAndOrigin() throws Exception {
    Path f = conf("t.conf", "governor.simulate {\n  steps = many\n}\n");
    oneLineExit2(
        TestRuns.run("config", "--config", f.toString()),
        "governor.simulate.steps must be a number, but was 'many' (from " + f + ": 2)");
    oneLineExit2(
        TestRuns.run("config", "-Dgovernor.policy.pi.layers=maybe"),
        "governor.policy.pi.layers must be true or false, but was 'maybe' (from "
            + "-Dgovernor.policy.pi.layers)");
  }

  @Test
  void outOfDomainPolicyValueNamesKeyValueAndOriginBeforeAnythingIsWritten() throws Exception {
    Path f = conf("my.conf", "governor.policy.pi {\n  lr = 0.1\n  kp = -1\n}\n");
    Path out = tmp.resolve("sim");
    oneLineExit2(
        TestRuns.run(
            "simulate",
            "--config",
            f.toString(),
            "--steps",
            "10",
            "--seeds",
            "1",
            "--quiet",
            "--out",
            out.toString()),
        "governor.policy.pi.kp must be finite and >= 0, but was -1.0 (from " + f + ": 3)");
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void outOfDomainCommandValueNamesTheKeyNotTheFlag() throws Exception {
    Path f = conf("s.conf", "governor.simulate.steps = 0\n");
    Path out = tmp.resolve("sim");
    oneLineExit2(
        TestRuns.run(
            "simulate",
            "--config",
            f.toString(),
            "--seeds",
            "1",
            "--quiet",
            "--out",
            out.toString()),
        "governor.simulate.steps must be >= 1, but was 0 (from " + f + ": 1)");
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void badDemoConfigFailsBeforeAnyRunFolderIsCreated() throws Exception {
    Path f = conf("d.conf", "governor.demo {\n  dataset = synthetic\n  lr = -1\n}\n");
    Path out = tmp.resolve("demo");
    oneLineExit2(
        TestRuns.run("demo", "--config", f.toString(), "--quiet", "--out", out.toString()),
        "governor.demo.lr must be finite and > 0, but was -1.0 (from " + f + ": 3)");
    assertFalse(Files.exists(out), "no run folder");
  }

  @Test
  void missingFileAndSyntaxErrorAreOneLine() throws Exception {
    Path missing = tmp.resolve("nope.conf");
    oneLineExit2(
        TestRuns.run("schedule", "--config", missing.toString(), "--policy", "cosine"),
        "--config " + missing + ": no such file");
    Path bad = conf("bad.conf", "governor {\n  simulate {\n    steps = 10\n");
    oneLineExit2(TestRuns.run("config", "--config", bad.toString()), "syntax error at " + bad);
    Path bad2 = conf("bad2.conf", "governor.simulate.steps = 10\ngovernor.simulate.seed = {{\n");
    oneLineExit2(
        TestRuns.run("config", "--config", bad2.toString()), "syntax error at " + bad2 + ": 2");
  }

  @Test
  void demoReadsItsDefaultsAndPoliciesFromConfigAndRecordsThemInRunJson() throws Exception {
    Path f =
        conf(
            "demo.conf",
            String.join(
                "\n",
                "governor.demo {",
                "  dataset = synthetic",
                "  train-limit = 128",
                "  batch = 64",
                "  epochs = 1",
                "  policies = [cosine]",
                "  quiet = true",
                "}",
                "governor.policy.cosine.lr-min = 1e-6",
                ""));
    Path out = tmp.resolve("demo");
    Result r = TestRuns.run("demo", "--config", f.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode run =
        new ObjectMapper().readTree(out.resolve("cosine-lr1").resolve("run.json").toFile());
    JsonNode cfg = run.get("config");
    assertEquals("64", cfg.get("governor.demo.batch").asText());
    assertEquals("cosine", cfg.get("governor.demo.policies").asText());
    assertEquals(f.toString(), cfg.get("config.file").asText());
    assertEquals("1.0E-6", run.get("policy").get("options").get("lr-min").asText(), run.toString());
    assertEquals(
        3, new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("runs").size());
  }
}
