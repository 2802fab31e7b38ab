package dev.governor.cli;

import dev.governor.dashboard.DashboardServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code governor dashboard}: a live dashboard of the runs under a folder, in the browser. */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serve a live dashboard of the run folders under --runs: runs appear as they are created;"
          + " selected runs are drawn while they train (loss, applied and decided LR, clip against"
          + " the gradient norm, weight decay, update ratio, each loop's process variable against"
          + " its setpoint, SKIP / ROLLBACK / TIMEOUT marked), overlaid for comparison, with each"
          + " run's inspect table. The queues are read only; nothing in a run folder is written.",
      "Listens on 127.0.0.1 (this machine only) unless --host names another address; there is no"
          + " authentication. Stop with Ctrl-C.",
      "Example: governor dashboard --runs runs   (then open http://127.0.0.1:8080/)",
      "",
      "Exit codes: 0 stopped, 2 bad input (the port is taken, the host does not resolve)."
    })
public final class DashboardCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--runs",
      paramLabel = "DIR",
      description = "The folder whose run folders are listed (default: runs).")
  Path runs = Path.of("runs");

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      description =
          "The address to listen on (default 127.0.0.1; 0.0.0.0 = every interface, reachable"
              + " from other machines).")
  String host = DashboardServer.Config.DEFAULT_HOST;

  @Option(
      names = "--port",
      description = "The port (default 8080; 0 = any free port, printed at start).")
  int port = DashboardServer.Config.DEFAULT_PORT;

  /** Counted down when the server should stop (tests); Ctrl-C ends the JVM otherwise. */
  CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    DashboardServer.Config cfg =
        DashboardServer.Config.of(runs)
            .withHost(host)
            .withPort(port)
            .withInspectTable(InspectCommand::rows);
    PrintWriter out = spec.commandLine().getOut();
    try (DashboardServer server = DashboardServer.start(cfg)) {
      out.println(
          "dashboard: serving "
              + cfg.runs()
              + " at "
              + server.url()
              + (server.loopback()
                  ? " (this machine only; --host to change)"
                  : " — reachable from other machines, no authentication"));
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "dashboard-stop"));
      stop.await();
    }
    return 0;
  }

  /** The one line {@code train}, {@code demo} and {@code bakeoff} print: how to watch DIR. */
  static String hint(Path runsDir) {
    Path d = runsDir.toAbsolutePath().normalize();
    Path cwd = Path.of("").toAbsolutePath();
    String shown =
        d.startsWith(cwd) && !d.equals(cwd) ? cwd.relativize(d).toString() : d.toString();
    return "watch live: governor dashboard --runs "
        + shown
        + "   (then open http://127.0.0.1:8080/)";
  }
}
