package dev.governor.telemetry;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.report.Json;
import dev.governor.telemetry.RowImport.BadRow;
import dev.governor.telemetry.RowImport.Parsed;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Governor's JSON-lines format both ways, with Jackson (columns and values: {@link Interchange}):
 * parsing a file into rows (a key twice in one object is a bad row), and writing export rows.
 * Numbers are written in {@link Json}'s encoding: NaN and infinities as the strings {@code "NaN"},
 * {@code "Infinity"}, {@code "-Infinity"}, {@code null} where there is no decision; doubles by
 * {@link Double#toString} (Jackson's default) so they re-import bit for bit.
 */
final class JsonlFormat {
  private JsonlFormat() {}

  private static final ObjectReader READER =
      Json.MAPPER.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

  /**
   * The rows of a Governor JSON-lines file: one object a line (blank lines skipped).
   *
   * @throws TelemetryException naming the file when it is empty, and the line of a bad row unless
   *     {@code skip}
   */
  static Parsed parse(Path in, List<String> lines, boolean skip) {
    Parsed p = new Parsed();
    Set<String> unknown = new java.util.TreeSet<>();
    boolean any = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      any = true;
      try {
        JsonNode n;
        try {
          n = READER.readTree(line);
        } catch (JsonProcessingException e) {
          String m = e.getOriginalMessage();
          if (m.startsWith("Duplicate field '")) {
            String key = m.substring("Duplicate field '".length(), m.indexOf('\'', 17));
            throw new BadRow("key '" + key + "' appears twice");
          }
          throw new BadRow("is not JSON: " + m.replace('\n', ' '));
        }
        if (n == null || !n.isObject()) {
          throw new BadRow("is not a JSON object");
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
          String k = e.getKey().toLowerCase(Locale.ROOT);
          if (!Interchange.REQUIRED.contains(k) && !Interchange.OPTIONAL.contains(k)) {
            unknown.add(k);
            continue;
          }
          JsonNode v = e.getValue();
          if (!v.isValueNode()) {
            throw new BadRow(k + " must be a number, but was " + v);
          }
          if (row.put(k, v.isNull() ? "" : v.asText()) != null) {
            throw new BadRow("key '" + k + "' appears twice (keys are case-insensitive)");
          }
          if (!p.columns.contains(k)) {
            p.columns.add(k);
          }
        }
        for (String r : Interchange.REQUIRED) {
          if (!row.containsKey(r)) {
            throw new BadRow("required key '" + r + "' is missing");
          }
        }
        p.rows.add(RowImport.row(row, p));
      } catch (BadRow e) {
        RowImport.bad(in, p, i + 1, e.getMessage(), skip);
      }
    }
    if (!any) {
      throw new TelemetryException(in + " is empty (one JSON object per line is required)");
    }
    for (String u : unknown) {
      p.warnings.add("unknown key '" + u + "' ignored");
    }
    return p;
  }

  /**
   * A writer of export rows onto {@code w}, one object a line; {@link Rows#close()} flushes it and
   * leaves {@code w} open.
   */
  static Rows rows(Writer w) throws IOException {
    JsonGenerator g =
        Json.MAPPER
            .getFactory()
            .createGenerator(w)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setPrettyPrinter(new com.fasterxml.jackson.core.util.MinimalPrettyPrinter("\n"));
    return new Rows(g);
  }

  /** Writes export rows as JSON objects, one a line. */
  static final class Rows implements AutoCloseable {
    private final JsonGenerator g;
    private boolean any;

    private Rows(JsonGenerator g) {
      this.g = g;
    }

    /** One row: the observation and the decision made after it (null: none). */
    void write(Observation o, Decision d) throws IOException {
      List<String> c = Interchange.EXPORT_COLUMNS;
      g.writeStartObject();
      g.writeNumberField(c.get(0), o.step());
      g.writeNumberField(c.get(1), (long) o.epoch());
      number(c.get(2), o.loss());
      number(c.get(3), o.gradNorm());
      number(c.get(4), o.lr());
      number(c.get(5), o.clip());
      number(c.get(6), o.weightDecay());
      number(c.get(7), o.valLoss());
      number(c.get(8), o.paramNorm());
      number(c.get(9), o.updateNorm());
      number(c.get(10), o.alignment());
      number(c.get(11), o.sharpness());
      if (d == null) {
        for (int k = 12; k <= 15; k++) {
          g.writeNullField(c.get(k));
        }
      } else {
        number(c.get(12), d.lr);
        number(c.get(13), d.clip);
        number(c.get(14), d.weightDecay);
        g.writeStringField(c.get(15), d.action.name());
      }
      g.writeEndObject();
      any = true;
    }

    /** A number; the mapper's generator writes NaN and infinities as {@link Json} spells them. */
    private void number(String key, double x) throws IOException {
      g.writeNumberField(key, x);
    }

    @Override
    public void close() throws IOException {
      if (any) {
        g.writeRaw('\n');
      }
      g.close();
    }
  }
}
