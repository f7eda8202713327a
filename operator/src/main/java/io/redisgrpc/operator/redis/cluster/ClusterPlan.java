package io.redisgrpc.operator.redis.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Pure planning for Redis Cluster formation. No I/O: the formation code feeds it what the nodes
 * report and carries out the plan.
 *
 * <h2>Slots</h2>
 *
 * The 16384 slots are split into {@code masters} contiguous ranges whose sizes differ by at most
 * one ({@link #evenSplit}). When some slots are already owned (a half-formed or existing cluster),
 * only the unowned slots are planned ({@link #unownedSlots}): an owned slot is never moved by
 * formation, so formation can never throw data away. Unowned slots go to the master the even split
 * names for them.
 *
 * <h2>Replicas</h2>
 *
 * Replicas are spread so every master gets one before any gets two, and matched to masters on other
 * Kubernetes nodes whenever some assignment allows it ({@link #assignReplicas}). The plan is
 * deterministic for a given input order.
 */
public final class ClusterPlan {
  public static final int SLOTS = 16384;

  private ClusterPlan() {}

  /** Contiguous ranges, one per master, sizes differing by at most one. */
  public static List<SlotRange> evenSplit(int masters) {
    if (masters < 1) {
      throw new IllegalArgumentException("need at least one master");
    }
    List<SlotRange> ranges = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < masters; i++) {
      int size = SLOTS / masters + (i < SLOTS % masters ? 1 : 0);
      ranges.add(new SlotRange(start, start + size - 1));
      start += size;
    }
    return ranges;
  }

  /**
   * For each master (by index in {@code masters}), the ranges of slots nobody owns yet that the
   * even split gives it.
   *
   * @param owned true for slots some node already serves
   */
  public static Map<Integer, List<SlotRange>> unownedSlots(int masters, boolean[] owned) {
    Map<Integer, List<SlotRange>> plan = new LinkedHashMap<>();
    List<SlotRange> split = evenSplit(masters);
    for (int m = 0; m < split.size(); m++) {
      List<SlotRange> ranges = new ArrayList<>();
      int runStart = -1;
      for (int slot = split.get(m).from(); slot <= split.get(m).to() + 1; slot++) {
        boolean free = slot <= split.get(m).to() && !owned[slot];
        if (free && runStart < 0) {
          runStart = slot;
        } else if (!free && runStart >= 0) {
          ranges.add(new SlotRange(runStart, slot - 1));
          runStart = -1;
        }
      }
      if (!ranges.isEmpty()) {
        plan.put(m, ranges);
      }
    }
    return plan;
  }

  /** A node as the planner sees it: its id and the Kubernetes node it runs on (null if unknown). */
  public record Member(String id, String kubernetesNode) {}

  /**
   * Which master each unassigned replica should follow.
   *
   * <p>Round by round, the masters with the fewest replicas each take at most one new replica.
   * Within a round replicas are matched to masters on other Kubernetes nodes by a maximum bipartite
   * matching (Kuhn's augmenting paths; sizes are tiny), so a greedy choice never forces a replica
   * next to its master when a swap would avoid it. Only when no such match exists does a replica
   * share its master's node.
   *
   * @param replicasOf current replicas per master id (masters without replicas may be absent)
   * @return replica id to master id
   */
  public static Map<String, String> assignReplicas(
      List<Member> masters, Map<String, Integer> replicasOf, List<Member> unassigned) {
    if (masters.isEmpty() && !unassigned.isEmpty()) {
      throw new IllegalArgumentException("no masters to replicate");
    }
    Map<String, Integer> load = new LinkedHashMap<>();
    masters.forEach(m -> load.put(m.id(), replicasOf.getOrDefault(m.id(), 0)));
    Map<String, String> plan = new LinkedHashMap<>();
    List<Member> waiting = new ArrayList<>(unassigned);
    while (!waiting.isEmpty()) {
      int least = masters.stream().mapToInt(m -> load.get(m.id())).min().orElseThrow();
      List<Member> round = masters.stream().filter(m -> load.get(m.id()) == least).toList();
      Map<Member, Member> matched = matchAcrossNodes(waiting, round);
      if (matched.isEmpty()) {
        matched = Map.of(waiting.get(0), round.get(0));
      }
      matched.forEach(
          (replica, master) -> {
            plan.put(replica.id(), master.id());
            load.merge(master.id(), 1, Integer::sum);
          });
      waiting.removeAll(matched.keySet());
    }
    return plan;
  }

  /**
   * Maximum matching of replicas to masters (each used once) where the two are on different nodes.
   */
  private static Map<Member, Member> matchAcrossNodes(List<Member> replicas, List<Member> masters) {
    Map<Member, Member> masterToReplica = new LinkedHashMap<>();
    for (Member replica : replicas) {
      augment(replica, masters, masterToReplica, new HashSet<>());
    }
    Map<Member, Member> replicaToMaster = new LinkedHashMap<>();
    masterToReplica.forEach((master, replica) -> replicaToMaster.put(replica, master));
    return replicaToMaster;
  }

  private static boolean augment(
      Member replica, List<Member> masters, Map<Member, Member> masterToReplica, Set<Member> seen) {
    for (Member master : masters) {
      if (sameNode(master, replica) || !seen.add(master)) {
        continue;
      }
      Member holder = masterToReplica.get(master);
      if (holder == null || augment(holder, masters, masterToReplica, seen)) {
        masterToReplica.put(master, replica);
        return true;
      }
    }
    return false;
  }

  private static boolean sameNode(Member a, Member b) {
    return a.kubernetesNode() != null && Objects.equals(a.kubernetesNode(), b.kubernetesNode());
  }
}
