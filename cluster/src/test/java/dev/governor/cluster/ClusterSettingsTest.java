package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {

  @Test
  void parsesAddressesAndNamesBadOnes() {
    assertEquals(new NodeAddress("127.0.0.1", 2551), NodeAddress.parse("--bind", "127.0.0.1:2551"));
    assertEquals(new NodeAddress("::1", 2551), NodeAddress.parse("--bind", "[::1]:2551"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("--bind", "host"));
    assertEquals("--bind must be HOST:PORT, but was 'host'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("--bind", "h:70000"));
    assertEquals("--bind port must be in [0, 65535], but was 70000 ('h:70000')", e.getMessage());
    assertEquals(
        List.of(new NodeAddress("127.0.0.1", 1), new NodeAddress("localhost", 2)),
        ClusterSettings.parseSeeds("--seed-nodes", "127.0.0.1:1, localhost:2"));
  }

  @Test
  void loopbackOnlyUnlessAllowed() {
    assertTrue(new NodeAddress("127.0.0.5", 1).isLoopback());
    assertTrue(new NodeAddress("localhost", 1).isLoopback());
    assertFalse(new NodeAddress("10.0.0.1", 1).isLoopback());
    assertFalse(new NodeAddress("example.org", 1).isLoopback());
    NodeAddress lan = new NodeAddress("10.0.0.1", 2551);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ClusterSettings.of(lan, List.of(lan), true));
    assertEquals(
        "bind address must be loopback (127.0.0.0/8, ::1, localhost) unless --allow-non-loopback"
            + " is given, but was 10.0.0.1:2551",
        e.getMessage());
    NodeAddress self = new NodeAddress("127.0.0.1", 2551);
    e =
        assertThrows(
            IllegalArgumentException.class, () -> ClusterSettings.of(self, List.of(lan), true));
    assertTrue(e.getMessage().startsWith("seed node must be loopback"), e.getMessage());
    // allowed explicitly: the settings build (nothing is bound here)
    ClusterSettings ok =
        new ClusterSettings(
            lan,
            List.of(lan),
            true,
            true,
            Duration.ofSeconds(2),
            Duration.ofSeconds(3),
            com.typesafe.config.ConfigFactory.empty());
    assertEquals(Duration.ofSeconds(7), ok.failureDetectionTime()); // 3 + 2 + 2
  }

  @Test
  void theConfigurationNamesTheRoleSeedsAndSerializer() {
    NodeAddress self = new NodeAddress("127.0.0.1", 2551);
    var c = ClusterSettings.of(self, List.of(self), true).config();
    assertEquals("cluster", c.getString("pekko.actor.provider"));
    assertEquals(List.of("controller"), c.getStringList("pekko.cluster.roles"));
    assertEquals(
        List.of("pekko://governor@127.0.0.1:2551"), c.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(WireSerializer.class.getName(), c.getString("pekko.actor.serializers.governor"));
    assertEquals(
        "controller", c.getString("pekko.cluster.split-brain-resolver.keep-majority.role"));
    var t = ClusterSettings.of(new NodeAddress("127.0.0.1", 0), List.of(self), false).config();
    assertEquals(List.of("trainer"), t.getStringList("pekko.cluster.roles"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterSettings.of(self, List.of(new NodeAddress("127.0.0.1", 0)), true));
    assertEquals("seed node port must be in [1, 65535], but was 127.0.0.1:0", e.getMessage());
  }
}
