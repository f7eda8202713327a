package io.redisgrpc.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlotCoverageClusterClientTest {
  static final String A = "a1 127.0.0.1:7001@17001 %s - 0 1 1 connected 0-5460";
  static final String B = "b2 127.0.0.1:7002@17002 %s - 0 1 2 connected 5461-10922";
  static final String C = "c3 127.0.0.1:7003@17003 %s - 0 1 3 connected 10923-16383";
  static final String D = "d4 127.0.0.1:7004@17004 %s - 0 1 0 connected";

  /**
   * What a node reports: every node listed, the ones given as "heard of" without their slots yet.
   */
  static Partitions view(String self, String... withoutSlots) {
    StringBuilder nodes = new StringBuilder();
    for (String line : List.of(A, B, C, D)) {
      String id = line.substring(0, 2);
      String flags = id.equals(self) ? "myself,master" : "master";
      String reported = String.format(line, flags);
      if (List.of(withoutSlots).contains(id)) {
        reported = reported.replaceAll(" connected .*", " connected");
      }
      nodes.append(reported).append('\n');
    }
    return ClusterPartitionParser.parse(nodes.toString());
  }

  static Map<RedisURI, Partitions> views() {
    Map<RedisURI, Partitions> views = new LinkedHashMap<>();
    views.put(RedisURI.create("127.0.0.1", 7001), view("a1"));
    views.put(RedisURI.create("127.0.0.1", 7002), view("b2"));
    views.put(RedisURI.create("127.0.0.1", 7003), view("c3"));
    // d4 has just joined: it knows b2 and c3 by id, not yet which slots they serve.
    views.put(RedisURI.create("127.0.0.1", 7004), view("d4", "b2", "c3"));
    return views;
  }

  @Test
  void countsTheSlotsSomeNodeServes() {
    assertThat(SlotCoverageClusterClient.slotsAssigned(view("a1"))).isEqualTo(16384);
    assertThat(SlotCoverageClusterClient.slotsAssigned(view("d4", "b2", "c3"))).isEqualTo(5461);
  }

  @Test
  void keepsOnlyTheViewsThatAssignTheMostSlots() {
    assertThat(SlotCoverageClusterClient.mostSlotsAssigned(views()))
        .containsOnlyKeys(
            RedisURI.create("127.0.0.1", 7001),
            RedisURI.create("127.0.0.1", 7002),
            RedisURI.create("127.0.0.1", 7003));
    Map<RedisURI, Partitions> onlyPartial =
        Map.of(RedisURI.create("127.0.0.1", 7004), view("d4", "b2"));
    assertThat(SlotCoverageClusterClient.mostSlotsAssigned(onlyPartial)).isEqualTo(onlyPartial);
  }

  /**
   * Lettuce alone picks at random among views that know the same nodes, the joining node's included
   * (one time in four here); this client never adopts a view that misses slots.
   */
  @Test
  void neverAdoptsAViewThatMissesSlots() {
    ClientResources resources = DefaultClientResources.create();
    SlotCoverageClusterClient client =
        new SlotCoverageClusterClient(resources, List.of(RedisURI.create("127.0.0.1", 7001)));
    try {
      Partitions current = view("a1");
      for (int i = 0; i < 200; i++) {
        Partitions chosen = client.determinePartitions(current, views());
        assertThat(SlotCoverageClusterClient.slotsAssigned(chosen))
            .as("slots in the view chosen, round " + i)
            .isEqualTo(16384);
        Partitions first = client.determinePartitions(null, views());
        assertThat(SlotCoverageClusterClient.slotsAssigned(first))
            .as("slots in the first view chosen, round " + i)
            .isEqualTo(16384);
      }
    } finally {
      client.shutdown();
      resources.shutdown();
    }
  }
}
