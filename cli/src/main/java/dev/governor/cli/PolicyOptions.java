package dev.governor.cli;

import dev.governor.control.PolicySpec;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The policy flags shared by {@code simulate} and {@code train} (a picocli mixin): {@code
 * --policy}, its shortcuts {@code --lr}, {@code --clip}, {@code --wd} and the repeatable {@code -P
 * key=value}, turned into one {@link PolicySpec} in one place. The spec's own options come first,
 * then the user's configured {@code governor.policy.<name>.<option>} for options not in it, then
 * the shortcuts and {@code -P} options, which replace an option of the same key. A null shortcut
 * means "not given".
 */
final class PolicyOptions {
  @Option(
      names = "--policy",
      description =
          "Policy name or name(key=value, ...), e.g. pi, cosine(lr=0.5), cosine(gear=standard,"
              + " clip=zclip), polyak, lrfind(t-max=2000) (default pi). Every policy but pi takes"
              + " the safety gear: gear=standard|off, guard, safety-cut, clip=zclip|autoclip (see"
              + " governor config --path governor.policy.constant --docs).")
  String policy = "pi";

  @Option(names = "--lr", description = "Shortcut for the policy option lr (initial LR).")
  Double lr;

  @Option(names = "--clip", description = "Shortcut for the policy option clip.")
  Double clip;

  @Option(names = "--wd", description = "Shortcut for the policy option wd.")
  Double wd;

  @Option(
      names = {"-P", "--policy-option"},
      description = "A policy option key=value (repeatable), e.g. -P t-max=2000.")
  Map<String, String> options = new LinkedHashMap<>();

  /**
   * The policy the flags describe, with the configured options of {@code spec}'s command line.
   *
   * @throws IllegalArgumentException naming the text when {@code --policy} is not a policy spec
   */
  PolicySpec spec(CommandSpec spec) {
    PolicySpec p = Settings.of(spec).policy(PolicySpec.parse(policy));
    if (lr != null) {
      p = p.with("lr", lr);
    }
    if (clip != null) {
      p = p.with("clip", clip);
    }
    if (wd != null) {
      p = p.with("wd", wd);
    }
    for (Map.Entry<String, String> e : options.entrySet()) {
      p = p.with(e.getKey(), e.getValue());
    }
    return p;
  }
}
