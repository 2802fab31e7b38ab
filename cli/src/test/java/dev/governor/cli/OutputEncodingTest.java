package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.PolicySpec;
import dev.governor.dashboard.DashboardServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every JSON file type Governor writes — summary.json of a single simulation, a suite, {@code
 * train}, {@code lr-find}, {@code tune} and {@code demo}; run.json; the JSON-lines export; the JSON
 * that {@code inspect --json} and {@code schedule --format json} print, and the dashboard's HTTP
 * API — is standard JSON (read with a parser that rejects bare {@code NaN}) and spells a non-finite
 * number only as {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"} (the encoding of {@code
 * dev.governor.report.Json}). Where a file is known to hold such a value, the value is checked.
 */
class OutputEncodingTest {
  /** Jackson's default: bare NaN / Infinity tokens are a parse error. */
  private static final ObjectMapper STRICT = new ObjectMapper();

  private static final Set<String> THE_ENCODING = Set.of("NaN", "Infinity", "-Infinity");

  /** Other spellings of non-finite numbers seen in the wild (and once in this code base). */
  private static final Set<String> OTHER_SPELLINGS =
      Set.of("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "+nan", "-nan");

  @TempDir Path tmp;

  private final Map<String, Integer> encodedSeen = new TreeMap<>();

  /** Walks a tree: each text that spells a non-finite number must be spelt in the encoding. */
  private void check(String where, JsonNode n) {
    if (n.isObject()) {
      n.properties().forEach(e -> check(where + "/" + e.getKey(), e.getValue()));
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        check(where + "/" + i, n.get(i));
      }
    } else if (n.isTextual()) {
      String t = n.textValue();
      if (THE_ENCODING.contains(t)) {
        encodedSeen.merge(t, 1, Integer::sum);
      } else {
        assertTrue(
            !OTHER_SPELLINGS.contains(t.toLowerCase(Locale.ROOT)),
            where + " spells a non-finite number as \"" + t + "\"");
      }
    } else if (n.isNumber()) {
      assertTrue(Double.isFinite(n.doubleValue()), where + " holds " + n);
    }
  }

  private JsonNode checkFile(Path f) throws IOException {
    JsonNode n = STRICT.readTree(Files.readString(f));
    check(f.getFileName().toString(), n);
    return n;
  }

