package dev.governor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextTableTest {

  /** Widths 6 ("policy"), 8 ("test acc") and 4: first column left, the others right-aligned. */
  @Test
  void alignsColumnsUnderARule() {
    List<String> lines =
        TextTable.lines(
            List.of(
                List.of("policy", "test acc", "lr"),
                List.of("pi", "0.8512", "1e-3"),
                List.of("cosine", "0.61", "1")));
    assertEquals(
        List.of(
            "policy  test acc    lr",
            "----------------------",
            "pi        0.8512  1e-3",
            "cosine      0.61     1"),
        lines);
  }

  @Test
  void rejectsARaggedRow() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TextTable.lines(List.of(List.of("a", "b"), List.of("1"))));
    assertEquals("row 1 must have 2 cells, but had 1", e.getMessage());
  }
}
