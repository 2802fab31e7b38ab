package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text corpus against an independent Python implementation of the documented rules (the
 * script's essence is quoted where its numbers are used).
 */
class TextCorpusTest {
  @TempDir Path tmp;

  @Test
  void vocabularyIsNewlineTabAndPrintableAsciiWithOneUnknownSymbol() {
    // closed form: ' '..'~' (32..126) -> code - 29 = 3..97
    assertEquals(98, TextCorpus.VOCAB);
    assertEquals(1, TextCorpus.encode('\n'));
    assertEquals(2, TextCorpus.encode('\t'));
    assertEquals(3, TextCorpus.encode(' '));
    assertEquals('A' - 29, TextCorpus.encode('A'));
    assertEquals(97, TextCorpus.encode('~'));
    for (int cp : new int[] {'\b', 7, '\r', 127, 0xE9, 0x20AC, 0x1F600}) {
      assertEquals(TextCorpus.UNKNOWN, TextCorpus.encode(cp), "code point " + cp);
    }
    for (int s = 1; s < TextCorpus.VOCAB; s++) {
      assertEquals(s, TextCorpus.encode(TextCorpus.decode(s)), "symbol " + s);
    }
    assertEquals('\uFFFD', TextCorpus.decode(0));
    // one symbol per code point: the emoji is one (unknown) symbol, not two
    assertArrayEquals(new byte[] {36, 0, 1}, TextCorpus.encode("A\uD83D\uDE00\n"));
    assertThrows(IllegalArgumentException.class, () -> TextCorpus.decode(98));
  }

  @Test
  void bitsAreNatsOverLnTwo() {
    assertEquals(3.0, TextCorpus.bits(3 * Math.log(2)), 1e-15);
    // uniform over the vocabulary: ln 98 nats = log2 98 = 6.614709844115208 bits
    assertEquals(6.614709844115208, TextCorpus.bits(Math.log(98)), 1e-14);
    assertTrue(Double.isNaN(TextCorpus.bits(Double.NaN)));
    assertEquals(Double.POSITIVE_INFINITY, TextCorpus.bits(Double.POSITIVE_INFINITY));
    // a window score of 64 ln 2 nats over 64 characters is 1 bit per character
    assertEquals(1.0, CharLstm.bitsPerChar(64 * Math.log(2), 64), 1e-15);
  }

  @Test
  void splitHashIsSplitMix64() {
    // Python: z = (seed + (i+1)*0x9E3779B97F4A7C15) mod 2^64; z = (z^(z>>30))*0xBF58476D1CE4E5B9;
    // z = (z^(z>>27))*0x94D049BB133111EB; z ^= z>>31; u = (z>>11) * 2^-53
    double[] ref = {
      0.7415648787718233,
      0.1599103928769201,
      0.27860113025513866,
      0.34419071652363753,
      0.03803016854024621
    };
    for (int i = 0; i < ref.length; i++) {
      assertEquals(ref[i], TextCorpus.unit(42, i), 0.0, "unit(42, " + i + ")");
    }
    assertEquals(0.15940421119544657, TextCorpus.unit(-7, 3), 0.0);
  }

  @Test
  void fortunesAreSplitWholeBySeed() {
    // Python, part(42, i) for i < 40 (u < 0.05 validation, < 0.10 test): validation [4], test
    // [18, 21, 24, 36, 39], the other 34 training
    List<String> f = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      f.add("fortune " + i + "\n");
    }
    TextCorpus c = TextCorpus.ofFortunes("t", f, 42);
    assertArrayEquals(new int[] {34, 1, 5}, c.documents());
    assertEquals("fortune 4\n", TextCorpus.decode(c.validation()));
    assertEquals(
        "fortune 18\nfortune 21\nfortune 24\nfortune 36\nfortune 39\n",
        TextCorpus.decode(c.test()));
    assertTrue(TextCorpus.decode(c.train()).startsWith("fortune 0\nfortune 1\nfortune 2\n"));
    assertTrue(TextCorpus.decode(c.train()).endsWith("fortune 37\nfortune 38\n"));
  }

  @Test
  void percentLinesSeparateFortunes() {
    assertEquals(
        List.of("a\nb\n", "c\n", "\n", "d\n"),
        TextCorpus.splitFortunes("a\nb\n%\nc\n%\n%\n\n%\nd\n%\n"));
    // CRLF, no final newline, a '%' inside a line is text
    assertEquals(List.of("x % y\n", "z\n"), TextCorpus.splitFortunes("x % y\r\n%\r\nz"));
    assertEquals(List.of(), TextCorpus.splitFortunes(""));
  }

  @Test
  void unigramAndBigramBaselinesMatchPython() {
    // Python (add-one over V = 98): train "abracadabra\n", eval "cabbage\n":
    // unigram -mean log2((c+1)/(N+V)) = 5.488878463164082,
    // bigram -mean log2((c(a,b)+1)/(c(a)+V)) over the 7 pairs = 6.27636103450068
    byte[] tr = TextCorpus.encode("abracadabra\n");
    byte[] ev = TextCorpus.encode("cabbage\n");
    assertEquals(5.488878463164082, TextCorpus.unigramBits(tr, ev), 1e-12);
    assertEquals(6.27636103450068, TextCorpus.bigramBits(tr, ev), 1e-12);
  }

  @Test
  void entropyRateOfAKnownChain() {
    // NumPy: pi = left eigenvector of P for eigenvalue 1 = (0.3902439, 0.28455285, 0.32520325);
    // H = -sum pi_i P_ij log2 P_ij = 1.0169590007365086
    double[][] p = {{0.5, 0.5, 0}, {0, 0.2, 0.8}, {0.6, 0.1, 0.3}};
    assertEquals(1.0169590007365086, TextCorpus.entropyRate(p), 1e-12);
    // a deterministic cycle has entropy rate 0 (and is periodic: the lazy iteration converges)
    assertEquals(0.0, TextCorpus.entropyRate(new double[][] {{0, 1}, {1, 0}}), 1e-15);
  }

  @Test
  void syntheticSourceIsSeededAndItsBigramEntropyApproachesTheRate() {
    TextCorpus a = TextCorpus.markov(5, 200_000, 20_000, 1_000);
    TextCorpus b = TextCorpus.markov(5, 200_000, 20_000, 1_000);
    assertArrayEquals(a.train(), b.train());
    assertArrayEquals(a.validation(), b.validation());
    double h = a.entropyRate();
    // 4 successors per state with weights in [1, 4]: every row entropy is in (1.6, 2) bits
    assertTrue(h > 1.5 && h < 2.0, "entropy rate " + h);
    // the chain is order 1: the smoothed bigram cross-entropy of held-out text is H plus the
    // estimation error (28 x 4 transitions from 200k characters: well below 0.02 bits)
    double bigram = TextCorpus.bigramBits(a.train(), a.validation());
    assertEquals(h, bigram, 0.02);
    assertTrue(TextCorpus.unigramBits(a.train(), a.validation()) > h + 1, "memory matters");
    assertTrue(TextCorpus.markov(6, 1000, 100, 100).entropyRate() != h);
  }

  @Test
  void readsAHandMadeFortuneDirectoryInNameOrderSkippingIndexesAndLinks() throws IOException {
    Path d = tmp.resolve("fortunes");
    Files.createDirectories(d.resolve("off"));
    Files.writeString(d.resolve("zeta"), "z1\n%\nz2\n", StandardCharsets.UTF_8);
    Files.writeString(d.resolve("alpha"), "caf\u00e9\n%\na2\n", StandardCharsets.UTF_8);
    Files.write(d.resolve("alpha.dat"), new byte[] {0, 0, 0, 2, 1, 2, 3});
    Files.createSymbolicLink(d.resolve("alpha.u8"), d.resolve("alpha"));
    Files.createSymbolicLink(d.resolve("linked"), d.resolve("zeta"));
    Files.writeString(d.resolve("off").resolve("rude"), "no\n");
    assertEquals(List.of(d.resolve("alpha"), d.resolve("zeta")), TextCorpus.fortuneFiles(d));
    // seed 42 puts fortune 0..3 all in training (see fortunesAreSplitWholeBySeed)
    TextCorpus c = TextCorpus.fortunes(d, 42);
    assertEquals("caf\uFFFD\na2\nz1\nz2\n", TextCorpus.decode(c.train()));
  }

  @Test
  void missingCorpusNamesTheDirectoryAndTheInstallCommand() {
    Path nowhere = tmp.resolve("nowhere");
    MissingDatasetException e =
        assertThrows(MissingDatasetException.class, () -> TextCorpus.fortunes(nowhere, 1));
    assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("apt-get install fortunes"), e.getMessage());
    assertTrue(!TextCorpus.fortunesPresent(nowhere));
  }

  @Test
  void realFortunesMatchAnIndependentReader() throws IOException {
    assumeTrue(
        TextCorpus.fortunesPresent(TextCorpus.DEFAULT_FORTUNES_DIR),
        "fortunes not installed (apt-get install fortunes); skipping the real-corpus check");
    // Python over the same directory (43 files of fortunes 1:1.99.1-7.3, same rules): 15217
    // fortunes; seed 1 puts (13643, 776, 798) of them and (2283160, 134542, 128493) characters in
    // (train, validation, test); 376 unknown training symbols; validation bits per character:
    // unigram 4.784993127940323, bigram 3.7822395289428314.
    long bytes = 0;
    for (Path f : TextCorpus.fortuneFiles(TextCorpus.DEFAULT_FORTUNES_DIR)) {
      bytes += Files.size(f);
    }
    assumeTrue(bytes == 2576674, "another fortunes version (" + bytes + " bytes); skipping");
    TextCorpus c = TextCorpus.fortunes(TextCorpus.DEFAULT_FORTUNES_DIR, 1);
    int[] docs = c.documents();
    assertEquals(15217, docs[0] + docs[1] + docs[2]);
    assertArrayEquals(new int[] {13643, 776, 798}, docs);
    assertEquals(2283160, c.train().length);
    assertEquals(134542, c.validation().length);
    assertEquals(128493, c.test().length);
    int unknown = 0;
    for (byte s : c.train()) {
      unknown += s == TextCorpus.UNKNOWN ? 1 : 0;
    }
    assertEquals(376, unknown);
    assertEquals(4.784993127940323, TextCorpus.unigramBits(c.train(), c.validation()), 1e-9);
    assertEquals(3.7822395289428314, TextCorpus.bigramBits(c.train(), c.validation()), 1e-9);
  }
}
