package dev.governor.cli;

import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.EarlyStopping;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the commands that train a DL4J model ({@code demo}, {@code train --dataset}) share: the
 * {@code --dataset}, {@code --optimizer} and {@code --early-stop} values, and {@code pi}'s spec for
 * models trained with Adam.
 */
final class Dl4jSetup {
  private Dl4jSetup() {}

  /**
   * The spec of {@code p} at initial LR {@code lr} and a budget of {@code total} steps, unless the
   * user set them: the LR for every policy that takes one ({@code lrfind} finds its own), {@code
   * pi}'s Adam form ({@link #forAdam}), a cosine or range-test horizon that ends with the budget,
   * and SGDR's three cycles that end with it.
   */
  static PolicySpec specFor(PolicySpec p, double lr, long total) {
    PolicySpec s = p.has("lr") || !Policies.options(p.name()).contains("lr") ? p : p.with("lr", lr);
    switch (s.name()) {
      case "pi" -> s = forAdam(s, total);
      case "cosine", "lrfind" -> {
        if (!s.has("t-max")) {
          s = s.with("t-max", total);
        }
      }
      case "sgdr" -> {
        // three cycles that end with the budget: T0 + 2 T0 + 4 T0 = total
        if (!s.has("t0")) {
          s = s.with("t0", Math.max(1, total / 7));
        }
        if (!s.has("t-mult")) {
          s = s.with("t-mult", 2);
        }
      }
      default -> {}
    }
    return s;
  }

  /**
   * The {@code pi} spec for the DL4J models, which train with Adam: {@code optimizer=adaptive} (the
   * update-ratio LR loop; see {@code PiPolicyConfig.adaptive}) over a cosine base that ends with
   * the budget, unless the user chose otherwise. Other policies are returned as they are.
   */
  static PolicySpec forAdam(PolicySpec s, long total) {
    if (!s.name().equals("pi")) {
      return s;
    }
    if (!s.has("optimizer")) {
      s = s.with("optimizer", "adaptive");
    }
    if (!s.has("t-max") && !s.has("base")) {
      s = s.with("t-max", total);
    }
    return s;
  }

  /**
   * The DL4J optimizer of {@code --optimizer} (null: adam).
   *
   * @throws UserException naming the flag and the parse error
   */
  static Dl4jOptimizer parseOptimizer(String text) {
    if (text == null) {
      return Dl4jOptimizer.adam();
    }
    try {
      return Dl4jOptimizer.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UserException("--optimizer: " + e.getMessage(), e);
    }
  }

  static String resolveDataset(String dataset, Path dataDir, PrintWriter stderr) {
    String d = dataset.toLowerCase(Locale.ROOT);
    if (d.equals("auto")) {
      if (Datasets.fashionMnistPresent(dataDir)) {
        return "fashion-mnist";
      }
      stderr.println(
          "demo: Fashion-MNIST not found in "
              + dataDir
              + "; using the synthetic task ("
              + Datasets.INSTALL_HINT.replace(", or use --dataset synthetic", "")
              + ")");
      return "synthetic";
    }
    return d;
  }

  /**
   * The {@code --early-stop} spec (null = none).
   *
   * @throws UserException in one line naming the key and the value
   */
  static EarlyStopping.Config parseEarlyStop(String spec) {
    if (spec == null) {
      return null;
    }
    try {
      return EarlyStopping.Config.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new UserException("--" + e.getMessage(), e);
    }
  }
}
