package io.redisgrpc.operator.redis.cluster;

import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Forms a Redis Cluster from pods, one idempotent step per call, so the reconciler never blocks
 * waiting for gossip: it calls {@link #step} and reschedules until {@link Result#converged()}.
 *
 * <p>Each step does the first thing that is missing, in this order:
 * <ol>
 *   <li><b>meet</b>: the first reachable node MEETs every node it does not know yet;</li>
 *   <li><b>wait for gossip</b>: until every node knows every other node (no handshakes left);</li>
 *   <li><b>slots</b>: slots nobody owns are added to masters by the even split
 *       ({@link ClusterPlan#unownedSlots}). Masters are the nodes already owning slots, topped up
 *       with empty, unattached nodes in pod order. Owned slots are never touched, so running
 *       formation over a half-formed or live cluster completes it and never re-creates it over
 *       data;</li>
 *   <li><b>replicas</b>: every other node replicates a master chosen by
 *       {@link ClusterPlan#assignReplicas} (other Kubernetes node first);</li>
 *   <li><b>converged</b>: every node reports {@code cluster_state:ok}.</li>
 * </ol>
 * A step against a formed cluster issues no command that changes anything.
 */
public final class ClusterFormation {
  /**
   * A Redis pod. {@code host} is what the operator connects to and what CLUSTER MEET gets
   * (Redis 7.0 needs an IP there); {@code kubernetesNode} places replicas, null if unknown.
   */
  public record Endpoint(String host, int port, String kubernetesNode) {}

  /** What a step did, and whether the cluster is complete. */
  public record Result(boolean converged, List<String> actions, ClusterSummary summary) {}

  /** What status reports: coverage, masters and their replicas. */
  public record ClusterSummary(int slotsAssigned, int masters, Map<String, Integer> replicasPerMaster, boolean stateOk) {}

  private final NodeConnections connections;

  public ClusterFormation(NodeConnections connections) {
    this.connections = connections;
  }

  /** One step towards a cluster of {@code masters} masters over {@code endpoints} (in pod order). */
  public Result step(List<Endpoint> endpoints, int masters) {
    List<String> actions = new ArrayList<>();
    Map<Endpoint, String> ids = new LinkedHashMap<>();
    Map<Endpoint, Partitions> views = new LinkedHashMap<>();
    for (Endpoint endpoint : endpoints) {
      try {
        RedisCommands<String, String> node = connections.to(endpoint);
        ids.put(endpoint, node.clusterMyId());
        views.put(endpoint, ClusterPartitionParser.parse(node.clusterNodes()));
      } catch (RedisException e) {
        actions.add("unreachable " + endpoint.host() + ":" + endpoint.port() + " (" + e.getMessage() + ")");
      }
    }
    if (views.size() < endpoints.size()) {
      return new Result(false, actions, summary(views, false));
    }
    Endpoint anchor = endpoints.get(0);

    // 1. meet
    Set<String> knownToAnchor = views.get(anchor).stream().map(RedisClusterNode::getNodeId).collect(Collectors.toSet());
    for (Endpoint endpoint : endpoints) {
      if (!knownToAnchor.contains(ids.get(endpoint))) {
        connections.to(anchor).clusterMeet(endpoint.host(), endpoint.port());
        actions.add("meet " + endpoint.host() + ":" + endpoint.port());
      }
    }
    if (!actions.isEmpty()) {
      return new Result(false, actions, summary(views, false));
    }

    // 2. wait for gossip
    for (Partitions view : views.values()) {
      boolean complete = ids.values().stream().allMatch(id -> view.getPartitionByNodeId(id) != null)
          && view.stream().noneMatch(n -> n.is(NodeFlag.HANDSHAKE) || n.is(NodeFlag.NOADDR));
      if (!complete) {
        return new Result(false, List.of("waiting for the nodes to learn about each other"), summary(views, false));
      }
    }

    // 3. slots
    Partitions view = views.get(anchor);
    // Ownership from every node's own entry (MYSELF): gossip may not have told the anchor yet
    // about slots another node took one step ago, and adding a slot twice is an error.
    boolean[] owned = new boolean[ClusterPlan.SLOTS];
    views.values().forEach(v -> v.stream().filter(n -> n.is(NodeFlag.MYSELF)).forEach(n -> n.forEachSlot(slot -> owned[slot] = true)));
    List<Endpoint> chosen = chooseMasters(endpoints, ids, views, masters);
    Map<Integer, List<SlotRange>> missing = ClusterPlan.unownedSlots(chosen.size(), owned);
    missing.forEach((index, ranges) -> {
      Endpoint master = chosen.get(index);
      @SuppressWarnings("unchecked")
      Range<Integer>[] lettuceRanges = ranges.stream().map(r -> Range.create(r.from(), r.to())).toArray(Range[]::new);
      connections.to(master).clusterAddSlotsRange(lettuceRanges);
      actions.add("add slots " + ranges + " to " + master.host() + ":" + master.port());
    });
    if (!actions.isEmpty()) {
      return new Result(false, actions, summary(views, false));
    }

    // 4. replicas
    List<ClusterPlan.Member> masterMembers = new ArrayList<>();
    Map<String, Integer> replicasOf = new LinkedHashMap<>();
    List<ClusterPlan.Member> unassigned = new ArrayList<>();
    Map<String, Endpoint> byId = new LinkedHashMap<>();
    ids.forEach((endpoint, id) -> byId.put(id, endpoint));
    for (Endpoint endpoint : endpoints) {
      RedisClusterNode node = self(views, ids, endpoint);
      if (!node.hasNoSlots()) {
        masterMembers.add(new ClusterPlan.Member(node.getNodeId(), endpoint.kubernetesNode()));
      } else if (node.getSlaveOf() != null && byId.containsKey(node.getSlaveOf())) {
        replicasOf.merge(node.getSlaveOf(), 1, Integer::sum);
      } else {
        unassigned.add(new ClusterPlan.Member(node.getNodeId(), endpoint.kubernetesNode()));
      }
    }
    ClusterPlan.assignReplicas(masterMembers, replicasOf, unassigned).forEach((replica, master) -> {
      connections.to(byId.get(replica)).clusterReplicate(master);
      actions.add("replicate " + hostPort(byId.get(replica)) + " from " + hostPort(byId.get(master)));
    });
    if (!actions.isEmpty()) {
      return new Result(false, actions, summary(views, false));
    }

    // 5. converged: every node sees a healthy cluster and every replica has synced from its master.
    boolean ok = endpoints.stream().allMatch(endpoint -> connections.to(endpoint).clusterInfo().contains("cluster_state:ok"))
        && endpoints.stream().filter(endpoint -> self(views, ids, endpoint).getSlaveOf() != null)
            .allMatch(replica -> connections.to(replica).info("replication").contains("master_link_status:up"));
    return new Result(ok, ok ? List.of() : List.of("waiting for cluster_state:ok and replicas in sync"), summary(views, ok));
  }

  /** Slot owners first (they keep their slots), then empty unattached nodes in pod order. */
  private static List<Endpoint> chooseMasters(List<Endpoint> endpoints, Map<Endpoint, String> ids, Map<Endpoint, Partitions> views,
      int masters) {
    List<Endpoint> chosen = new ArrayList<>();
    for (Endpoint endpoint : endpoints) {
      if (!self(views, ids, endpoint).hasNoSlots()) {
        chosen.add(endpoint);
      }
    }
    for (Endpoint endpoint : endpoints) {
      RedisClusterNode node = self(views, ids, endpoint);
      if (chosen.size() >= masters) {
        break;
      }
      if (node.hasNoSlots() && node.getSlaveOf() == null && !chosen.contains(endpoint)) {
        chosen.add(endpoint);
      }
    }
    return chosen;
  }

  /** A node as it describes itself: authoritative for its own slots and role. */
  private static RedisClusterNode self(Map<Endpoint, Partitions> views, Map<Endpoint, String> ids, Endpoint endpoint) {
    return views.get(endpoint).getPartitionByNodeId(ids.get(endpoint));
  }

  private static ClusterSummary summary(Map<Endpoint, Partitions> views, boolean stateOk) {
    if (views.isEmpty()) {
      return new ClusterSummary(0, 0, Map.of(), false);
    }
    Partitions view = views.values().iterator().next();
    int slots = view.stream().mapToInt(n -> n.getSlots().size()).sum();
    Map<String, Integer> replicas = new LinkedHashMap<>();
    view.stream().filter(n -> !n.hasNoSlots()).forEach(m -> replicas.put(hostPort(m), 0));
    view.stream().filter(n -> n.getSlaveOf() != null).forEach(r -> {
      RedisClusterNode master = view.getPartitionByNodeId(r.getSlaveOf());
      if (master != null) {
        replicas.merge(hostPort(master), 1, Integer::sum);
      }
    });
    return new ClusterSummary(slots, (int) view.stream().filter(n -> !n.hasNoSlots()).count(), replicas, stateOk);
  }

  private static String hostPort(RedisClusterNode node) {
    return node.getUri() == null ? node.getNodeId() : node.getUri().getHost() + ":" + node.getUri().getPort();
  }

  private static String hostPort(Endpoint endpoint) {
    return endpoint.host() + ":" + endpoint.port();
  }
}
