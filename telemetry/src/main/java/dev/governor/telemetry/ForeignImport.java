package dev.governor.telemetry;

import dev.governor.control.Observation;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Import of runs other tools logged: TensorBoard event files ({@code tfevents}), Lightning's {@code
 * CSVLogger} {@code metrics.csv} ({@code lightning-csv}) and Keras' {@code CSVLogger} file ({@code
 * keras-csv}).
 *
 * <p><b>Tags to columns.</b> Each Governor column ({@link #COLUMNS}) is read from one tag (a
 * TensorBoard tag, or a CSV column): the one named with {@code --tag column=TAG}, else the first of
 * the column's defaults ({@link #DEFAULTS}) the input has — the tags PyTorch's {@code
 * SummaryWriter} scripts, Lightning (its loggers and {@code LearningRateMonitor}), Keras (its
 * {@code TensorBoard} and {@code CSVLogger} callbacks) and Governor's own export write. {@code
 * --tag column=} (empty) maps nothing. In a log folder with several runs (sub-folders holding event
 * files, as Keras' {@code train} and {@code validation}), a tag is named {@code run/tag} (the tags
 * of files directly in the folder keep their names). {@code loss} must be found; every other column
 * is optional.
 *
 * <p><b>Steps to observations.</b> One observation per step with a loss value. {@code lr, clip, wd,
 * epoch} hold from the step they are logged at until the next value (loggers write them when they
 * change, or every N steps); {@code grad_norm, val_loss, param_norm, update_norm} are measurements
 * of their step: one logged at a step with no loss (a validation at the end of an epoch) goes to
 * the latest earlier observation that lacks it, else it is dropped and counted. {@code skip},
 * {@code rollback} and {@code reset} tags become SKIP / ROLLBACK / RESET events at their step (a
 * value other than 0 or NaN). An lr of 0 (a warm-up's first step) is imported as not measured (NaN)
 * and counted. A NaN or infinite loss is kept (a diverged step is data).
 *
 * <p><b>TensorBoard semantics.</b> A file or a folder: every file whose name contains {@code
 * tfevents}, grouped into runs by folder, read in name order as TensorBoard does. Scalars are
 * {@code simple_value}s and one-element numeric tensors whose tag's first metadata names the {@code
 * scalars} plugin. Restarts are handled as TensorBoard's event accumulator handles them: with a
 * {@code file_version} of {@code brain.Event:2} or later, a {@code SessionLog.START} at step S
 * discards the run's earlier values at steps {@code >= S}; with older versions, an event with a
 * summary at a step below the latest one discards its own tags' earlier values at steps {@code >=}
 * its step. A step that still repeats or goes back in a mapped tag (e.g. a PyTorch restart, which
 * writes no START) is a bad record. A file that ends inside a record (a torn tail) is read up to
 * its last complete record, with a warning.
 *
 * <p><b>Errors.</b> Every problem is one line naming the file and the byte offset (event files) or
 * line (CSV) and what was expected. Bad records are fatal, or skipped and reported with {@code
 * skipBadRecords}; a length whose CRC fails ends the read of the whole import. The input is read
 * and checked completely before the run folder is created, and streamed (memory does not grow with
 * its length): event files are read three times (restart points and tags; checking; writing).
 */
public final class ForeignImport {
  private ForeignImport() {}

  /** The foreign formats. */
  public static final List<String> FORMATS = List.of("tfevents", "lightning-csv", "keras-csv");

  /** Columns a tag can be mapped to. */
  public static final List<String> COLUMNS =
      List.of(
          "loss",
          "grad_norm",
          "lr",
          "clip",
          "wd",
          "epoch",
          "val_loss",
          "param_norm",
          "update_norm",
          "skip",
          "rollback",
          "reset");

  private static final int LOSS = 0;
  private static final int GRAD = 1;
  private static final int LR = 2;
  private static final int CLIP = 3;
  private static final int WD = 4;
  private static final int EPOCH = 5;
  private static final int VAL = 6;
  private static final int PARAM = 7;
  private static final int UPDATE = 8;
  private static final int SKIP = 9;
  private static final int ROLLBACK = 10;
  private static final int RESET = 11;
  private static final int NCOL = 12;

  /**
   * The default tags of each column, in order of preference. An entry starting with {@code ~} is a
   * regular expression (the first matching tag, in name order).
   */
  public static final Map<String, List<String>> DEFAULTS = defaults();

