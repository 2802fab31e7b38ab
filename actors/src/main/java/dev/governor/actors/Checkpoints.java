package dev.governor.actors;

import dev.governor.control.PolicyState;
import dev.governor.control.Trainer;
import dev.governor.report.AtomicFile;
import dev.governor.telemetry.PolicyStateCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The run folder's {@code checkpoints/}: trainer checkpoints ({@code trainer/step-N/}, the plant's
 * state after step N) and policy snapshots ({@code controller/policy-N.state}, the policy's state
 * after deciding step N). Each is written under a temporary name and moved into place atomically,
 * so a crash never leaves a half-written checkpoint under a real name; the newest {@link #KEEP} of
 * each are kept.
 *
 * <p>A policy snapshot is encoded by {@link PolicyStateCodec} (with a CRC-32 of the state).
 *
 * <p>A trainer checkpoint folder carries a manifest, {@value #MANIFEST}: one line per file of the
 * checkpoint, {@code <crc32 hex> <bytes> <name>}, written after the trainer's files. {@link
 * #checkTrainer} compares the files with it, so a damaged checkpoint is recognised before it is
 * loaded (and can be passed over for an older one).
 */
public final class Checkpoints {
  static final int KEEP = 2;
  static final String MANIFEST = "checkpoint.crc32";

  private final Path trainerDir;
  private final Path controllerDir;

  /** The checkpoints of the run folder {@code runDir}. */
  public Checkpoints(Path runDir) {
    this.trainerDir = runDir.resolve("checkpoints").resolve("trainer");
    this.controllerDir = runDir.resolve("checkpoints").resolve("controller");
  }

  /** Saves the plant's state after step {@code step}. */
  void saveTrainer(Trainer trainer, long step) throws IOException {
    Files.createDirectories(trainerDir);
    Path tmp = trainerDir.resolve(String.format("step-%012d.tmp", step));
    deleteTree(tmp);
    Files.createDirectories(tmp);
    trainer.saveCheckpoint(tmp);
    writeManifest(tmp);
    Path dst = trainerDir.resolve(String.format("step-%012d", step));
    deleteTree(dst);
    Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
    prune(trainerDir, "step-", "");
  }

  /** The newest trainer checkpoint at a step {@code <= maxStep}: its step, or -1 when none. */
  long newestTrainer(long maxStep) {
    return newest(trainerDir, "step-", "", maxStep);
  }

  private static void writeManifest(Path dir) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Path f : files(dir)) {
      b.append(String.format("%08x %d %s%n", crc(f), Files.size(f), f.getFileName()));
    }
    Files.writeString(dir.resolve(MANIFEST), b.toString());
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals(MANIFEST))
          .sorted()
          .toList();
    }
  }

  private static long crc(Path f) throws IOException {
    CRC32 c = new CRC32();
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        c.update(buf, 0, n);
      }
    }
    return c.getValue();
  }

  /**
   * What is wrong with the trainer checkpoint of {@code step}, or null when its files match its
   * manifest (or it predates manifests).
   */
  String checkTrainer(long step) {
    Path dir = trainerPath(step);
    Path manifest = dir.resolve(MANIFEST);
    if (!Files.exists(manifest)) {
      return null;
    }
    try {
      List<String> lines = Files.readAllLines(manifest);
      List<Path> present = files(dir);
      if (lines.size() != present.size()) {
        return "it holds " + present.size() + " files, its manifest " + lines.size();
      }
      for (String line : lines) {
        String[] f = line.split(" ", 3);
        if (f.length != 3) {
          return "its manifest " + manifest + " is damaged";
        }
        Path file = dir.resolve(f[2]);
        if (!Files.isRegularFile(file)) {
          return file + " is missing";
        }
        if (Files.size(file) != Long.parseLong(f[1])) {
          return file + " is " + Files.size(file) + " bytes, but was written with " + f[1];
        }
        if (crc(file) != Long.parseLong(f[0], 16)) {
          return file + " is damaged (CRC-32 mismatch)";
        }
      }
      return null;
    } catch (IOException | NumberFormatException e) {
      return "it cannot be read (" + e.getMessage() + ")";
    }
  }

  Path trainerPath(long step) {
    return trainerDir.resolve(String.format("step-%012d", step));
  }

  /** Saves a policy snapshot taken after deciding step {@code step}. */
  public void savePolicy(PolicyState state, long step) {
    try {
      Files.createDirectories(controllerDir);
      AtomicFile.write(
          controllerDir.resolve(String.format("policy-%012d.state", step)),
          PolicyStateCodec.encode(state, step));
      prune(controllerDir, "policy-", ".state");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write policy snapshot in " + controllerDir, e);
    }
  }

  /** A policy snapshot and the step it was taken after. */
  public record Snapshot(long step, PolicyState state) {}

  /**
   * The newest readable policy snapshot taken after a step {@code <= maxStep}, or null. A damaged
   * file is passed over (an older one, or a re-feed from step 0, gives the same state).
   */
  public Snapshot newestPolicy(long maxStep) {
    for (long step : steps(controllerDir, "policy-", ".state")) {
      if (step > maxStep) {
        continue;
      }
      Path f = controllerDir.resolve(String.format("policy-%012d.state", step));
      try {
        PolicyStateCodec.Snapshot snap = PolicyStateCodec.decode(Files.readAllBytes(f));
        if (snap.step() == step) {
          return new Snapshot(step, snap.state());
        }
      } catch (IOException | IllegalArgumentException e) {
        // damaged: try an older one
      }
    }
    return null;
  }

  private static long newest(Path dir, String prefix, String suffix, long maxStep) {
    for (long s : steps(dir, prefix, suffix)) {
      if (s <= maxStep) {
        return s;
      }
    }
    return -1;
  }

  /** Steps of the files named prefix + 12 digits + suffix in dir, newest first. */
  private static List<Long> steps(Path dir, String prefix, String suffix) {
    List<Long> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix) && n.endsWith(suffix))
          .map(n -> n.substring(prefix.length(), n.length() - suffix.length()))
          .filter(n -> n.matches("\\d{12}"))
          .forEach(n -> out.add(Long.parseLong(n)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    out.sort((a, b) -> Long.compare(b, a));
    return out;
  }

  private static void prune(Path dir, String prefix, String suffix) throws IOException {
    List<Long> all = steps(dir, prefix, suffix);
    for (int i = KEEP; i < all.size(); i++) {
      deleteTree(dir.resolve(String.format("%s%012d%s", prefix, all.get(i), suffix)));
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(q);
      }
    }
  }
}
