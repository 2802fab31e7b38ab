package dev.governor.cli;

import dev.governor.telemetry.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The rule every writing command follows before it computes anything: it never replaces a file it
 * did not create unless the user passes {@code --force}. A results folder ({@code simulate}, {@code
 * lr-find}, {@code tune}) must be new or empty; an output file ({@code export}) must not exist.
 */
final class Outputs {
  private Outputs() {}

  /**
   * Refuses {@code --out} when it is a file, or a folder holding anything, unless {@code force}.
   *
   * @throws UserException naming the folder and (some of) what it holds
   */
  static void requireFreshFolder(Path out, boolean force) {
    Path abs = out.toAbsolutePath().normalize();
    if (Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new UserException("--out " + abs + " is a file; give a folder");
    }
    if (force || !Files.isDirectory(abs)) {
      return;
    }
    List<String> held;
    try (Stream<Path> s = Files.list(abs)) {
      held = s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UserException("--out " + abs + " cannot be listed: " + e.getMessage(), e);
    }
    if (!held.isEmpty()) {
      throw new UserException(
          "--out "
              + abs
              + " is not empty (it holds "
              + RunFolder.firstNames(held)
              + (held.contains("run.json") ? ", a run folder" : "")
              + "); choose a new folder, or pass --force to replace what this command writes");
    }
  }

  /**
   * Refuses an existing output file unless {@code force}.
   *
   * @throws UserException naming the file
   */
  static void requireNewFile(Path out, boolean force) {
    Path abs = out.toAbsolutePath().normalize();
    if (Files.isRegularFile(abs) && !force) {
      throw new UserException(
          "--out " + abs + " already exists; pass --force to replace it or choose another --out");
    }
  }
}