  private static Map<String, List<String>> defaults() {
    Map<String, List<String>> d = new LinkedHashMap<>();
    d.put(
        "loss",
        List.of(
            "loss",
            "train/loss",
            "train_loss",
            "train_loss_step",
            "Loss/train",
            "loss/train",
            "training_loss",
            "train/epoch_loss",
            "epoch_loss"));
    d.put(
        "grad_norm",
        List.of(
            "grad_norm",
            "train/grad_norm",
            "grad_2.0_norm_total",
            "grad_norm/total",
            "gradient_norm",
            "train/gradient_norm"));
    d.put(
        "lr",
        List.of(
            "lr",
            "learning_rate",
            "train/lr",
            "train/learning_rate",
            "train/epoch_learning_rate",
            "epoch_learning_rate",
            "~lr-[A-Za-z0-9_.]+"));
    d.put("clip", List.of("clip", "train/clip"));
    d.put(
        "wd",
        List.of("wd", "weight_decay", "train/weight_decay", "~lr-[A-Za-z0-9_.]+-weight_decay"));
    d.put("epoch", List.of("epoch", "train/epoch"));
    d.put(
        "val_loss",
        List.of(
            "val_loss",
            "val/loss",
            "validation/loss",
            "Loss/val",
            "Loss/validation",
            "loss/val",
            "valid_loss",
            "val_loss_epoch",
            "validation/epoch_loss"));
    d.put("param_norm", List.of("param_norm", "train/param_norm", "weight_norm"));
    d.put("update_norm", List.of("update_norm", "train/update_norm"));
    d.put("skip", List.of("guard/skip"));
    d.put("rollback", List.of("guard/rollback"));
    d.put("reset", List.of("guard/reset"));
    return Collections.unmodifiableMap(d);
  }

