package dev.governor.cli;

import static dev.governor.cli.TestRuns.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.cli.TestRuns.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleCommandTest {

  @Test
  void sgdrCsvHasOneRowPerStepWithPyTorchValues() {
    Result r =
        run(
            "schedule",
            "--policy",
            "sgdr",
            "--lr",
            "0.1",
            "--lr-min",
            "0.001",
            "--t0",
            "10",
            "--t-mult",
            "2",
            "--steps",
            "40");
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals("step,lr,clip,wd", lines[0]);
    assertEquals(41, lines.length);
    // PyTorch CosineAnnealingWarmRestarts(T_0=10, T_mult=2, eta_min=0.001), base 0.1:
    // step 0 and step 10 (first restart) are 0.1; step 30 (second restart, 10 + 20) is 0.1;
    // step 5 = 0.001 + 0.099 * (1 + cos(pi/2)) / 2 = 0.0505; step 20 = T_cur 10 of T_i 20 = 0.0505.
    assertEquals("0,0.1,inf,0.0", lines[1]);
    assertTrue(lines[11].startsWith("10,0.1,"), lines[11]);
    assertTrue(lines[31].startsWith("30,0.1,"), lines[31]);
    assertEquals(0.0505, Double.parseDouble(lines[6].split(",")[1]), 1e-15);
    assertEquals(0.0505, Double.parseDouble(lines[21].split(",")[1]), 1e-15);
  }

  @Test
  void cosineDefaultsTMaxToSteps() {
    Result r = run("schedule", "--policy", "cosine", "--lr", "1", "--steps", "5");
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    // t-max = 5: lr_t = (1 + cos(pi t / 5)) / 2; t = 4 -> (1 + cos(0.8 pi)) / 2 = 0.0954915...
    assertEquals(
        (1 + Math.cos(Math.PI * 4 / 5)) / 2, Double.parseDouble(lines[5].split(",")[1]), 1e-15);
  }

  @Test
  void jsonFormatAndFixedClipAndWd() throws Exception {
    Result r =
        run(
            "schedule",
            "--policy",
            "step",
            "--lr",
            "0.5",
            "--step-size",
            "2",
            "--gamma",
            "0.5",
            "--clip",
            "1.5",
            "--wd",
            "0.01",
            "--steps",
            "5",
            "--format",
            "json");
    assertEquals(0, r.code(), r.err());
    JsonNode root = new ObjectMapper().readTree(r.out());
    JsonNode rows = root.get("rows");
    assertEquals(5, rows.size());
    double[] expected = {0.5, 0.5, 0.25, 0.25, 0.125};
    for (int t = 0; t < 5; t++) {
      assertEquals(t, rows.get(t).get("step").asInt());
      assertEquals(expected[t], rows.get(t).get("lr").asDouble(), 0.0);
      assertEquals(1.5, rows.get(t).get("clip").asDouble(), 0.0);
      assertEquals(0.01, rows.get(t).get("wd").asDouble(), 0.0);
    }
    assertTrue(root.get("policy").asText().startsWith("step("), root.get("policy").asText());
  }

  @Test
  void noClipIsInfinityInJson() throws Exception {
    Result r = run("schedule", "--policy", "constant", "--steps", "2", "--format", "json");
    assertEquals(0, r.code(), r.err());
    // no clipping: an infinite clip, in report's Json encoding
    assertEquals(
        "Infinity",
        new ObjectMapper().readTree(r.out()).get("rows").get(0).get("clip").textValue());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--policy cosine --lr -1 --steps 5|lr must be finite and > 0, but was -1.0",
        "--policy sgdr --t-mult 0 --steps 5|t-mult must be an integer >= 1, but was 0",
        "--policy sgdr --t0 0 --steps 5|t0 must be an integer >= 1, but was 0",
        "--policy pi --steps 5|--policy must be an open-loop policy",
        "--policy plateau --steps 5|--policy must be an open-loop policy",
        "--policy nosuch --steps 5|'nosuch'",
        "--policy cosine --steps 0|--steps must be an integer >= 1, but was 0",
        "--policy cosine --steps 5 --format xml|--format must be csv or json, but was 'xml'",
        "--policy cosine --t0 3 --steps 5|cosine has no option 't0'",
        "--policy step --gamma 2 --steps 5|gamma must be in (0, 1], but was 2.0",
        "--policy cosine --lr abc --steps 5|--lr",
        "--policy cosine --clip 0 --steps 5|clip must be > 0",
        "--policy cosine --lr-min 1 --lr 0.1 --steps 5|lr-min must be finite and in [0, lr=0.1]"
      })
  void badValuesNameThemselvesAndExit2(String args, String fragment) {
    Result r = run(("schedule " + args).split(" "));
    assertEquals(2, r.code(), r.out() + r.err());
    String first = r.err().strip().split("\n")[0];
    assertTrue(first.contains(fragment), "'" + first + "' should contain '" + fragment + "'");
    assertEquals("", r.out());
  }

  @Test
  void helpExplainsEveryOption() {
    Result r = run("schedule", "--help");
    assertEquals(0, r.code());
    for (String flag :
        new String[] {
          "--policy",
          "--lr",
          "--lr-min",
          "--t0",
          "--t-mult",
          "--t-max",
          "--step-size",
          "--gamma",
          "--warmup",
          "--steps",
          "--format",
          "--clip",
          "--wd"
        }) {
      assertTrue(r.out().contains(flag), flag);
    }
    assertTrue(run("--help").out().contains("schedule"));
  }

  @Test
  void scheduleRefusesAGearedSchedule() {
    // the safety gear reads measurements: a geared schedule cannot be printed ahead of time
    Result r = run("schedule", "--policy", "cosine(gear=standard)", "--steps", "5");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().contains("--policy cosine(gear=standard, t-max=5) reads measurements"), r.err());
    assertEquals(0, run("schedule", "--policy", "cosine(gear=off)", "--steps", "5").code());
  }

  /** A reader that goes away after its first kilobyte, as {@code head -1} does. */
  private static PrintWriter closingAfter(int bytes) {
    return new PrintWriter(
        new java.io.OutputStream() {
          private int n;

          @Override
          public void write(int b) throws java.io.IOException {
            if (++n > bytes) {
              throw new java.io.IOException("Broken pipe");
            }
          }
        },
        true);
  }

  @ParameterizedTest
  @CsvSource({"csv", "json"})
  @org.junit.jupiter.api.Timeout(30)
  void stopsSoonAfterItsReaderGoesAway(String format) {
    // 2e9 rows take minutes to print; a closed output must end the command within a few rows
    StringWriter err = new StringWriter();
    long t0 = System.nanoTime();
    int code =
        Main.run(
            new String[] {
              "schedule", "--policy", "cosine(lr=0.1)", "--steps", "2000000000", "--format", format
            },
            closingAfter(1024),
            new PrintWriter(err, true));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, code, err.toString());
    assertTrue(seconds < 20, "stopped after " + seconds + " s");
  }
}
