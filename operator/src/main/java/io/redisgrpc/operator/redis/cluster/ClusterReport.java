package io.redisgrpc.operator.redis.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's state for the resource's status, derived purely from what the nodes report (CLUSTER
 * NODES of every reachable node, CLUSTER INFO of one of them).
 *
 * @param slotsCovered slots owned by a master that is not failed (of 16384)
 * @param masters masters owning at least one slot
 * @param replicasPerMaster master address to its healthy replicas
 * @param failedNodes nodes flagged fail, fail? (suspected) or noaddr by the reporting node
 * @param migrations slots in MIGRATING/IMPORTING state, as "slot source->target" (node id prefixes)
 * @param stateOk the reporting node says {@code cluster_state:ok}
 */
public record ClusterReport(
    int slotsCovered,
    int masters,
    Map<String, Integer> replicasPerMaster,
    int failedNodes,
    List<String> migrations,
    boolean stateOk) {
  public static final ClusterReport EMPTY = new ClusterReport(0, 0, Map.of(), 0, List.of(), false);

  public ClusterReport {
    replicasPerMaster = Collections.unmodifiableMap(new LinkedHashMap<>(replicasPerMaster));
    migrations = List.copyOf(migrations);
  }

  public boolean complete() {
    return stateOk && slotsCovered == ClusterPlan.SLOTS && failedNodes == 0 && migrations.isEmpty();
  }

  /**
   * @param reporter CLUSTER NODES of the node whose view is reported (the anchor)
   * @param reporterInfo CLUSTER INFO of the same node
   * @param all CLUSTER NODES of every reachable node (open migrations appear only on a node's own
   *     line)
   */
  public static ClusterReport of(
      ClusterView reporter, String reporterInfo, Collection<ClusterView> all) {
    BitSet covered = new BitSet(ClusterPlan.SLOTS);
    reporter.entries().stream().filter(e -> !e.failed()).forEach(e -> covered.or(e.slots()));
    Map<String, Integer> replicas = new LinkedHashMap<>();
    reporter
        .replicasPerOwner()
        .forEach((id, n) -> replicas.put(reporter.node(id).orElseThrow().address(), n));
    int failed = (int) reporter.entries().stream().filter(ClusterView.Entry::failing).count();
    List<String> migrations = new ArrayList<>();
    for (ClusterView view : all) {
      ClusterView.Entry self = view.myself();
      self.migrating()
          .forEach(
              (slot, to) ->
                  migrations.add(
                      slot
                          + " "
                          + SlotBalance.abbreviate(self.id())
                          + "->"
                          + SlotBalance.abbreviate(to)));
      self.importing()
          .forEach(
              (slot, from) -> {
                String line =
                    slot
                        + " "
                        + SlotBalance.abbreviate(from)
                        + "->"
                        + SlotBalance.abbreviate(self.id());
                if (!migrations.contains(line)) {
                  migrations.add(line);
                }
              });
    }
    boolean ok = reporterInfo.lines().anyMatch(l -> l.trim().equals("cluster_state:ok"));
    int masters = (int) reporter.owners().stream().filter(e -> !e.failed()).count();
    return new ClusterReport(covered.cardinality(), masters, replicas, failed, migrations, ok);
  }
}