  private List<JsonNode> checkLines(Path f) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(f)) {
      JsonNode n = STRICT.readTree(line);
      check(f.getFileName().toString(), n);
      out.add(n);
    }
    return out;
  }

  /** Every .json / .jsonl file below {@code dir}; returns how many were read. */
  private int checkTree(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    int n = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.endsWith(".json")) {
        checkFile(f);
        n++;
      } else if (name.endsWith(".jsonl")) {
        checkLines(f);
        n++;
      }
    }
    return n;
  }

  private static void ok(TestRuns.Result r) {
    assertEquals(0, r.code(), r.out() + r.err());
  }

  @Test
  void simulationsAndSuitesWriteTheOneEncoding() throws Exception {
    Path single = tmp.resolve("diverged");
    // lr 1.5 on lambda_max 2: lr * lambda = 3 > 2, every run diverges, so the mean tail loss over
    // the runs that did not diverge is the mean of none: NaN
    ok(
        TestRuns.run(
            "simulate",
            "--problem",
            "nqm",
            "--lambda-max",
            "2",
            "--policy",
            "constant(lr=1.5)",
            "--steps",
            "300",
            "--seeds",
            "2",
            "--out",
            single.toString(),
            "--quiet"));
    JsonNode s = checkFile(single.resolve("summary.json"));
    assertEquals("NaN", s.get("tail_mean_loss").textValue());
    Path suite = tmp.resolve("validation");
    ok(
        TestRuns.run(
            "simulate",
            "--suite",
            "validation",
            "--quick",
            "--seeds",
            "2",
            "--out",
            suite.toString(),
            "--quiet"));
    assertTrue(checkTree(suite) >= 1);
    Path lr = tmp.resolve("lrfind");
    ok(
        TestRuns.run(
            "lr-find", "--lambda-max", "1", "--sweep-steps", "300", "--out", lr.toString()));
    assertTrue(checkTree(lr) >= 1);
    Path tune = tmp.resolve("tune");
    ok(
        TestRuns.run(
            "tune",
            "--policy",
            "cosine",
            "--space",
            "lr=log:1e-3:10",
            "--trials",
            "2",
            "--steps",
            "100",
            "--seeds",
            "1",
            "--heldout-seeds",
            "1",
            "--dim",
            "5",
            "--out",
            tune.toString(),
            "--quiet"));
    assertTrue(checkTree(tune) >= 1);
  }

  @Test
  void runFoldersExportsAndPrintedJsonWriteTheOneEncoding() throws Exception {
    Path train = tmp.resolve("train");
    ok(
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--dim",
            "10",
            "--policy",
            "constant(lr=0.05)",
            "--steps",
            "60",
            "--seed",
            "3",
            "--out",
            train.toString(),
            "--quiet"));
    checkFile(train.resolve("summary.json"));
    checkFile(train.resolve("run.json"));

    // a recorded run of a constant policy: no clipping (clip = +Inf) and no validation loss (NaN)
    Path rec = tmp.resolve("recorded");
    TestRuns.record(rec, PolicySpec.parse("constant(lr=0.05)"), 40, d -> d);
    Path jsonl = tmp.resolve("export.jsonl");
    ok(
        TestRuns.run(
            "export", "--run", rec.toString(), "--format", "jsonl", "--out", jsonl.toString()));
    List<JsonNode> rows = checkLines(jsonl);
    assertEquals(40, rows.size());
    assertEquals("Infinity", rows.get(5).get("clip").textValue());
    assertEquals("Infinity", rows.get(5).get("decided_clip").textValue());
    assertEquals("NaN", rows.get(5).get("val_loss").textValue());

    TestRuns.Result inspect = TestRuns.run("inspect", "--run", rec.toString(), "--json");
    ok(inspect);
    check("inspect --json", STRICT.readTree(inspect.out()));

    TestRuns.Result sched =
        TestRuns.run(
            "schedule", "--policy", "constant", "--lr", "0.1", "--steps", "3", "--format", "json");
    ok(sched);
    JsonNode sj = STRICT.readTree(sched.out());
    check("schedule --format json", sj);
    assertEquals("Infinity", sj.get("rows").get(0).get("clip").textValue(), "no clipping");
    assertTrue(encodedSeen.getOrDefault("Infinity", 0) >= 3, encodedSeen.toString());
  }

  @Test
  void theDashboardApiSendsTheOneEncoding() throws Exception {
    // a recorded run of a constant policy: clip +Inf (no clipping) and val_loss NaN in every row
    Path runs = tmp.resolve("runs");
    TestRuns.record(runs.resolve("rec"), PolicySpec.parse("constant(lr=0.05)"), 40, d -> d);
    try (DashboardServer server =
        DashboardServer.start(DashboardServer.Config.of(runs).withPort(0))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + "api/run?id=rec")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode run = STRICT.readTree(r.body());
      check("api/run", run);
      assertEquals(40, run.get("tele").get("rows").asInt(), r.body());
      // no null stands for a number: every cell of every column is a number or one of the strings
      for (String table : List.of("tele", "dec")) {
        for (JsonNode col : run.get(table).get("cols")) {
          for (JsonNode v : col) {
            assertTrue(v.isNumber() || THE_ENCODING.contains(v.asText()), table + " holds " + v);
          }
        }
      }
      assertTrue(encodedSeen.getOrDefault("Infinity", 0) >= 40, encodedSeen.toString());
      assertTrue(encodedSeen.getOrDefault("NaN", 0) >= 40, encodedSeen.toString());
    }
  }

  @Test
  void theDemoWritesTheOneEncoding() throws Exception {
    Path demo = tmp.resolve("demo");
    ok(
        TestRuns.run(
            "demo",
            "--dataset",
            "synthetic",
            "--train-limit",
            "320",
            "--batch",
            "64",
            "--epochs",
            "1",
            "--policies",
            "constant",
            "--out",
            demo.toString(),
            "--quiet"));
    assertTrue(checkTree(demo) >= 4, "summary.json and each run's run.json and summary.json");
  }
}
