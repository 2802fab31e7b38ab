package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Json}: one encoding of NaN and infinities on every path through the mapper. */
class JsonTest {

  record Row(double loss, double clip, Double missing) {}

  /**
   * Python reads the expected text back as numbers: {@code [float(v) for v in
   * json.loads(s).values() if v is not None]} gives {@code [nan, inf, -inf, 1.5]}, and {@code jq
   * '[.a,.b,.c]|map(tonumber)'} gives {@code [null, 1.797e308, -1.797e308]} (jq's NaN and
   * infinities).
   */
  @Test
  void nodesMapsAndRecordsWriteNonFiniteNumbersAsTheThreeStrings() {
    ObjectNode n = Json.object();
    Json.put(n, "a", Double.NaN);
    Json.put(n, "b", Double.POSITIVE_INFINITY);
    n.put("c", Double.NEGATIVE_INFINITY);
    n.put("d", 1.5);
    n.putNull("e");
    assertEquals(
        "{\"a\":\"NaN\",\"b\":\"Infinity\",\"c\":\"-Infinity\",\"d\":1.5,\"e\":null}",
        Json.line(n));

    Map<String, Object> m = new LinkedHashMap<>();
    m.put("x", Double.NaN);
    m.put("list", List.of(Double.POSITIVE_INFINITY, 2.0));
    m.put("row", new Row(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, null));
    m.put("floats", new float[] {Float.NaN});
    assertEquals(
        "{\"x\":\"NaN\",\"list\":[\"Infinity\",2.0],"
            + "\"row\":{\"loss\":\"-Infinity\",\"clip\":\"Infinity\",\"missing\":null},"
            + "\"floats\":[\"NaN\"]}",
        Json.line(m));
    assertEquals(
        "[\"NaN\",0.25,\"-Infinity\"]",
        Json.line(Json.array(Double.NaN, 0.25, Double.NEGATIVE_INFINITY)));
  }

  @Test
  void toDoubleReadsTheEncodingBackAndNamesAnythingElse() throws Exception {
    JsonNode n =
        Json.MAPPER.readTree(
            "{\"a\":\"NaN\",\"b\":\"Infinity\",\"c\":\"-Infinity\",\"d\":1.5,\"e\":null,"
                + "\"f\":\"inf\"}");
    assertTrue(Double.isNaN(Json.toDouble(n.get("a"))));
    assertEquals(Double.POSITIVE_INFINITY, Json.toDouble(n.get("b")));
    assertEquals(Double.NEGATIVE_INFINITY, Json.toDouble(n.get("c")));
    assertEquals(1.5, Json.toDouble(n.get("d")));
    assertTrue(Double.isNaN(Json.toDouble(n.get("e"))), "null: no value");
    assertTrue(Double.isNaN(Json.toDouble(n.get("nothing"))), "missing: no value");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.toDouble(n.get("f")));
    assertEquals(
        "a number or \"NaN\", \"Infinity\", \"-Infinity\" was expected, but was \"inf\"",
        e.getMessage());
    // Jackson's own coercion reads the strings too (a reader that binds to double fields)
    assertEquals(Double.POSITIVE_INFINITY, n.get("b").asDouble());
    Row r =
        Json.MAPPER.readValue(
            "{\"loss\":\"NaN\",\"clip\":\"Infinity\",\"missing\":null}", Row.class);
    assertTrue(Double.isNaN(r.loss()));
    assertEquals(Double.POSITIVE_INFINITY, r.clip());
  }

  /** Python's json.dumps({"a": nan, "b": inf, "c": -inf}) writes bare tokens; they read too. */
  @Test
  void readsPythonsBareTokens() throws Exception {
    JsonNode n = Json.MAPPER.readTree("{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity}");
    assertTrue(Double.isNaN(Json.toDouble(n.get("a"))));
    assertEquals(Double.POSITIVE_INFINITY, Json.toDouble(n.get("b")));
    assertEquals(Double.NEGATIVE_INFINITY, Json.toDouble(n.get("c")));
  }

  @Test
  void writeIsIndentedEndsWithANewlineAndRoundTrips(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("a/b/summary.json");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", Double.POSITIVE_INFINITY);
    m.put("w", new double[] {1, Double.NaN});
    Json.write(f, m);
    String text = Files.readString(f);
    assertTrue(text.endsWith("}\n"), text);
    assertTrue(text.contains("\n  \"v\" : \"Infinity\""), text);
    JsonNode back = Json.read(f);
    assertEquals(Double.POSITIVE_INFINITY, Json.toDouble(back.get("v")));
    double[] w = new double[2];
    for (int i = 0; i < 2; i++) {
      w[i] = Json.toDouble(back.get("w").get(i));
    }
    assertEquals("[1.0, NaN]", Arrays.toString(w));
  }
}
