package dev.governor.telemetry;

import dev.governor.telemetry.ForeignRows.Assembler;
import dev.governor.telemetry.ForeignRows.Bad;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code lightning-csv} and {@code keras-csv} formats of {@link ForeignImport}: a {@code
 * CSVLogger} file read line by line (RFC 4180 quoting) into {@link ForeignRows}' assembly.
 */
final class LoggerCsvImport {
  private LoggerCsvImport() {}

  /** See {@link ForeignImport#importLoggerCsv}. */
  static Interchange.ImportReport importRun(
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
    TagMapping m = new TagMapping(available, tags, in.toString());
    List<String> badList = new ArrayList<>();
    List<String> warnings = new ArrayList<>(m.notes);
    ForeignRows.Feed feed = (a, bad) -> readCsv(in, header, stepCol, m, a, bad);
    Assembler dry = ForeignRows.dryRun(m, skipBadRecords, badList, feed);
    ForeignRows.checkAssembly(
        dry, m, in + " has no rows with a value in column", badList, warnings);
    TreeMap<String, String> config = new TreeMap<>();
    config.put("import.source", in.toAbsolutePath().toString());
    config.put("import.format", format);
    m.describe(config, available);
    RunFolder run = Interchange.newImportRun(runDir, config, Instant.now().toString());
    return ForeignRows.write(run, m, dry, badList, warnings, feed);
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
      Path in, List<String> header, String stepCol, TagMapping m, Assembler a, Bad bad) {
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
