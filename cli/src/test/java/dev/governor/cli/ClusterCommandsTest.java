package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster flags of serve and train: bad ones are one line naming them, exit 2. */
class ClusterCommandsTest {

  @Test
  void serveRefusesANonLoopbackAddressUnlessAllowed() {
    TestRuns.Result r = TestRuns.run("serve", "--bind", "10.1.2.3:2551");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(
        r.err()
            .contains(
                "bind address must be loopback (127.0.0.0/8, ::1, localhost) unless"
                    + " --allow-non-loopback is given, but was 10.1.2.3:2551"),
        r.err());
    r = TestRuns.run("serve", "--bind", "127.0.0.1:2551", "--seed-nodes", "127.0.0.1");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(r.err().contains("--seed-nodes must be HOST:PORT, but was '127.0.0.1'"), r.err());
    r = TestRuns.run("serve", "--down-after", "0");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(r.err().contains("--down-after must be > 0 ms, but was 0"), r.err());
  }

  @Test
  void trainWithAClusterControllerNeedsSeedsAndWritesNothingWithout(@TempDir Path tmp) {
    Path out = tmp.resolve("r");
    TestRuns.Result r =
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--steps",
            "10",
            "--out",
            out.toString(),
            "--controller",
            "cluster",
            "--quiet");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(r.err().contains("--controller cluster needs --cluster-seeds"), r.err());
    assertFalse(Files.exists(out), "nothing written");
    r =
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--steps",
            "10",
            "--out",
            out.toString(),
            "--controller",
            "cluster",
            "--cluster-seeds",
            "192.168.0.9:2551",
            "--quiet");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(r.err().contains("seed node must be loopback"), r.err());
    r =
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--steps",
            "10",
            "--out",
            out.toString(),
            "--ranks",
            "0",
            "--quiet");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(r.err().contains("--ranks must be >= 1"), r.err());
  }
}
