package dev.governor.telemetry;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One writing process per queue: the file {@value #FILE} in the queue folder, held with an OS file
 * lock for as long as the process has an appender open, and holding the writer's process id and
 * host name ({@code pid 1234 host box}) for the message shown to a process that is refused.
 *
 * <p>The OS releases the lock when its holder exits, however it exits (also on SIGKILL), so a lock
 * that can be taken belongs to a writer that is provably gone. Where the file system refuses locks
 * altogether, the recorded holder is consulted instead: it is taken to be gone only when it names
 * this host and no process with its id is alive; a holder on another host is never presumed gone.
 * The file stays in place (emptied) when its holder closes: deleting it would let two writers lock
 * two different files of the same name.
 *
 * <p>Appenders of one process share the lock (counted); Chronicle orders their appends itself. A
 * process asking whether a queue has a live writer ({@link #holder}) locks the file only when it
 * names a holder, and only for a moment; a writer meeting such a probe looks again for up to 0.1 s.
 */
final class WriterLock implements AutoCloseable {
  static final String FILE = "writer.lock";

  private static final Map<Path, Held> HELD = new HashMap<>();

  private static final class Held {
    final FileChannel channel;
    final FileLock lock;
    int users;

    Held(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }
  }

  private final Path dir;
  private boolean closed;

  private WriterLock(Path dir) {
    this.dir = dir;
  }

  /** This process's description as written into the lock file. */
  static String self() {
    return "pid " + ProcessHandle.current().pid() + " host " + host();
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String h = System.getenv("HOSTNAME");
      return h == null || h.isBlank() ? "unknown" : h;
    }
  }

  /**
   * Takes the writer lock of the queue folder {@code dir} for this process.
   *
   * @param what "telemetry" or "decision", for the message
   * @throws TelemetryException naming the lock file and its holder when another process writes
   */
  static WriterLock acquire(Path dir, String what) {
    Path abs = dir.toAbsolutePath().normalize();
    synchronized (HELD) {
      Held h = HELD.get(abs);
      if (h == null) {
        h = lock(abs, what);
        HELD.put(abs, h);
      }
      h.users++;
    }
    return new WriterLock(abs);
  }

  private static Held lock(Path dir, String what) {
    Path file = dir.resolve(FILE);
    FileChannel ch;
    try {
      ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new TelemetryException("cannot open the writer lock " + file + ": " + e, e);
    }
    try {
      FileLock lock = null;
      boolean locksWork = true;
      try {
        // another process may be probing the lock for a moment (holder()): look again briefly
        for (int attempt = 0; attempt < PROBE_ATTEMPTS && lock == null; attempt++) {
          if (attempt > 0) {
            pause();
          }
          lock = ch.tryLock();
        }
      } catch (IOException e) {
        locksWork = false; // the file system has no locks: judge by the recorded holder
      }
      if (locksWork && lock == null) {
        throw refused(what, dir, file, read(ch));
      }
      if (!locksWork) {
        String holder = read(ch);
        if (!holder.isEmpty() && !provablyGone(holder)) {
          throw refused(what, dir, file, holder);
        }
      }
      byte[] me = (self() + "\n").getBytes(StandardCharsets.UTF_8);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(me), 0);
      ch.force(false);
      return new Held(ch, lock);
    } catch (IOException e) {
      closeQuietly(ch);
      throw new TelemetryException("cannot write the writer lock " + file + ": " + e, e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static final int PROBE_ATTEMPTS = 50;

  private static void pause() {
    try {
      Thread.sleep(2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static TelemetryException refused(String what, Path dir, Path file, String holder) {
    return new TelemetryException(
        what
            + " queue "
            + dir
            + " is being written by another process ("
            + (holder.isEmpty() ? "holder unknown" : holder)
            + ", lock "
            + file
            + "); one writer per queue: wait for it to end");
  }

  /**
   * The holder of the lock of queue folder {@code dir} when a live process other than this one
   * holds it, else empty. Does not take the lock for longer than the check.
   */
  static Optional<String> holder(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    // The JVM refuses a second lock on a file that one of its channels already holds
    // (OverlappingFileLockException), so two threads of this process must never lock the file at
    // the same time: the probe, like acquire, runs under HELD. Two queues opened at once by two
    // actors of one process (a trainer and its cluster link, after a resume) probe the same file.
    synchronized (HELD) {
      if (HELD.containsKey(abs)) {
        return Optional.empty();
      }
      Path file = abs.resolve(FILE);
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      try (FileChannel ch =
          FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        if (read(ch).isEmpty()) {
          // a holder writes itself in after locking and empties the file when it is done: nobody
          // holds it (a writer locking right now is found by the next look); no probe that could
          // make that writer wait
          return Optional.empty();
        }
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (IOException e) {
          String holder = read(ch);
          return holder.isEmpty() || provablyGone(holder) ? Optional.empty() : Optional.of(holder);
        } catch (OverlappingFileLockException e) {
          return Optional.empty(); // held through another channel of this process
        }
        if (lock == null) {
          String holder = read(ch);
          return Optional.of(holder.isEmpty() ? "holder unknown" : holder);
        }
        lock.release();
        return Optional.empty();
      } catch (IOException e) {
        return Optional.empty(); // unreadable lock file: the writer's own open reports it
      }
    }
  }

  /** Whether a live process, this one included, holds the lock of queue folder {@code dir}. */
  static boolean live(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    synchronized (HELD) {
      if (HELD.containsKey(abs)) {
        return true;
      }
    }
    return holder(abs).isPresent();
  }

  /** A recorded holder on this host whose process no longer exists. */
  private static boolean provablyGone(String holder) {
    String[] f = holder.trim().split("\\s+");
    if (f.length != 4 || !f[0].equals("pid") || !f[2].equals("host") || !f[3].equals(host())) {
      return false;
    }
    try {
      long pid = Long.parseLong(f[1]);
      return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String read(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(256);
      int n = Math.max(0, ch.read(b, 0));
      return new String(b.array(), 0, n, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing was locked through it
    }
  }

  /** Releases this user's share; the last one empties the file and releases the OS lock. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (HELD) {
      Held h = HELD.get(dir);
      if (h == null || --h.users > 0) {
        return;
      }
      HELD.remove(dir);
      try {
        h.channel.truncate(0);
        if (h.lock != null) {
          h.lock.release();
        }
      } catch (IOException e) {
        // the lock goes with the channel below
      } finally {
        closeQuietly(h.channel);
      }
    }
  }
}
