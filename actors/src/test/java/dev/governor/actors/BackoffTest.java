package dev.governor.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The idle strategy with a fake clock: spin for the spin window, then growing parks. */
class BackoffTest {
  private long now = 1_000_000_000L;
  private final List<Long> parks = new ArrayList<>();
  private final Backoff b = new Backoff(() -> now, parks::add);

  @Test
  void spinsForTheWindowThenParksGrowingToTheCapAndStartsOverAfterARead() {
    for (int i = 0; i < 1000; i++) { // 1000 idle polls, 49 ns apart: 48.95 us < 50 us
      b.idle();
      now += 49;
    }
    assertEquals(List.of(), parks, "no park inside the 50 us spin window");
    now += Backoff.SPIN_NANOS; // the spell is older than the window now
    for (int i = 0; i < 9; i++) {
      b.idle();
    }
    // 10 us doubling: 10, 20, 40, 80, 160, 320, 640 us, then capped at 1 ms
    assertEquals(
        List.of(
            10_000L,
            20_000L,
            40_000L,
            80_000L,
            160_000L,
            320_000L,
            640_000L,
            1_000_000L,
            1_000_000L),
        parks);
    parks.clear();
    b.reset(); // a record was read
    b.idle(); // a new idle spell spins again ...
    now += Backoff.SPIN_NANOS - 1;
    b.idle();
    assertEquals(List.of(), parks);
    now += 1; // ... until its window has passed, then parks from 10 us again
    b.idle();
    assertEquals(List.of(10_000L), parks);
  }
}
