package io.redisgrpc.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import java.net.InetSocketAddress;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class ClusterNodeAddressesTest {
  /** The reporting node's clock when it printed NODES. */
  static final long NOW_MS = 10_000;

  /** ... and when it started: pongs before 3000 (its nodes.conf loaded at start) do not count. */
  static final long STARTED_MS = 1_000;

  static final String NODES =
      String.join(
          "\n",
          // Redis 7.0: ip:port@cport,hostname
          "a1 10.244.0.28:6379@16379,day2-redis-0.day2-redis-headless.ns.svc myself,master - 0 0 1 connected 0-5460",
          // Redis 7.2+: auxiliary fields after the hostname
          "b2 10.244.0.27:6379@16379,day2-redis-4.day2-redis-headless.ns.svc,shard-id=abc slave a1 0 9701 1 connected",
          // no hostname announced (7.2+ keeps the comma)
          "c3 10.244.0.30:6379@16379, master - 0 9702 2 connected 5461-10922",
          // no hostname announced (7.0)
          "d4 10.244.0.31:6379@16379 master - 0 9703 3 connected 10923-16383",
          // "connected" while a connect to a dead address is attempted: a ping unanswered for 2 s,
          // or no pong yet
          "j10 10.244.0.60:6379@16379,day2-redis-10.day2-redis-headless.ns.svc master - 7000 6900 8 connected",
          "k11 10.244.0.61:6379@16379,day2-redis-11.day2-redis-headless.ns.svc master - 0 0 9 connected",
          // an address from nodes.conf, "answering" since the load at start, and a real pong right
          // after start
          "m13 10.244.0.63:6379@16379,day2-redis-13.day2-redis-headless.ns.svc master - 0 1005 10 connected",
          "n14 10.244.0.64:6379@16379,day2-redis-14.day2-redis-headless.ns.svc master - 0 2900 11 connected",
          // a ping just sent (its pong on the way) does not count against the node
          "l12 10.244.0.62:6379@16379,day2-redis-12.day2-redis-headless.ns.svc slave a1 9500 9000 1 connected",
          // a node without an address, and one still in a handshake
          "e5 :0@0,day2-redis-5.day2-redis-headless.ns.svc master,noaddr - 0 1 4 disconnected",
          "f6 10.244.0.40:6379@16379,day2-redis-6.day2-redis-headless.ns.svc handshake - 0 9704 0 connected",
          // nodes the reporter cannot reach: their address may be stale (DNS decides)
          "h8 10.244.0.50:6379@16379,day2-redis-8.day2-redis-headless.ns.svc master - 0 9705 6 disconnected 100-200",
          "i9 10.244.0.51:6379@16379,day2-redis-9.day2-redis-headless.ns.svc master,fail? - 0 9706 7 connected",
          // IPv6
          "g7 fd00::7:6379@16379,day2-redis-7.day2-redis-headless.ns.svc master - 0 9707 5 connected",
          "");

  @Test
  void mapsEachAnnouncedHostnameToTheAddressTheClusterReports() {
    assertThat(ClusterNodeAddresses.parse(NODES, NOW_MS, STARTED_MS))
        .containsOnly(
            Assertions.entry("day2-redis-0.day2-redis-headless.ns.svc", "10.244.0.28"),
            Assertions.entry("day2-redis-4.day2-redis-headless.ns.svc", "10.244.0.27"),
            Assertions.entry("day2-redis-7.day2-redis-headless.ns.svc", "fd00::7"),
            Assertions.entry("day2-redis-12.day2-redis-headless.ns.svc", "10.244.0.62"));
  }

  @Test
  void connectsToTheReportedAddressButKeepsTheHostnameForTlsAndLeavesOtherNamesToDns() {
    ClusterNodeAddresses addresses = new ClusterNodeAddresses();
    addresses.update(ClusterNodeAddresses.parse(NODES, NOW_MS, STARTED_MS));

    InetSocketAddress known =
        (InetSocketAddress)
            addresses.resolve(RedisURI.create("day2-redis-4.day2-redis-headless.ns.svc", 6379));
    assertThat(known.isUnresolved()).isFalse();
    assertThat(known.getAddress().getHostAddress()).isEqualTo("10.244.0.27");
    assertThat(known.getHostString())
        .as("what Lettuce gives the TLS engine to verify")
        .isEqualTo("day2-redis-4.day2-redis-headless.ns.svc");
    assertThat(known.getPort()).isEqualTo(6379);

    InetSocketAddress seed =
        (InetSocketAddress) addresses.resolve(RedisURI.create("day2-redis.ns.svc", 6379));
    assertThat(seed.isUnresolved())
        .as("a name the cluster does not report is resolved by DNS, later")
        .isTrue();
    assertThat(seed.getHostString()).isEqualTo("day2-redis.ns.svc");

    // The pod came back on another IP: the next CLUSTER NODES replaces the entry.
    addresses.update(
        ClusterNodeAddresses.parse(
            NODES.replace("10.244.0.27", "10.244.0.41"), NOW_MS, STARTED_MS));
    assertThat(
            ((InetSocketAddress)
                    addresses.resolve(
                        RedisURI.create("day2-redis-4.day2-redis-headless.ns.svc", 6379)))
                .getAddress()
                .getHostAddress())
        .isEqualTo("10.244.0.41");
    assertThat(addresses.known())
        .containsEntry("day2-redis-4.day2-redis-headless.ns.svc", "10.244.0.41");
  }
}
