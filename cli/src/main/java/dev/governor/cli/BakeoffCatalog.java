package dev.governor.cli;

import dev.governor.trainers.CharLstm;
import dev.governor.trainers.Datasets;
import dev.governor.trainers.TextCorpus;
import java.io.PrintWriter;

/**
 * The bake-off's workloads by name: each one's step budget (--quick and full), batch, default LR,
 * target and the derivation of its target, and where its data come from (the installed data set, or
 * the seeded synthetic stand-in with a line on stderr saying so).
 */
final class BakeoffCatalog {
  private BakeoffCatalog() {}

  /** {@link BakeoffWorkload#load}. */
  static BakeoffWorkload load(
      String name, boolean quick, long steps, BakeoffWorkload.Sources src, PrintWriter stderr) {
    switch (name) {
      case "fmnist-mlp", "fmnist-cnn" -> {
        boolean cnn = name.equals("fmnist-cnn");
        BakeoffWorkload.Budget b =
            cnn
                ? (quick
                    ? new BakeoffWorkload.Budget(50, 10, 500, 1000)
                    : new BakeoffWorkload.Budget(1290, 86, 5000, 10000))
                : (quick
                    ? new BakeoffWorkload.Budget(200, 20, 5000, 10000)
                    : new BakeoffWorkload.Budget(2150, 86, 5000, 10000));
        b = override(b, steps);
        boolean real = useReal(src.mode(), Datasets.fashionMnistPresent(src.fashionDir()));
        Datasets.Split split;
        if (real) {
          split = Datasets.fashionMnist(src.fashionDir());
        } else {
          stderr.println(
              "bakeoff: "
                  + name
                  + ": Fashion-MNIST "
                  + (src.mode().equals("synthetic")
                      ? "not used (--data synthetic)"
                      : "not found in " + src.fashionDir())
                  + "; using the seeded synthetic task");
          split = Datasets.synthetic(7, 20000, 5000);
        }
        double target = quick ? (cnn ? 0.75 : 0.80) : (cnn ? 0.87 : 0.85);
        String derivation =
            quick
                ? (cnn
                    ? "accuracy 0.75 for --quick (50 steps of batch 64: 3 200 images, a"
                        + " seventeenth of an epoch): 9 points below the 0.84 of a linear classifier on"
                        + " Fashion-MNIST (Xiao et al. 2017, logistic regression)"
                    : "accuracy 0.80 for --quick (200 steps of 128: 25 600 images, under half an"
                        + " epoch): 4 points below the 0.84 of a linear classifier on"
                        + " Fashion-MNIST (Xiao et al. 2017, logistic regression)")
                : (cnn
                    ? "accuracy 0.87: 3 points above a linear classifier (0.84, Xiao et al. 2017),"
                        + " below the ~0.91 small CNNs reach in a few epochs"
                    : "accuracy 0.85: one point above a linear classifier (0.84, Xiao et al. 2017),"
                        + " below the ~0.88 of a 2-hidden-layer MLP after a few epochs");
        return new BakeoffWorkload(
            name,
            cnn ? "cnn" : "mlp",
            b,
            cnn && quick ? 64 : 128,
            1e-3,
            target,
            derivation + (real ? "" : " (synthetic stand-in data: the target is not calibrated)"),
            real ? "fashion-mnist" : "synthetic",
            split,
            null,
            0,
            0);
      }
      case "char-lstm" -> {
        // --quick: a smaller LSTM (64 units, windows of 32) for more steps than the full model
        // could
        // take in the same time, so that its runs get past the unigram model and rank contenders
        BakeoffWorkload.Budget b =
            quick
                ? new BakeoffWorkload.Budget(160, 40, 192, 512)
                : new BakeoffWorkload.Budget(3000, 150, 100_000, 100_000);
        b = override(b, steps);
        boolean real = useReal(src.mode(), TextCorpus.fortunesPresent(src.textDir()));
        TextCorpus c;
        if (real) {
          c = TextCorpus.fortunes(src.textDir(), 1);
        } else {
          stderr.println(
              "bakeoff: char-lstm: the fortunes corpus "
                  + (src.mode().equals("synthetic")
                      ? "not used (--data synthetic)"
                      : "not found in " + src.textDir())
                  + "; using the seeded Markov source");
          c = TextCorpus.markov(7, 200_000, 20_000, 20_000);
        }
        return new BakeoffWorkload(
            name,
            "char-lstm",
            b,
            32,
            2e-3,
            Double.NaN,
            null,
            real ? "fortunes" : "markov",
            null,
            c,
            quick ? BakeoffWorkload.QUICK_LSTM_LENGTH : CharLstm.DEFAULT_LENGTH,
            quick ? BakeoffWorkload.QUICK_LSTM_HIDDEN : CharLstm.DEFAULT_HIDDEN);
      }
      default ->
          throw new IllegalArgumentException(
              "workload must be one of " + BakeoffWorkload.NAMES + ", but was '" + name + "'");
    }
  }

  private static BakeoffWorkload.Budget override(BakeoffWorkload.Budget b, long steps) {
    if (steps <= 0) {
      return b;
    }
    int every = (int) Math.max(1, Math.min(b.evalEvery(), steps / 4));
    return new BakeoffWorkload.Budget(steps, every, b.valSize(), b.testSize());
  }

  private static boolean useReal(String mode, boolean present) {
    return switch (mode) {
      case "real" -> true;
      case "synthetic" -> false;
      default -> present;
    };
  }
}
