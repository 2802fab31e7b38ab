package dev.governor.trainers;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A character-level text corpus split into training, validation and test text, each a sequence of
 * symbols of the fixed {@linkplain #VOCAB vocabulary}: the English fortunes of the Debian package
 * {@code fortunes} (about 2.5 MB under {@link #DEFAULT_FORTUNES_DIR}), or a seeded synthetic Markov
 * source with a known entropy rate (the fallback for tests and machines without the package).
 *
 * <p><b>Vocabulary</b> ({@link #VOCAB} = 98 symbols): 0 = unknown (every other character: accented
 * letters, control characters such as backspace or bell, malformed UTF-8), 1 = newline, 2 = tab, 3
 * … 97 = the printable ASCII characters {@code ' '} (32) … {@code '~'} (126) in code order. The
 * vocabulary does not depend on the data, so every split and seed shares it.
 *
 * <p><b>Fortunes</b>: the regular files directly in the directory, in ascending order of file name
 * (byte order), skipping {@code *.dat} (strfile indexes), {@code *.u8} and every symbolic link (the
 * package's UTF-8 duplicates are links to the plain files) and subdirectories. Each file is read as
 * UTF-8; a line holding only {@code %} ends a fortune; a fortune is its lines, each ended by a
 * newline; empty fortunes are dropped. Fortune {@code i} (counting over all files in that order)
 * goes to validation when {@code u_i < 0.05}, to test when {@code 0.05 <= u_i < 0.10}, to training
 * otherwise, where {@code u_i = unit(seed, i)} is a SplitMix64 hash (see {@link #unit}) — a seeded
 * rule that keeps whole fortunes together and does not depend on how many fortunes follow. Each
 * part is the concatenation of its fortunes in order.
 *
 * @param name a short name for reports ({@code fortunes} or {@code markov})
 * @param train training symbols
 * @param validation validation symbols
 * @param test test symbols
 * @param documents fortunes in (train, validation, test); for the synthetic source, 0s
 * @param entropyRate the source's entropy rate in bits per character when known (the synthetic
 *     source), NaN for real text
 */
public record TextCorpus(
    String name,
    byte[] train,
    byte[] validation,
    byte[] test,
    int[] documents,
    double entropyRate) {

  /** Where the Debian package {@code fortunes} installs its text files. */
  public static final Path DEFAULT_FORTUNES_DIR = Path.of("/usr/share/games/fortunes");

  /** How to install the corpus, for error messages. */
  public static final String INSTALL_HINT =
      "install it with 'sudo apt-get install fortunes', pass --text-dir, or use --text synthetic";

  /** Number of symbols of the vocabulary. */
  public static final int VOCAB = 98;

  /** The unknown symbol. */
  public static final int UNKNOWN = 0;

  /** Fraction of fortunes in the validation and in the test part. */
  public static final double HELD_OUT_FRACTION = 0.05;

  private static final double LN2 = Math.log(2);

  /** Validates the parts (every symbol in the vocabulary; a part may be empty). */
  public TextCorpus {
    check(name, "train", train);
    check(name, "validation", validation);
    check(name, "test", test);
    if (documents == null || documents.length != 3) {
      throw new IllegalArgumentException(name + ": documents must have 3 counts");
    }
    documents = documents.clone();
  }

  private static void check(String name, String part, byte[] s) {
    if (s == null) {
      throw new IllegalArgumentException(name + ": the " + part + " text must not be null");
    }
    for (int i = 0; i < s.length; i++) {
      if (s[i] < 0 || s[i] >= VOCAB) {
        throw new IllegalArgumentException(
            name
                + ": "
                + part
                + " symbol "
                + i
                + " must be in [0, "
                + VOCAB
                + "), but was "
                + s[i]);
      }
    }
  }

  // ---- vocabulary ----

  /** The symbol of a Unicode code point (see the class comment). */
  public static int encode(int codePoint) {
    if (codePoint == '\n') {
      return 1;
    }
    if (codePoint == '\t') {
      return 2;
    }
    if (codePoint >= 32 && codePoint <= 126) {
      return codePoint - 29;
    }
    return UNKNOWN;
  }

  /** The character of a symbol; the unknown symbol decodes to U+FFFD. */
  public static char decode(int symbol) {
    if (symbol < 0 || symbol >= VOCAB) {
      throw new IllegalArgumentException("symbol must be in [0, " + VOCAB + "), but was " + symbol);
    }
    return switch (symbol) {
      case UNKNOWN -> '\uFFFD';
      case 1 -> '\n';
      case 2 -> '\t';
      default -> (char) (symbol + 29);
    };
  }

  /** The symbols of a text, one per code point. */
  public static byte[] encode(String text) {
    int[] cps = text.codePoints().toArray();
    byte[] out = new byte[cps.length];
    for (int i = 0; i < cps.length; i++) {
      out[i] = (byte) encode(cps[i]);
    }
    return out;
  }

  /** The text of symbols. */
  public static String decode(byte[] symbols) {
    StringBuilder sb = new StringBuilder(symbols.length);
    for (byte b : symbols) {
      sb.append(decode(b));
    }
    return sb.toString();
  }

  // ---- bits per character ----

  /** Nats to bits: {@code nats / ln 2}. NaN and ±Inf pass through. */
  public static double bits(double nats) {
    return nats / LN2;
  }

  /**
   * The cross-entropy in bits per character of {@code eval} under the unigram (character frequency)
   * model of {@code train} with add-one (Laplace) smoothing over the {@link #VOCAB} symbols: {@code
   * −(1/n) Σ log₂ ((c(x)+1) / (N + V))}. The baseline a language model must beat.
   */
  public static double unigramBits(byte[] train, byte[] eval) {
    long[] c = new long[VOCAB];
    for (byte b : train) {
      c[b]++;
    }
    double denom = train.length + (double) VOCAB;
    double s = 0;
    for (byte b : eval) {
      s -= Math.log((c[b] + 1) / denom);
    }
    return bits(s / eval.length);
  }

  /**
   * The cross-entropy in bits per character of {@code eval[1..]} under the bigram model of {@code
   * train} with add-one smoothing: {@code −(1/(n−1)) Σ_t log₂ ((c(x_{t−1}, x_t)+1) /
   * (c(x_{t−1})+V))}, where {@code c(a)} counts {@code a} as a predecessor. What a model that looks
   * one character back can reach from this much data.
   */
  public static double bigramBits(byte[] train, byte[] eval) {
    long[] pair = new long[VOCAB * VOCAB];
    long[] prev = new long[VOCAB];
    for (int i = 1; i < train.length; i++) {
      pair[train[i - 1] * VOCAB + train[i]]++;
      prev[train[i - 1]]++;
    }
    double s = 0;
    for (int i = 1; i < eval.length; i++) {
      int a = eval[i - 1];
      s -= Math.log((pair[a * VOCAB + eval[i]] + 1) / (double) (prev[a] + VOCAB));
    }
    return bits(s / (eval.length - 1));
  }

  // ---- the fortunes ----

  /** Whether {@code dir} holds at least one fortune file. */
  public static boolean fortunesPresent(Path dir) {
    try {
      return !fortuneFiles(dir).isEmpty();
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The fortune files of {@code dir} in the order they are read (see the class comment).
   *
   * @throws MissingDatasetException when {@code dir} is not a directory
   */
  public static List<Path> fortuneFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new MissingDatasetException(
          "fortunes corpus not found: no directory " + dir + "; " + INSTALL_HINT);
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .filter(
              p -> {
                String n = p.getFileName().toString();
                return !n.endsWith(".dat") && !n.endsWith(".u8") && !n.startsWith(".");
              })
          .forEach(out::add);
    }
    out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    return out;
  }

  /**
   * The fortunes of one file's text: split at lines that are exactly {@code %}, each fortune its
   * lines each ended by a newline, empty ones dropped. A carriage return before a newline is
   * dropped.
   */
  public static List<String> splitFortunes(String text) {
    List<String> out = new ArrayList<>();
    if (text.isEmpty()) {
      return out;
    }
    String[] lines = text.split("\n", -1);
    // a text ending in a newline has an empty string after its last line
    int n = text.endsWith("\n") ? lines.length - 1 : lines.length;
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String l = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      if (l.equals("%")) {
        if (cur.length() > 0) {
          out.add(cur.toString());
        }
        cur.setLength(0);
      } else {
        cur.append(l).append('\n');
      }
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /**
   * SplitMix64's output for {@code seed + (index + 1) · γ} (γ = 0x9E3779B97F4A7C15, the golden
   * gamma) as a double in [0, 1): the top 53 bits times 2⁻⁵³. A pure function of (seed, index).
   */
  public static double unit(long seed, long index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }

  /** The part of fortune {@code index}: 0 train, 1 validation, 2 test (see the class comment). */
  public static int part(long seed, long index) {
    double u = unit(seed, index);
    return u < HELD_OUT_FRACTION ? 1 : u < 2 * HELD_OUT_FRACTION ? 2 : 0;
  }

  /** Splits fortunes (in order) into the three parts by {@link #part}. */
  public static TextCorpus ofFortunes(String name, List<String> fortunes, long seed) {
    StringBuilder[] parts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
    int[] docs = new int[3];
    for (int i = 0; i < fortunes.size(); i++) {
      int p = part(seed, i);
      parts[p].append(fortunes.get(i));
      docs[p]++;
    }
    return new TextCorpus(
        name,
        encode(parts[0].toString()),
        encode(parts[1].toString()),
        encode(parts[2].toString()),
        docs,
        Double.NaN);
  }

  /**
   * Reads the fortunes under {@code dir} and splits them with {@code seed}.
   *
   * @throws MissingDatasetException naming the directory and the install command when there is no
   *     fortune file
   */
  public static TextCorpus fortunes(Path dir, long seed) {
    List<String> all = new ArrayList<>();
    try {
      List<Path> files = fortuneFiles(dir);
      if (files.isEmpty()) {
        throw new MissingDatasetException(
            "fortunes corpus not found: no fortune file in " + dir + "; " + INSTALL_HINT);
      }
      for (Path f : files) {
        all.addAll(splitFortunes(readUtf8(f)));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(dir + " cannot be read: " + e.getMessage(), e);
    }
    return ofFortunes("fortunes", all, seed);
  }

  /** Malformed UTF-8 becomes U+FFFD (the unknown symbol). */
  private static String readUtf8(Path f) throws IOException {
    byte[] raw = Files.readAllBytes(f);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(java.nio.ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(f + " is not text: " + e.getMessage(), e);
    }
  }

  // ---- the synthetic source ----

  /** Symbols the synthetic source uses: newline, space and 'a'..'z'. */
  static final int MARKOV_SYMBOLS = 28;

  /** Successors per state of the synthetic chain. */
  static final int MARKOV_BRANCHES = 4;

  /**
   * The transition matrix of the synthetic source of {@code seed}: {@link #MARKOV_SYMBOLS} states
   * (newline, space, a–z), each with {@link #MARKOV_BRANCHES} distinct successors (one of them the
   * next state in cyclic order, so the chain is irreducible) whose probabilities are proportional
   * to {@code 1 + 3u} for uniform {@code u}, so each row's entropy is below 2 bits.
   */
  static double[][] markovMatrix(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n = MARKOV_SYMBOLS;
    double[][] p = new double[n][n];
    for (int i = 0; i < n; i++) {
      int[] succ = new int[MARKOV_BRANCHES];
      succ[0] = (i + 1) % n;
      int k = 1;
      while (k < MARKOV_BRANCHES) {
        int c = rng.nextInt(n);
        boolean dup = false;
        for (int j = 0; j < k; j++) {
          dup |= succ[j] == c;
        }
        if (!dup) {
          succ[k++] = c;
        }
      }
      double sum = 0;
      double[] w = new double[MARKOV_BRANCHES];
      for (int j = 0; j < MARKOV_BRANCHES; j++) {
        w[j] = 1 + 3 * rng.nextDouble();
        sum += w[j];
      }
      for (int j = 0; j < MARKOV_BRANCHES; j++) {
        p[i][succ[j]] = w[j] / sum;
      }
    }
    return p;
  }

  /**
   * The entropy rate in bits per symbol of the stationary Markov chain with row-stochastic {@code
   * p}: {@code H = −Σ_i π_i Σ_j p_ij log₂ p_ij}, π the stationary distribution (power iteration
   * from uniform, on the lazy chain (I + P)/2, which has the same π and converges for periodic
   * chains too).
   */
  static double entropyRate(double[][] p) {
    int n = p.length;
    double[] pi = new double[n];
    java.util.Arrays.fill(pi, 1.0 / n);
    double[] next = new double[n];
    for (int it = 0; it < 100_000; it++) {
      for (int j = 0; j < n; j++) {
        next[j] = 0.5 * pi[j];
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          next[j] += 0.5 * pi[i] * p[i][j];
        }
      }
      double diff = 0;
      for (int j = 0; j < n; j++) {
        diff += Math.abs(next[j] - pi[j]);
        pi[j] = next[j];
      }
      if (diff < 1e-15) {
        break;
      }
    }
    double h = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (p[i][j] > 0) {
          h -= pi[i] * p[i][j] * Math.log(p[i][j]);
        }
      }
    }
    return bits(h);
  }

  private static int markovSymbol(int state) {
    return state == 0 ? encode('\n') : state == 1 ? encode(' ') : encode('a' + state - 2);
  }

  private static byte[] markovText(double[][] p, int length, SplittableRandom rng) {
    byte[] out = new byte[length];
    int s = rng.nextInt(p.length);
    for (int i = 0; i < length; i++) {
      double u = rng.nextDouble();
      int next = p.length - 1;
      double acc = 0;
      for (int j = 0; j < p.length; j++) {
        acc += p[s][j];
        if (u < acc) {
          next = j;
          break;
        }
      }
      s = next;
      out[i] = (byte) markovSymbol(s);
    }
    return out;
  }

  /**
   * A seeded synthetic corpus: three independent runs of an order-1 Markov chain (see {@link
   * #markovMatrix}) over newline, space and a–z, of the given lengths. Its {@link #entropyRate()}
   * is exact: no model can reach fewer bits per character on average (up to the start of each
   * window), and an LSTM that learns the chain approaches it.
   */
  public static TextCorpus markov(long seed, int trainChars, int validationChars, int testChars) {
    double[][] p = markovMatrix(seed);
    SplittableRandom root = new SplittableRandom(seed ^ 0x5DEECE66DL);
    return new TextCorpus(
        "markov",
        markovText(p, trainChars, root.split()),
        markovText(p, validationChars, root.split()),
        markovText(p, testChars, root.split()),
        new int[3],
        entropyRate(p));
  }

  /** Training, validation and test symbols in one line, for reports. */
  public String describe() {
    return name
        + " ("
        + train.length
        + " train / "
        + validation.length
        + " validation / "
        + test.length
        + " test characters)";
  }
}
