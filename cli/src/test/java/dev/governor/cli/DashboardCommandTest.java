package dev.governor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardCommandTest {
  @TempDir Path tmp;

  @Test
  void trainPrintsTheDashboardCommandForItsRunsFolder() {
    Path out = tmp.resolve("runs").resolve("t");
    TestRuns.Result r =
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--dim",
            "10",
            "--policy",
            "pi",
            "--steps",
            "30",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    String line =
        "watch live: governor dashboard --runs "
            + tmp.resolve("runs").toAbsolutePath()
            + "   (then open http://127.0.0.1:8080/)";
    assertTrue(r.err().lines().anyMatch(line::equals), r.err());
    TestRuns.Result quiet =
        TestRuns.run(
            "train",
            "--plant",
            "nqm",
            "--dim",
            "10",
            "--policy",
            "pi",
            "--steps",
            "30",
            "--out",
            tmp.resolve("runs").resolve("q").toString(),
            "--quiet");
    assertTrue(!quiet.err().contains("watch live"), quiet.err());
  }

  @Test
  void aBadPortOrATakenOneIsOneLineAndExitTwo() throws Exception {
    TestRuns.Result r = TestRuns.run("dashboard", "--runs", tmp.toString(), "--port", "70000");
    assertEquals(2, r.code(), r.err());
    assertEquals("dashboard: port must be in [0, 65535], but was 70000", r.err().strip());
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      TestRuns.Result t = TestRuns.run("dashboard", "--runs", tmp.toString(), "--port", "" + port);
      assertEquals(2, t.code(), t.err());
      assertTrue(
          t.err().strip().startsWith("dashboard: cannot listen on 127.0.0.1:" + port + " ("),
          t.err());
      assertTrue(t.err().strip().endsWith("choose another port (0 = any free one)"), t.err());
      assertEquals(1, t.err().strip().lines().count(), t.err());
    }
  }
}
