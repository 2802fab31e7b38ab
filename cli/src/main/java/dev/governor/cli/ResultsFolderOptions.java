package dev.governor.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The results folder of a command that writes {@code summary.json} and {@code report.html} ({@code
 * simulate}, {@code tune}, {@code lr-find}): {@code --out} and {@code --force}, as a picocli mixin,
 * with the one check every such command makes before it computes anything.
 */
final class ResultsFolderOptions {
  @Option(names = "--out", required = true, description = "Output folder (new or empty).")
  Path out;

  @Option(
      names = "--force",
      description =
          "Write into a non-empty --out folder (replacing the files this command writes).")
  boolean force;

  /**
   * The folder, after refusing one that is a file or holds anything unless {@code --force} ({@link
   * Outputs#requireFreshFolder}).
   *
   * @throws UserException naming the folder and what it holds
   */
  Path fresh() {
    Outputs.requireFreshFolder(out, force);
    return out;
  }
}
