package io.redisgrpc.operator.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.redis.cluster.ClusterPlan.Member;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterPlanTest {

  @Test
  void evenSplitCoversEverySlotOnceWithSizesWithinOne() {
    for (int masters = 1; masters <= 10; masters++) {
      List<SlotRange> split = ClusterPlan.evenSplit(masters);
      assertThat(split).hasSize(masters);
      assertThat(split.get(0).from()).isZero();
      assertThat(split.get(masters - 1).to()).isEqualTo(16383);
      for (int i = 1; i < masters; i++) {
        assertThat(split.get(i).from()).isEqualTo(split.get(i - 1).to() + 1);
      }
      int min = split.stream().mapToInt(SlotRange::size).min().orElseThrow();
      int max = split.stream().mapToInt(SlotRange::size).max().orElseThrow();
      assertThat(max - min).isLessThanOrEqualTo(1);
    }
    assertThat(ClusterPlan.evenSplit(3))
        .containsExactly(
            new SlotRange(0, 5461), new SlotRange(5462, 10922), new SlotRange(10923, 16383));
  }

  @Test
  void onlyUnownedSlotsArePlanned() {
    boolean[] owned = new boolean[16384];
    for (int slot = 0; slot <= 5000; slot++) {
      owned[slot] = true;
    }
    owned[7000] = true;
    Map<Integer, List<SlotRange>> plan = ClusterPlan.unownedSlots(3, owned);
    assertThat(plan.get(0)).containsExactly(new SlotRange(5001, 5461));
    assertThat(plan.get(1)).containsExactly(new SlotRange(5462, 6999), new SlotRange(7001, 10922));
    assertThat(plan.get(2)).containsExactly(new SlotRange(10923, 16383));
    boolean[] all = new boolean[16384];
    Arrays.fill(all, true);
    assertThat(ClusterPlan.unownedSlots(3, all)).isEmpty();
  }

  @Test
  void replicasSpreadEvenlyAndAvoidTheirMastersNode() {
    List<Member> masters =
        List.of(new Member("m0", "node-a"), new Member("m1", "node-b"), new Member("m2", "node-c"));
    List<Member> replicas =
        List.of(new Member("r0", "node-a"), new Member("r1", "node-b"), new Member("r2", "node-c"));
    Map<String, String> plan = ClusterPlan.assignReplicas(masters, Map.of(), replicas);
    assertThat(plan.values()).as("one replica per master").doesNotHaveDuplicates().hasSize(3);
    plan.forEach(
        (replica, master) ->
            assertThat(replica.substring(1))
                .as("%s must not share %s's node", replica, master)
                .isNotEqualTo(master.substring(1)));
    // Two replicas per master over three nodes: still nobody next to its own master, and balanced.
    List<Member> six =
        List.of(
            new Member("r0", "node-a"),
            new Member("r1", "node-b"),
            new Member("r2", "node-c"),
            new Member("r3", "node-a"),
            new Member("r4", "node-b"),
            new Member("r5", "node-c"));
    Map<String, String> twoEach = ClusterPlan.assignReplicas(masters, Map.of(), six);
    assertThat(
            twoEach.values().stream().collect(Collectors.groupingBy(m -> m, Collectors.counting())))
        .containsOnly(Map.entry("m0", 2L), Map.entry("m1", 2L), Map.entry("m2", 2L));
    twoEach.forEach(
        (replica, master) ->
            assertThat(nodeOf(six, replica)).isNotEqualTo(nodeOf(masters, master)));
    // Existing replicas count: the new one goes to the master that has none.
    assertThat(
            ClusterPlan.assignReplicas(
                masters, Map.of("m0", 1, "m1", 1), List.of(new Member("r9", null))))
        .containsEntry("r9", "m2");
  }

  private static String nodeOf(List<Member> members, String id) {
    return members.stream()
        .filter(m -> m.id().equals(id))
        .findFirst()
        .orElseThrow()
        .kubernetesNode();
  }
}
