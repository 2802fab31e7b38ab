package dev.governor.telemetry;

import dev.governor.telemetry.ForeignRows.Assembler;
import dev.governor.telemetry.ForeignRows.Bad;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The {@code tfevents} format of {@link ForeignImport}: TensorBoard event files, grouped into runs
 * by folder, restarts resolved as TensorBoard's event accumulator resolves them, and the runs'
 * values merged by step into {@link ForeignRows}' assembly.
 */
final class TfEventsImport {
  private TfEventsImport() {}

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

  /** See {@link ForeignImport#importTfEvents(Path, Path, Map, boolean, boolean)}. */
  static Interchange.ImportReport importRun(
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
    TagMapping m = new TagMapping(scalarTags, tags, in.toString());
    warnings.addAll(m.notes);
    // pass 2: assemble without writing, so a bad record fails before anything exists
    Assembler dry =
        ForeignRows.dryRun(m, skipBadRecords, badList, (a, bad) -> merge(runs, m, a, bad, purged));
    ForeignRows.checkAssembly(dry, m, in + " has no steps with a value of tag", badList, warnings);
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
    return ForeignRows.write(
        run, m, dry, badList, warnings, (a, bad) -> merge(runs, m, a, bad, new long[1]));
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
    final TagMapping m;
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

    RunStream(Run run, TagMapping m, Bad bad, long[] purged) {
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
  private static void merge(List<Run> runs, TagMapping m, Assembler a, Bad bad, long[] purged) {
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
}
