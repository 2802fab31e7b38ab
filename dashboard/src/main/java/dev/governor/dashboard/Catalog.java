package dev.governor.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The run folders under the dashboard's root: every folder holding a {@code run.json} at most
 * {@value #DEPTH} levels down (a demo or bake-off writes its runs one level deeper), newest first.
 * A run folder's own sub-folders are not searched. At most {@value #MAX_DIRS} folders are visited
 * per scan, so a root with very many entries costs a bounded time; the listing then says it is
 * incomplete. Immutable snapshots; {@link #scan} reads only directory entries and file times.
 */
final class Catalog {
  static final int DEPTH = 3;
  static final int MAX_DIRS = 50_000;

  /** One run folder: id (its path under the root, '/'-separated), run.json time, finished. */
  record Entry(String id, long modifiedMillis, boolean finished) {}

  final Path root;
  final boolean rootExists;
  final List<Entry> entries;
  final boolean incomplete;
  final String error;

  private Catalog(
      Path root, boolean rootExists, List<Entry> entries, boolean incomplete, String error) {
    this.root = root;
    this.rootExists = rootExists;
    this.entries = entries;
    this.incomplete = incomplete;
    this.error = error;
  }

  static Catalog scan(Path root) {
    if (!Files.isDirectory(root)) {
      return new Catalog(root, false, List.of(), false, null);
    }
    List<Entry> out = new ArrayList<>();
    int[] visited = {0};
    String error = null;
    try {
      walk(root, root, 0, out, visited);
    } catch (IOException | RuntimeException e) {
      error = "cannot list " + root + ": " + e.getMessage();
    }
    out.sort(Comparator.comparingLong(Entry::modifiedMillis).reversed().thenComparing(Entry::id));
    return new Catalog(root, true, List.copyOf(out), visited[0] >= MAX_DIRS, error);
  }

  private static void walk(Path root, Path dir, int depth, List<Entry> out, int[] visited)
      throws IOException {
    if (visited[0]++ >= MAX_DIRS) {
      return;
    }
    Path json = dir.resolve("run.json");
    if (depth > 0) {
      BasicFileAttributes a = attributes(json);
      if (a != null && a.isRegularFile()) {
        String id = root.relativize(dir).toString().replace('\\', '/');
        boolean finished = Files.exists(dir.resolve("summary.json"));
        out.add(new Entry(id, a.lastModifiedTime().toMillis(), finished));
        return;
      }
    }
    if (depth == DEPTH) {
      return;
    }
    List<Path> subs = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
            && !p.getFileName().toString().startsWith(".")) {
          subs.add(p);
        }
      }
    } catch (IOException e) {
      if (depth == 0) {
        throw e;
      }
      return; // a folder that vanished or is unreadable is left out
    }
    for (Path p : subs) {
      if (visited[0] >= MAX_DIRS) {
        return;
      }
      walk(root, p, depth + 1, out, visited);
    }
  }

  private static BasicFileAttributes attributes(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Writes the listing: at most {@code limit} runs whose id contains {@code filter}
   * (case-insensitive; empty = all), the counts and a message when runs are left out.
   */
  void write(JsonGenerator g, String filter, int limit) throws IOException {
    String f = filter == null ? "" : filter.toLowerCase(Locale.ROOT);
    int matched = 0;
    g.writeStartObject();
    g.writeStringField("root", root.toString());
    g.writeBooleanField("rootExists", rootExists);
    g.writeArrayFieldStart("runs");
    for (Entry e : entries) {
      if (!f.isEmpty() && !e.id().toLowerCase(Locale.ROOT).contains(f)) {
        continue;
      }
      matched++;
      if (matched <= limit) {
        g.writeStartObject();
        g.writeStringField("id", e.id());
        g.writeNumberField("modified", e.modifiedMillis());
        g.writeBooleanField("finished", e.finished());
        g.writeEndObject();
      }
    }
    g.writeEndArray();
    g.writeNumberField("total", entries.size());
    g.writeNumberField("matched", matched);
    g.writeNumberField("shown", Math.min(matched, limit));
    List<String> messages = new ArrayList<>();
    if (!rootExists) {
      messages.add("The folder " + root + " does not exist (yet); runs appear once it does.");
    } else if (entries.isEmpty() && error == null) {
      messages.add("No run folders (folders with a run.json) under " + root + " yet.");
    }
    if (error != null) {
      messages.add(error);
    }
    if (matched > limit) {
      messages.add(
          "Showing the newest "
              + limit
              + " of "
              + matched
              + " runs"
              + (f.isEmpty() ? "" : " matching '" + filter + "'")
              + "; type in the filter to narrow the list.");
    }
    if (incomplete) {
      messages.add(
          "More than "
              + MAX_DIRS
              + " folders under "
              + root
              + ": the listing stops there; point --runs at a smaller folder.");
    }
    g.writeArrayFieldStart("messages");
    for (String m : messages) {
      g.writeString(m);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** Whether the listing differs from {@code o} (ids, times or finished flags). */
  boolean differs(Catalog o) {
    return o == null
        || o.rootExists != rootExists
        || !o.entries.equals(entries)
        || o.incomplete != incomplete
        || !java.util.Objects.equals(o.error, error);
  }
}
