package dev.governor.report;

import java.io.PrintStream;
import java.util.Objects;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long task, shown as an ASCII bar on a terminal stream or not at all ({@link
 * #none()}). Thread-safe: {@link #stepTo} may be called from a worker thread.
 */
public interface Progress extends AutoCloseable {

  /** Sets the units done so far. */
  void stepTo(long done);

  /** Sets the text shown after the bar (e.g. which run is going). */
  void message(String text);

  /** Finishes the bar (prints its last state); further calls do nothing. */
  @Override
  void close();

  /** A progress that shows nothing. */
  static Progress none() {
    return None.INSTANCE;
  }

  /** A builder of an ASCII bar named {@code task} on {@code out}. */
  static Builder bar(String task, PrintStream out) {
    return new Builder(task, out);
  }

  /** The options of a bar; {@link #start()} shows it. */
  final class Builder {
    private final String task;
    private final PrintStream out;
    private long max = -1;
    private String unit = "";
    private long unitSize = 1;
    private int updateMillis = 250;
    private boolean continuous;

    private Builder(String task, PrintStream out) {
      this.task = Objects.requireNonNull(task, "task must not be null");
      this.out = Objects.requireNonNull(out, "out must not be null");
    }

    /** The units at 100 %; negative: unknown (the bar shows a count only). Default -1. */
    public Builder max(long max) {
      this.max = max;
      return this;
    }

    /** The unit's name (e.g. {@code " steps"}) and how many done units make one shown unit. */
    public Builder unit(String unit, long unitSize) {
      if (!(unitSize > 0)) {
        throw new IllegalArgumentException("unitSize must be > 0, but was " + unitSize);
      }
      this.unit = Objects.requireNonNull(unit, "unit must not be null");
      this.unitSize = unitSize;
      return this;
    }

    /** How often the bar is redrawn, in milliseconds of the terminal's time. Default 250. */
    public Builder every(int millis) {
      if (!(millis > 0)) {
        throw new IllegalArgumentException("millis must be > 0, but was " + millis);
      }
      this.updateMillis = millis;
      return this;
    }

    /** Redraws on a timer even when no step is reported (rates and ETA keep moving). */
    public Builder continuous() {
      this.continuous = true;
      return this;
    }

    /** Shows the bar. */
    public Progress start() {
      ProgressBarBuilder b =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(max)
              .setStyle(ProgressBarStyle.ASCII)
              .setConsumer(new ConsoleProgressBarConsumer(out))
              .setUpdateIntervalMillis(updateMillis);
      if (!unit.isEmpty()) {
        b.setUnit(unit, unitSize);
      }
      if (continuous) {
        b.continuousUpdate();
      }
      ProgressBar bar = b.build();
      return new Progress() {
        @Override
        public void stepTo(long done) {
          bar.stepTo(done);
        }

        @Override
        public void message(String text) {
          bar.setExtraMessage(text);
        }

        @Override
        public void close() {
          bar.close();
        }
      };
    }
  }

  /** The progress that shows nothing. */
  enum None implements Progress {
    INSTANCE;

    @Override
    public void stepTo(long done) {}

    @Override
    public void message(String text) {}

    @Override
    public void close() {}
  }
}