  /**
   * Parses {@code column=TAG} mappings ({@code --tag}). An empty TAG maps nothing to the column.
   *
   * @throws IllegalArgumentException naming the mapping when its column is unknown, it has no
   *     {@code =}, or a column is named twice
   */
  public static Map<String, String> parseTags(List<String> specs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String s : specs) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "--tag must be COLUMN=TAG (e.g. loss=train/loss), but was '" + s + "'");
      }
      String col = s.substring(0, eq).trim();
      if (!COLUMNS.contains(col)) {
        throw new IllegalArgumentException(
            "--tag column must be one of " + COLUMNS + ", but was '" + col + "' in '" + s + "'");
      }
      if (m.put(col, s.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("--tag names column '" + col + "' twice");
      }
    }
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // Row assembly, shared by every format.

  /** Where the assembled rows go. */
  interface Sink {
    void observation(Observation o);

    void event(EventKind kind, long step);
  }

  /** Bad records: fatal or collected. */
  static final class Bad {
    final boolean skip;
    final boolean report;
    final List<String> list;

    Bad(boolean skip, boolean report, List<String> list) {
      this.skip = skip;
      this.report = report;
      this.list = list;
    }

    void add(Path file, String what) {
      if (!report) {
        return;
      }
      if (!skip) {
        throw new TelemetryException(
            file + " " + what + " (use --on-error skip to skip bad records)");
      }
      list.add(file + " " + what);
    }
  }

  /** Builds observations from values arriving in non-decreasing step order (see the class doc). */
  static final class Assembler {
    private final Sink sink;
    private final Bad bad;
    private final String[] tagOf;
    private double lr = Double.NaN;
    private double clip = Double.NaN;
    private double wd = Double.NaN;
    private int epoch;
    // the pending observation (not written until the next step with a loss)
    private boolean pending;
    private long pStep;
    private final double[] p = new double[NCOL];
    private final List<long[]> pEvents = new ArrayList<>();
    // the current step's values
    private boolean inGroup;
    private long gStep;
    private final double[] g = new double[NCOL];
    private final boolean[] gHas = new boolean[NCOL];
    final long[] dropped = new long[NCOL];
    long lrZero;
    long nonFiniteLoss;
    long rows;
    long events;

    Assembler(Sink sink, Bad bad, String[] tagOf) {
      this.sink = sink;
      this.bad = bad;
      this.tagOf = tagOf;
    }

    /**
     * One value; {@code step} must not be below the previous value's. {@code unit} and {@code at}
     * locate it for a message ({@code "offset", 1234} or {@code "line", 7}).
     */
    void accept(long step, int col, double v, Path file, String unit, long at) {
      if (inGroup && step != gStep) {
        closeGroup();
      }
      if (!inGroup) {
        inGroup = true;
        gStep = step;
        Arrays.fill(gHas, false);
      }
      String problem = check(col, v);
      if (problem != null) {
        bad.add(
            file,
            unit + " " + at + ": tag '" + tagOf[col] + "' (" + COLUMNS.get(col) + ") " + problem);
        return;
      }
      if (gHas[col]) {
        if (Double.doubleToLongBits(g[col]) != Double.doubleToLongBits(v)) {
          bad.add(
              file,
              unit
                  + " "
                  + at
                  + ": tag '"
                  + tagOf[col]
                  + "' has a second value "
                  + v
                  + " at step "
                  + step
                  + " (the first was "
                  + g[col]
                  + "); one value per step expected");
        }
        return;
      }
      gHas[col] = true;
      g[col] = v;
    }

    private static String check(int col, double v) {
      switch (col) {
        case GRAD, PARAM, UPDATE -> {
          if (v < 0) {
            return "is a norm and must be >= 0, but was " + v;
          }
        }
        case LR -> {
          if (v < 0 || v == Double.POSITIVE_INFINITY) {
            return "must be finite and >= 0, but was " + v;
          }
        }
        case CLIP -> {
          if (!(v > 0) && !Double.isNaN(v)) {
            return "must be > 0 (or inf for none), but was " + v;
          }
        }
        case WD -> {
          if (v < 0 || v == Double.POSITIVE_INFINITY) {
            return "must be finite and >= 0, but was " + v;
          }
        }
        case EPOCH -> {
          if (!(v >= 0 && v <= Integer.MAX_VALUE && v == Math.rint(v))) {
            return "must be an integer in [0, " + Integer.MAX_VALUE + "], but was " + v;
          }
        }
        default -> {
          // loss, val_loss: any value is data; skip / rollback: a value other than 0 or NaN marks
          // one
        }
      }
      return null;
    }

    private void closeGroup() {
      inGroup = false;
      if (gHas[LR]) {
        if (g[LR] == 0) {
          lrZero++;
          lr = Double.NaN;
        } else {
          lr = g[LR];
        }
      }
      if (gHas[CLIP]) {
        clip = g[CLIP];
      }
      if (gHas[WD]) {
        wd = g[WD];
      }
      if (gHas[EPOCH]) {
        epoch = (int) g[EPOCH];
      }
      if (gHas[LOSS]) {
        flush();
        pending = true;
        pStep = gStep;
        p[LOSS] = g[LOSS];
        if (!Double.isFinite(g[LOSS])) {
          nonFiniteLoss++;
        }
        p[LR] = lr;
        p[CLIP] = clip;
        p[WD] = wd;
        p[EPOCH] = epoch;
        for (int c : new int[] {GRAD, VAL, PARAM, UPDATE}) {
          p[c] = gHas[c] ? g[c] : Double.NaN;
        }
      } else {
        for (int c : new int[] {GRAD, VAL, PARAM, UPDATE}) {
          if (gHas[c]) {
            if (pending && Double.isNaN(p[c])) {
              p[c] = g[c];
            } else {
              dropped[c]++;
            }
          }
        }
      }
      for (int c : new int[] {SKIP, ROLLBACK, RESET}) {
        if (gHas[c] && g[c] != 0 && !Double.isNaN(g[c])) {
          long[] e = {c, gStep};
          if (pending) {
            pEvents.add(e);
          } else {
            sink.event(guardKind(c), gStep);
            events++;
          }
        }
      }
    }

    private void flush() {
      if (!pending) {
        return;
      }
      sink.observation(
          Observation.builder(pStep)
              .epoch((int) p[EPOCH])
              .loss(p[LOSS])
              .gradNorm(p[GRAD])
              .lr(p[LR])
              .clip(p[CLIP])
              .weightDecay(p[WD])
              .valLoss(p[VAL])
              .paramNorm(p[PARAM])
              .updateNorm(p[UPDATE])
              .build());
      rows++;
      for (long[] e : pEvents) {
        sink.event(guardKind((int) e[0]), e[1]);
        events++;
      }
      pEvents.clear();
      pending = false;
    }

    private static EventKind guardKind(int col) {
      return col == SKIP ? EventKind.SKIP : col == ROLLBACK ? EventKind.ROLLBACK : EventKind.RESET;
    }

    /** Closes the last step and writes the pending observation. */
    void finish() {
      if (inGroup) {
        closeGroup();
      }
      flush();
    }
  }

  /** Resolves the column of each tag from the explicit mapping and the defaults. */
  static final class Mapping {
    final String[] tagOf = new String[NCOL];
    final Map<String, Integer> colOf = new HashMap<>();
    final List<String> notes = new ArrayList<>();

    Mapping(Set<String> available, Map<String, String> explicit, String source) {
      // the explicit mappings first, so a default never takes a tag named with --tag
      for (int round = 0; round < 2; round++) {
        for (int c = 0; c < NCOL; c++) {
          if (explicit.containsKey(COLUMNS.get(c)) == (round == 0)) {
            resolve(c, available, explicit, source);
          }
        }
      }
      if (tagOf[LOSS] == null) {
        throw new TelemetryException(
            source
                + " has no tag for loss (tried "
                + DEFAULTS.get("loss")
                + "); its scalar tags: "
                + list(available)
                + "; name one with --tag loss=TAG");
      }
    }

    private void resolve(
        int c, Set<String> available, Map<String, String> explicit, String source) {
      String col = COLUMNS.get(c);
      String tag;
      if (explicit.containsKey(col)) {
        tag = explicit.get(col);
        if (tag.isEmpty()) {
          return;
        }
        if (!available.contains(tag)) {
          throw new TelemetryException(
              source
                  + " has no scalar tag '"
                  + tag
                  + "' (--tag "
                  + col
                  + "="
                  + tag
                  + "); its scalar tags: "
                  + list(available));
        }
      } else {
        List<String> present = new ArrayList<>();
        for (String d : DEFAULTS.get(col)) {
          if (d.startsWith("~")) {
            Pattern re = Pattern.compile(d.substring(1));
            for (String a : available) {
              if (re.matcher(a).matches() && !present.contains(a) && !colOf.containsKey(a)) {
                present.add(a);
              }
            }
          } else if (available.contains(d) && !colOf.containsKey(d)) {
            present.add(d);
          }
        }
        if (present.isEmpty()) {
          return;
        }
        tag = present.get(0);
        if (present.size() > 1) {
          notes.add(
              col
                  + ": tag '"
                  + tag
                  + "' chosen; also present: "
                  + String.join(", ", present.subList(1, present.size()))
                  + " (choose with --tag "
                  + col
                  + "=TAG)");
        }
      }
      Integer other = colOf.put(tag, c);
      if (other != null) {
        throw new TelemetryException(
            source
                + ": tag '"
                + tag
                + "' is mapped to both "
                + COLUMNS.get(other)
                + " and "
                + col
                + "; map one of them elsewhere with --tag");
      }
      tagOf[c] = tag;
    }

    /** {@code import.tag.<column>} entries and the ignored tags, for run.json. */
    void describe(TreeMap<String, String> config, Set<String> available) {
      List<String> ignored = new ArrayList<>();
      for (String a : available) {
        if (!colOf.containsKey(a)) {
          ignored.add(a);
        }
      }
      for (int c = 0; c < NCOL; c++) {
        if (tagOf[c] != null) {
          config.put("import.tag." + COLUMNS.get(c), tagOf[c]);
        }
      }
      config.put("import.tags.ignored", list(ignored));
    }

    static String list(java.util.Collection<String> tags) {
      if (tags.isEmpty()) {
        return "(none)";
      }
      List<String> l = new ArrayList<>(tags);
      int shown = Math.min(40, l.size());
      String s = String.join(", ", l.subList(0, shown));
      return shown < l.size() ? s + ", ... (" + (l.size() - shown) + " more)" : s;
    }
  }

  // ------------------------------------------------------------------------------------------
  // TensorBoard event files.

  /** One TensorBoard run: a folder's event files, in the order TensorBoard reads them. */
  private static final class Run {
    final String name;
    final String prefix;
    final List<Path> files;
    // restart points: an event index, the step it purges from, and its tags (null = every tag)
    final List<Long> purgeIndex = new ArrayList<>();
    final List<Long> purgeStep = new ArrayList<>();
    final List<Set<String>> purgeTags = new ArrayList<>();
    long[] allMin; // allMin[k] = min step of the untagged purges k.. (Long.MAX_VALUE if none)

    Run(String name, String prefix, List<Path> files) {
      this.name = name;
      this.prefix = prefix;
      this.files = files;
    }

    void prepare() {
      int n = purgeIndex.size();
      allMin = new long[n + 1];
      allMin[n] = Long.MAX_VALUE;
      for (int k = n - 1; k >= 0; k--) {
        long s = purgeTags.get(k) == null ? purgeStep.get(k) : Long.MAX_VALUE;
        allMin[k] = Math.min(s, allMin[k + 1]);
      }
    }
  }

  /** What the first pass learns about one tag. */
  private static final class TagInfo {
    String plugin;
    long scalars;
    long others;
  }

  /**
   * Imports TensorBoard event files ({@code in}: an event file or a log folder) into a new run
   * folder.
   *
   * @param tags explicit {@code column -> tag} mappings ({@link #parseTags})
   * @throws TelemetryException naming the file, offset and what was expected when the input cannot
   *     be imported; nothing is written then
   */
  public static Interchange.ImportReport importTfEvents(
      Path in, Path runDir, Map<String, String> tags, boolean skipBadRecords) {
    return importTfEvents(in, runDir, tags, skipBadRecords, false);
  }

  /**
   * As {@link #importTfEvents(Path, Path, Map, boolean)}; with {@code stepBackIsRestart}, an event
   * with a summary at a step below the run's latest one is also a restart from that step (its run's
   * earlier values at steps {@code >=} it are discarded, every tag): what a PyTorch {@code
   * SummaryWriter} run resumed from a checkpoint looks like, since it writes no {@code
   * SessionLog.START}.
   */
  public static Interchange.ImportReport importTfEvents(
      Path in,
      Path runDir,
      Map<String, String> tags,
      boolean skipBadRecords,
      boolean stepBackIsRestart) {
    List<Run> runs = discover(in);
    List<String> badList = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Map<String, TagInfo> info = new HashMap<>();
    double[] firstWall = {Double.NaN};
    long[] purged = {0};
    // pass 1: restart points, tags, framing and encodings
    Bad bad1 = new Bad(skipBadRecords, true, badList);
    for (Run r : runs) {
      scan(r, info, bad1, warnings, firstWall, stepBackIsRestart);
      r.prepare();
    }
    Set<String> scalarTags = new TreeSet<>();
    for (Map.Entry<String, TagInfo> e : info.entrySet()) {
      if (e.getValue().scalars > 0) {
        scalarTags.add(e.getKey());
      }
    }
    Mapping m = new Mapping(scalarTags, tags, in.toString());
    warnings.addAll(m.notes);
    // pass 2: assemble without writing, so a bad record fails before anything exists
    Bad bad2 = new Bad(skipBadRecords, true, badList);
    Assembler dry = new Assembler(countingSink(), bad2, m.tagOf);
    merge(runs, m, dry, bad2, purged);
    dry.finish();
    if (dry.rows == 0) {
      throw new TelemetryException(
          in
              + " has no steps with a value of tag '"
              + m.tagOf[LOSS]
              + "' (loss)"
              + (badList.isEmpty() ? "" : " (" + badList.get(0) + ")"));
    }
    describeAssembly(dry, m, warnings);
    if (purged[0] > 0) {
      warnings.add(
          purged[0] + " values discarded by restarts (SessionLog.START or out-of-order steps)");
    }
    TreeMap<String, String> config = new TreeMap<>();
    config.put("import.source", in.toAbsolutePath().toString());
    config.put("import.format", "tfevents");
    List<String> names = new ArrayList<>();
    for (Run r : runs) {
      names.add(r.name);
    }
    config.put("import.runs", String.join(", ", names));
    config.put("import.purged", Long.toString(purged[0]));
    config.put("import.restarts", stepBackIsRestart ? "step-back" : "tensorboard");
    m.describe(config, scalarTags);
    String start =
        Double.isFinite(firstWall[0]) && firstWall[0] > 0
            ? wallTimeInstant(firstWall[0]).toString()
            : Instant.now().toString();
    RunFolder run = Interchange.newImportRun(runDir, config, start);
    Bad quiet = new Bad(true, false, badList);
    try (TelemetryLog log = run.openTelemetry();
        TelemetryLog.Appender a = log.appender()) {
      Assembler w = new Assembler(appendingSink(a), quiet, m.tagOf);
      merge(runs, m, w, quiet, new long[1]);
      w.finish();
    }
    return new Interchange.ImportReport(
        run, dry.rows, badList.size(), warnings, badList, mappingOf(m));
  }

  private static Map<String, String> mappingOf(Mapping m) {
    Map<String, String> r = new LinkedHashMap<>();
    for (int c = 0; c < NCOL; c++) {
      if (m.tagOf[c] != null) {
        r.put(COLUMNS.get(c), m.tagOf[c]);
      }
    }
    return r;
  }

  private static void describeAssembly(Assembler a, Mapping m, List<String> warnings) {
    for (int c = 0; c < NCOL; c++) {
      if (a.dropped[c] > 0) {
        warnings.add(
            a.dropped[c]
                + " values of tag '"
                + m.tagOf[c]
                + "' ("
                + COLUMNS.get(c)
                + ") at steps with no loss dropped (no earlier observation lacked one)");
      }
    }
    if (a.lrZero > 0) {
      warnings.add(a.lrZero + " lr values of 0 (a warm-up start) imported as not measured");
    }
    if (a.nonFiniteLoss > 0) {
      warnings.add(a.nonFiniteLoss + " steps with a NaN or infinite loss kept as data");
    }
    if (m.tagOf[GRAD] == null) {
      warnings.add(
          "no tag for grad_norm (tried "
              + DEFAULTS.get("grad_norm")
              + "): imported as not measured; policies that read it will hold");
    }
  }

  /** The instant of a TensorBoard wall time, to the microsecond. */
  static Instant wallTimeInstant(double wallTime) {
    long micros = Math.round(wallTime * 1e6);
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  private static List<Run> discover(Path in) {
    if (!Files.exists(in)) {
      throw new TelemetryException("input not found: " + in);
    }
    if (!Files.isDirectory(in)) {
      return List.of(new Run(".", "", List.of(in)));
    }
    TreeMap<String, List<Path>> byRun = new TreeMap<>();
    try (Stream<Path> s = Files.walk(in)) {
      s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().contains("tfevents"))
          .sorted()
          .forEach(
              f -> {
                Path rel = in.relativize(f.getParent());
                String name = rel.toString().isEmpty() ? "." : rel.toString().replace('\\', '/');
                byRun.computeIfAbsent(name, k -> new ArrayList<>()).add(f);
              });
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new TelemetryException("cannot read " + in + ": " + e.getMessage(), e);
    }
    if (byRun.isEmpty()) {
      throw new TelemetryException(
          in + " holds no TensorBoard event files (files whose name contains 'tfevents')");
    }
    List<Run> runs = new ArrayList<>();
    boolean several = byRun.size() > 1;
    for (Map.Entry<String, List<Path>> e : byRun.entrySet()) {
      String name = e.getKey();
      String prefix = several && !name.equals(".") ? name + "/" : "";
      runs.add(new Run(name, prefix, e.getValue()));
    }
    return runs;
  }

  /** Pass 1 over a run: restart points, tags and their plugins; damaged records reported. */
  private static void scan(
      Run r,
      Map<String, TagInfo> info,
      Bad bad,
      List<String> warnings,
      double[] firstWall,
      boolean stepBack) {
    long index = 0;
    int version = 0;
    long mostRecent = Long.MIN_VALUE;
    Map<String, String> plugin = new HashMap<>();
    for (Path f : r.files) {
      try (TfEventReader rd = new TfEventReader(f)) {
        while (true) {
          try {
            if (!rd.next()) {
              break;
            }
            // the tags of the event matter only to brain.Event:1's per-tag purge
            List<String> eventTags = version < 2 ? new ArrayList<>(2) : null;
            rd.decode(
                (tag, kind, scalar, plug) -> {
                  String q = r.prefix.isEmpty() ? tag : r.prefix + tag;
                  TagInfo t = info.computeIfAbsent(q, k -> new TagInfo());
                  if (plug != null && !plugin.containsKey(tag)) {
                    plugin.put(tag, plug);
                    t.plugin = plug;
                  }
                  if (isScalar(kind, plugin.get(tag))) {
                    t.scalars++;
                  } else {
                    t.others++;
                  }
                  if (eventTags != null) {
                    eventTags.add(tag);
                  }
                });
            if (rd.fileVersion != null) {
              version = fileVersion(rd.fileVersion, f, rd.recordOffset());
            }
            if (Double.isNaN(firstWall[0]) && rd.wallTime > 0) {
              firstWall[0] = rd.wallTime;
            }
            if (stepBack && rd.hasSummary && rd.step < mostRecent) {
              r.purgeIndex.add(index);
              r.purgeStep.add(rd.step);
              r.purgeTags.add(null);
              mostRecent = rd.step;
            } else if (stepBack && rd.hasSummary) {
              mostRecent = rd.step;
            } else if (version >= 2) {
              if (rd.sessionStatus == TfEventReader.SESSION_START) {
                r.purgeIndex.add(index);
                r.purgeStep.add(rd.step);
                r.purgeTags.add(null);
              }
            } else if (rd.hasSummary && rd.step < mostRecent && eventTags != null) {
              r.purgeIndex.add(index);
              r.purgeStep.add(rd.step);
              r.purgeTags.add(new java.util.HashSet<>(eventTags));
            } else {
              mostRecent = rd.step;
            }
          } catch (TfEventReader.BadRecord e) {
            bad.add(f, e.getMessage());
          }
          index++;
        }
        if (rd.tornTail() != null) {
          warnings.add(f + " " + rd.tornTail() + ": read up to the last complete record");
        }
      }
    }
  }

  private static boolean isScalar(TfEventReader.ValueKind kind, String plugin) {
    return kind == TfEventReader.ValueKind.SIMPLE
        || (kind == TfEventReader.ValueKind.TENSOR_SCALAR && "scalars".equals(plugin));
  }

  private static int fileVersion(String v, Path f, long offset) {
    if (v.startsWith("brain.Event:")) {
      try {
        return (int) Double.parseDouble(v.substring("brain.Event:".length()));
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    throw new TelemetryException(
        f + " offset " + offset + ": file_version 'brain.Event:N' expected, but was '" + v + "'");
  }

  /** One run's mapped values, event by event, purged values left out. */
  private static final class RunStream {
    final Run run;
    final Mapping m;
    final Bad bad;
    final long[] purged;
    final Map<String, String> plugin = new HashMap<>();
    int fileIdx = -1;
    TfEventReader rd;
    long index = -1;
    int purgePtr;
    long lastStep = Long.MIN_VALUE;
    // the current event's kept values
    long step;
    Path file;
    long offset;
    int size;
    int[] colBuf = new int[16];
    double[] valBuf = new double[16];
    String[] tagBuf = new String[16];

    RunStream(Run run, Mapping m, Bad bad, long[] purged) {
      this.run = run;
      this.m = m;
      this.bad = bad;
      this.purged = purged;
    }

    /** Moves to the next event with a kept mapped value; false at the end. */
    boolean advance() {
      while (true) {
        if (rd == null) {
          if (++fileIdx >= run.files.size()) {
            return false;
          }
          rd = new TfEventReader(run.files.get(fileIdx));
        }
        boolean more;
        try {
          more = rd.next();
        } catch (TfEventReader.BadRecord e) {
          index++;
          continue; // reported by the first pass
        }
        if (!more) {
          rd.close();
          rd = null;
          continue;
        }
        index++;
        while (purgePtr < run.purgeIndex.size() && run.purgeIndex.get(purgePtr) <= index) {
          purgePtr++;
        }
        size = 0;
        final String[] problem = {null};
        try {
          rd.decode(
              (tag, kind, scalar, plug) -> {
                if (plug != null && !plugin.containsKey(tag)) {
                  plugin.put(tag, plug);
                }
                Integer c = m.colOf.get(run.prefix.isEmpty() ? tag : run.prefix + tag);
                if (c == null) {
                  return; // a tag no column reads: whatever it holds is not our business
                }
                String pl = plugin.get(tag);
                if ("scalars".equals(pl) && kind == TfEventReader.ValueKind.TENSOR_OTHER) {
                  problem[0] =
                      "tag '"
                          + tag
                          + "' belongs to the scalars plugin, but holds a tensor that is not one"
                          + " numeric element";
                } else if (isScalar(kind, pl)) {
                  add(c, scalar, tag);
                }
              });
        } catch (TfEventReader.BadRecord e) {
          continue; // reported by the first pass
        }
        file = rd.file();
        offset = rd.recordOffset();
        if (problem[0] != null) {
          bad.add(file, "offset " + offset + ": " + problem[0]);
          size = 0;
          continue;
        }
        int kept = 0;
        for (int i = 0; i < size; i++) {
          if (rd.step < purgeFloor(tagBuf[i])) {
            colBuf[kept] = colBuf[i];
            valBuf[kept] = valBuf[i];
            kept++;
          } else {
            purged[0]++;
          }
        }
        size = kept;
        if (size == 0) {
          continue;
        }
        step = rd.step;
        if (step < lastStep) {
          bad.add(
              file,
              "offset "
                  + offset
                  + ": step "
                  + step
                  + " of tag '"
                  + m.tagOf[colBuf[0]]
                  + "' comes after step "
                  + lastStep
                  + " with no SessionLog.START in between (a restarted writer? TensorBoard"
                  + " shows both; the mapped tags must share one increasing step axis)");
          continue;
        }
        lastStep = step;
        return true;
      }
    }

    private void add(int c, double v, String tag) {
      if (size == colBuf.length) {
        colBuf = Arrays.copyOf(colBuf, size * 2);
        valBuf = Arrays.copyOf(valBuf, size * 2);
        tagBuf = Arrays.copyOf(tagBuf, size * 2);
      }
      colBuf[size] = c;
      valBuf[size] = v;
      tagBuf[size] = tag;
      size++;
    }

    /** The lowest step a value of {@code tag} at the current event index is purged from. */
    private long purgeFloor(String tag) {
      long floor = run.allMin[purgePtr];
      for (int k = purgePtr; k < run.purgeIndex.size(); k++) {
        Set<String> t = run.purgeTags.get(k);
        if (t != null && t.contains(tag)) {
          floor = Math.min(floor, run.purgeStep.get(k));
        }
      }
      return floor;
    }

    void close() {
      if (rd != null) {
        rd.close();
      }
    }
  }

  /** Merges the runs' streams by step into the assembler. */
  private static void merge(List<Run> runs, Mapping m, Assembler a, Bad bad, long[] purged) {
    List<RunStream> live = new ArrayList<>();
    try {
      for (Run r : runs) {
        RunStream s = new RunStream(r, m, bad, purged);
        live.add(s);
      }
      List<RunStream> heads = new ArrayList<>();
      for (RunStream s : live) {
        if (s.advance()) {
          heads.add(s);
        }
      }
      while (!heads.isEmpty()) {
        RunStream best = heads.get(0);
        for (RunStream s : heads) {
          if (s.step < best.step) {
            best = s;
          }
        }
        for (int i = 0; i < best.size; i++) {
          a.accept(best.step, best.colBuf[i], best.valBuf[i], best.file, "offset", best.offset);
        }
        if (!best.advance()) {
          heads.remove(best);
        }
      }
    } finally {
      for (RunStream s : live) {
        s.close();
      }
    }
  }

  private static Sink countingSink() {
    return new Sink() {
      @Override
      public void observation(Observation o) {}

      @Override
      public void event(EventKind kind, long step) {}
    };
  }

  private static Sink appendingSink(TelemetryLog.Appender a) {
    return new Sink() {
      @Override
      public void observation(Observation o) {
        a.append(o);
      }

      @Override
      public void event(EventKind kind, long step) {
        a.appendEvent(kind, step, Double.NaN);
      }
    };
  }

  // ------------------------------------------------------------------------------------------
  // CSV loggers.

  /**
   * Which foreign CSV logger wrote a header, or null: Lightning's {@code CSVLogger} writes a {@code
   * step} column (and {@code epoch}); Keras' {@code CSVLogger} starts with {@code epoch} and has no
   * {@code step}.
   */
  public static String csvKind(List<String> header) {
    if (header.contains("step") && header.contains("epoch")) {
      return "lightning-csv";
    }
    if (!header.isEmpty() && header.get(0).equals("epoch") && !header.contains("step")) {
      return "keras-csv";
    }
    return null;
  }

  /**
   * Imports a Lightning or Keras {@code CSVLogger} file into a new run folder. Lightning: the step
   * is the {@code step} column, rows are sparse (empty = not logged at that row), several rows may
   * share a step; Keras: one row per epoch, the step is the {@code epoch} column.
   *
   * @param format {@code lightning-csv} or {@code keras-csv}
   * @throws TelemetryException naming the file and line when it cannot be imported; nothing is
   *     written then
   */
  public static Interchange.ImportReport importLoggerCsv(
      Path in, String format, Path runDir, Map<String, String> tags, boolean skipBadRecords) {
    if (!format.equals("lightning-csv") && !format.equals("keras-csv")) {
      throw new IllegalArgumentException(
          "format must be lightning-csv or keras-csv, but was '" + format + "'");
    }
    List<String> header = csvHeader(in);
    if (header.isEmpty()) {
      throw new TelemetryException(in + " is empty (a header line is required)");
    }
    String stepCol = format.equals("lightning-csv") ? "step" : "epoch";
    if (!header.contains(stepCol)) {
      throw new TelemetryException(
          in
              + " line 1: a "
              + format
              + " file has a '"
              + stepCol
              + "' column, but the columns are "
              + header);
    }
    Set<String> seen = new java.util.HashSet<>();
    for (String h : header) {
      if (!seen.add(h)) {
        throw new TelemetryException(in + " line 1: column '" + h + "' appears twice");
      }
    }
    Set<String> available = new TreeSet<>(header);
    available.remove(stepCol);
    if (format.equals("keras-csv")) {
      available.add("epoch"); // the step and the epoch
    }
    Mapping m = new Mapping(available, tags, in.toString());
    List<String> badList = new ArrayList<>();
    List<String> warnings = new ArrayList<>(m.notes);
    Assembler dry = new Assembler(countingSink(), new Bad(skipBadRecords, true, badList), m.tagOf);
    readCsv(in, header, stepCol, m, dry, new Bad(skipBadRecords, true, badList));
    dry.finish();
    if (dry.rows == 0) {
      throw new TelemetryException(
          in
              + " has no rows with a value in column '"
              + m.tagOf[LOSS]
              + "' (loss)"
              + (badList.isEmpty() ? "" : " (" + badList.get(0) + ")"));
    }
    describeAssembly(dry, m, warnings);
    TreeMap<String, String> config = new TreeMap<>();
    config.put("import.source", in.toAbsolutePath().toString());
    config.put("import.format", format);
    m.describe(config, available);
    RunFolder run = Interchange.newImportRun(runDir, config, Instant.now().toString());
    Bad quiet = new Bad(true, false, badList);
    try (TelemetryLog log = run.openTelemetry();
        TelemetryLog.Appender a = log.appender()) {
      Assembler w = new Assembler(appendingSink(a), quiet, m.tagOf);
      readCsv(in, header, stepCol, m, w, quiet);
      w.finish();
    }
    return new Interchange.ImportReport(
        run, dry.rows, badList.size(), warnings, badList, mappingOf(m));
  }

  /** The header of a CSV file (a UTF-8 byte-order mark is dropped); empty for an empty file. */
  static List<String> csvHeader(Path in) {
    try (BufferedReader r = reader(in)) {
      String line;
      while ((line = r.readLine()) != null) {
        line = Interchange.stripBom(line);
        if (!line.isBlank()) {
          List<String> h = new ArrayList<>();
          for (String f : splitCsv(line)) {
            h.add(f.trim());
          }
          return h;
        }
      }
    } catch (CharacterCodingException e) {
      throw new TelemetryException(in + " is not UTF-8 text (expected a CSV file)", e);
    } catch (NoSuchFileException e) {
      throw new TelemetryException("input file not found: " + in);
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + in + ": " + e.getMessage(), e);
    }
    return List.of();
  }

  private static BufferedReader reader(Path in) throws IOException {
    return new BufferedReader(
        new java.io.InputStreamReader(
            Files.newInputStream(in),
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)),
        1 << 16);
  }

  private static void readCsv(
      Path in, List<String> header, String stepCol, Mapping m, Assembler a, Bad bad) {
    int stepAt = header.indexOf(stepCol);
    int[] colAt = new int[header.size()];
    for (int i = 0; i < header.size(); i++) {
      Integer c = m.colOf.get(header.get(i));
      colAt[i] = c == null ? -1 : c;
    }
    boolean keras = stepCol.equals("epoch");
    try (BufferedReader r = reader(in)) {
      String line;
      int lineNo = 0;
      boolean first = true;
      long lastStep = Long.MIN_VALUE;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (first) {
          line = Interchange.stripBom(line);
        }
        if (line.isBlank()) {
          continue;
        }
        if (first) {
          first = false;
          continue;
        }
        String where = "line " + lineNo;
        List<String> f = splitCsv(line);
        if (f.size() != header.size()) {
          bad.add(in, where + ": has " + f.size() + " fields, but the header has " + header.size());
          continue;
        }
        String sv = f.get(stepAt).trim();
        long step;
        try {
          double d = Interchange.parseValue(stepCol, sv);
          if (!(d >= 0 && d == Math.rint(d) && d < 9.0e15)) {
            throw new NumberFormatException();
          }
          step = (long) d;
        } catch (IllegalArgumentException e) {
          bad.add(in, where + ": " + stepCol + " must be an integer >= 0, but was '" + sv + "'");
          continue;
        }
        if (step < lastStep) {
          bad.add(
              in,
              where
                  + ": "
                  + stepCol
                  + " "
                  + step
                  + " comes after "
                  + lastStep
                  + "; the steps must not decrease");
          continue;
        }
        boolean rowBad = false;
        double[] v = new double[f.size()];
        for (int i = 0; i < f.size(); i++) {
          if (colAt[i] < 0 || i == stepAt && !keras) {
            continue;
          }
          String s = f.get(i).trim();
          if (s.isEmpty()) {
            v[i] = Double.NaN;
            continue;
          }
          try {
            v[i] = Interchange.parseValue(header.get(i), s);
          } catch (IllegalArgumentException e) {
            bad.add(in, where + ": " + e.getMessage());
            rowBad = true;
            break;
          }
        }
        if (rowBad) {
          continue;
        }
        lastStep = step;
        for (int i = 0; i < f.size(); i++) {
          int c = colAt[i];
          if (c < 0 || (i == stepAt && !keras)) {
            continue;
          }
          if (!f.get(i).trim().isEmpty()) {
            a.accept(step, c, v[i], in, "line", lineNo);
          }
        }
      }
    } catch (CharacterCodingException e) {
      throw new TelemetryException(in + " is not UTF-8 text (expected a CSV file)", e);
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + in + ": " + e.getMessage(), e);
    }
  }

  /** Splits one CSV line (RFC 4180 quoting, as Python's csv module writes it). */
  static List<String> splitCsv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            sb.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          sb.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        out.add(sb.toString());
        sb.setLength(0);
      } else {
        sb.append(ch);
      }
    }
    out.add(sb.toString());
    return out;
  }
}
