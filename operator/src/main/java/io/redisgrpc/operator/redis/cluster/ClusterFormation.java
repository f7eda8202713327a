package io.redisgrpc.operator.redis.cluster;

import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.ReplicationRole;
import io.redisgrpc.operator.redis.cluster.ClusterView.Entry;
import io.redisgrpc.operator.redis.cluster.SlotMigration.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Forms, heals and scales a Redis Cluster from pods, one idempotent, bounded step per call, so the
 * reconciler never blocks on gossip or on a long migration: it calls {@link #step} and requeues
 * until {@link Result#converged()}. Every step re-reads every node, so a crash (of the operator or
 * between any two commands) loses nothing: the next step sees what the nodes report and carries on.
 *
 * <p>Each step does the first thing that is missing, in this order (see DESIGN.md):
 *
 * <ol>
 *   <li><b>re-address</b>: a node that knows a pod's id at another address (or without one, or
 *       failing) MEETs it at its current address: pods that come back with a new IP rejoin;
 *   <li><b>meet</b>: the anchor (the staying pod that knows the most nodes, pod order breaking
 *       ties) MEETs every pod it does not know yet;
 *   <li><b>forget</b>: nodes that are not among the pods, are FAIL or NOADDR, and own no slot are
 *       CLUSTER FORGOTTEN on every pod, in one step (FORGET bans a node for 60 s only);
 *   <li><b>wait for gossip</b>: until every pod knows every pod and no handshake is pending;
 *   <li><b>open migrations</b>: slots left MIGRATING/IMPORTING (by a crash or by the time budget)
 *       are finished towards their target, or rolled back if the target is gone;
 *   <li><b>unowned slots</b> are added to masters by the even split ({@link ClusterPlan});
 *   <li><b>rebalance</b>: slots move ({@link SlotBalance}, {@link SlotMigration}) until the chosen
 *       masters hold even shares and the leaving masters none, within a time budget; a slot moves
 *       only to a master that serves ({@code cluster_state:ok}) and already knows the slot's
 *       current owner, so no client is redirected to a node that would refuse it; a leaving master
 *       stays a master once emptied (no resync while stale clients reach it);
 *   <li><b>replicas</b>: every other staying pod replicates a chosen master, spread evenly and on
 *       other Kubernetes nodes where known ({@link ClusterPlan#assignReplicas});
 *   <li><b>converged</b>: every pod reports {@code cluster_state:ok}, knows every pod at its
 *       current address, and every replica's link is up.
 * </ol>
 *
 * A step against a converged cluster issues no command that changes anything.
 */
public final class ClusterFormation {
  /**
   * What a step did and where the cluster stands.
   *
   * @param converged nothing is left to do for this input (with {@code leaving} pods: they are all
   *     drained, and {@code removable} lists them)
   * @param actions what this step changed, or what it waits for
   * @param report the full state for status: coverage, masters, replicas, failed nodes, migrations
   * @param removable leaving pods whose removal now loses nothing (no slots, no replica follows
   *     them, no migration involves them); delete them, then keep stepping without them so they are
   *     forgotten
   */
  public record Result(
      boolean converged, List<String> actions, ClusterReport report, List<Endpoint> removable) {}

  /**
   * Limits of one step and MIGRATE settings.
   *
   * @param keysPerMigrate keys per GETKEYSINSLOT / MIGRATE batch
   * @param maxSlotsPerStep slots moved at most per step
   * @param stepBudget time after which a step starts no new batch (a half-moved slot is finished by
   *     the next step)
   * @param migrateTimeout MIGRATE's own timeout
   * @param migrateUser ACL user MIGRATE authenticates with on the target (AUTH2), null for none
   * @param migratePassword its password
   */
  public record Options(
      int keysPerMigrate,
      int maxSlotsPerStep,
      Duration stepBudget,
      Duration migrateTimeout,
      String migrateUser,
      String migratePassword) {
    public static final Options DEFAULTS =
        new Options(100, 512, Duration.ofSeconds(2), Duration.ofSeconds(5), null, null);

    @Override
    public String toString() {
      return "Options[keysPerMigrate="
          + keysPerMigrate
          + ", maxSlotsPerStep="
          + maxSlotsPerStep
          + ", stepBudget="
          + stepBudget
          + ", migrateTimeout="
          + migrateTimeout
          + ", migrateUser="
          + migrateUser
          + "]";
    }
  }

  private static final Pattern IP = Pattern.compile("^[0-9.]+$|:");

  private final NodeConnections connections;
  private final Options options;
  private final SlotMigration migration;

  public ClusterFormation(NodeConnections connections) {
    this(connections, Options.DEFAULTS);
  }

  public ClusterFormation(NodeConnections connections, Options options) {
    this.connections = connections;
    this.options = options;
    this.migration = new SlotMigration(connections, options);
  }

  /**
   * One step towards a cluster of {@code masters} masters over {@code endpoints} (in pod order).
   */
  public Result step(List<Endpoint> endpoints, int masters) {
    return step(endpoints, masters, List.of());
  }

  /**
   * One step towards a cluster of {@code masters} masters over the pods {@code endpoints} (in pod
   * order, every pod that exists), draining the pods in {@code leaving} (a subset of {@code
   * endpoints}, e.g. the highest ordinals when shards or replicas go down).
   */
  public Result step(List<Endpoint> endpoints, int masters, Collection<Endpoint> leaving) {
    if (!endpoints.containsAll(leaving)) {
      throw new IllegalArgumentException("leaving pods must be among the endpoints");
    }
    if (leaving.size() >= endpoints.size()) {
      throw new IllegalArgumentException("at least one pod must stay");
    }
    Set<Endpoint> gone = new HashSet<>(leaving);
    List<String> actions = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    Map<String, ClusterView> views = new LinkedHashMap<>();
    String anchorInfo = "";
    for (Endpoint endpoint : endpoints) {
      try {
        ClusterView view = ClusterView.parse(connections.to(endpoint).clusterNodes());
        nodes.add(new Node(endpoint, view.myself().id()));
        views.put(view.myself().id(), view);
      } catch (RedisException e) {
        actions.add("unreachable " + hostPort(endpoint) + " (" + e.getMessage() + ")");
      }
    }
    if (nodes.size() < endpoints.size()) {
      return result(false, actions, nodes, views, anchorInfo, List.of());
    }
    // The anchor: the staying pod that knows the most nodes (pod order breaks ties), so a pod
    // that came back empty does not speak for the cluster.
    Map<String, ClusterView> known = views;
    Node anchor =
        nodes.stream()
            .filter(n -> !gone.contains(n.endpoint()))
            .max(
                Comparator.comparingInt((Node n) -> known.get(n.id()).entries().size())
                    .thenComparing(
                        Comparator.comparingInt((Node n) -> nodes.indexOf(n)).reversed()))
            .orElseThrow();
    ClusterView anchorView = views.get(anchor.id());
    // The anchor's view first: it is the one reported.
    Map<String, ClusterView> reordered = new LinkedHashMap<>();
    reordered.put(anchor.id(), anchorView);
    reordered.putAll(views);
    views = reordered;
    try {
      anchorInfo = connections.to(anchor.endpoint()).clusterInfo();
    } catch (RedisException e) {
      return result(
          false,
          List.of("unreachable " + hostPort(anchor.endpoint())),
          nodes,
          views,
          anchorInfo,
          List.of());
    }
    Set<String> podIds = new LinkedHashSet<>();
    nodes.forEach(n -> podIds.add(n.id()));

    try {
      // 1. re-address: someone knows this pod's id, but not at its current address.
      for (Node viewer : nodes) {
        ClusterView view = views.get(viewer.id());
        for (Node pod : nodes) {
          Optional<Entry> seen = view.node(pod.id());
          if (pod != viewer
              && seen.isPresent()
              && addressDiffers(seen.get(), pod.endpoint())
              && view.entries().stream()
                  .noneMatch(e -> e.handshake() && e.port() == pod.endpoint().port())) {
            connections
                .to(viewer.endpoint())
                .clusterMeet(pod.endpoint().host(), pod.endpoint().port());
            actions.add(
                "meet "
                    + hostPort(pod.endpoint())
                    + " from "
                    + hostPort(viewer.endpoint())
                    + " (known at "
                    + seen.get().address()
                    + ")");
          }
        }
      }
      // 2. meet pods the anchor does not know.
      for (Node pod : nodes) {
        if (anchorView.node(pod.id()).isEmpty()) {
          connections
              .to(anchor.endpoint())
              .clusterMeet(pod.endpoint().host(), pod.endpoint().port());
          actions.add("meet " + hostPort(pod.endpoint()));
        }
      }
      if (!actions.isEmpty()) {
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }

      // 3. forget nodes that are not pods, have failed, and own nothing.
      forgetStale(nodes, views, podIds, actions);
      if (!actions.isEmpty()) {
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }

      // 4. wait for gossip.
      for (ClusterView view : views.values()) {
        boolean complete =
            podIds.stream().allMatch(id -> view.node(id).filter(e -> !e.noAddress()).isPresent())
                && view.entries().stream().noneMatch(Entry::handshake);
        if (!complete) {
          return result(
              false,
              List.of("waiting for the nodes to learn about each other"),
              nodes,
              views,
              anchorInfo,
              List.of());
        }
      }

      long deadline = System.nanoTime() + options.stepBudget().toNanos();
      // 5. open migrations, from every node's own line.
      if (resolveOpenMigrations(nodes, views, actions, deadline)) {
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }

      // 6. unowned slots.
      BitSet owned = new BitSet(ClusterPlan.SLOTS);
      Map<String, BitSet> ownedBy = new LinkedHashMap<>();
      for (Node node : nodes) {
        BitSet slots = self(views, node).slots();
        owned.or(slots);
        if (!slots.isEmpty()) {
          ownedBy.put(node.id(), slots);
        }
      }
      List<Node> chosen = chooseMasters(nodes, views, gone, masters);
      if (chosen.isEmpty()) {
        return result(
            false, List.of("no pod can be a master"), nodes, views, anchorInfo, List.of());
      }
      boolean[] ownedArray = new boolean[ClusterPlan.SLOTS];
      owned.stream().forEach(s -> ownedArray[s] = true);
      ClusterPlan.unownedSlots(chosen.size(), ownedArray)
          .forEach(
              (index, ranges) -> {
                Node master = chosen.get(index);
                @SuppressWarnings("unchecked")
                Range<Integer>[] lettuceRanges =
                    ranges.stream().map(r -> Range.create(r.from(), r.to())).toArray(Range[]::new);
                connections.to(master.endpoint()).clusterAddSlotsRange(lettuceRanges);
                actions.add("add slots " + ranges + " to " + hostPort(master.endpoint()));
              });
      if (!actions.isEmpty()) {
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }
      // Slots owned by a node that is not a pod (failed, not failed over) cannot be moved: wait.
      Set<String> foreignOwners = new LinkedHashSet<>();
      anchorView.owners().stream()
          .filter(o -> !podIds.contains(o.id()))
          .forEach(o -> foreignOwners.add(o.address()));
      if (!foreignOwners.isEmpty()) {
        return result(
            false,
            List.of("waiting: slots owned by nodes that are not pods " + foreignOwners),
            nodes,
            views,
            anchorInfo,
            List.of());
      }

      // 7. rebalance.
      List<SlotBalance.Move> moves =
          SlotBalance.plan(ownedBy, chosen.stream().map(Node::id).toList());
      if (!moves.isEmpty()) {
        keepLeavingMastersMasters(nodes, views, gone, actions);
        move(moves, nodes, views, actions, deadline);
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }

      // 8. replicas.
      assignReplicas(nodes, views, gone, chosen, actions);
      if (!actions.isEmpty()) {
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }

      // 9. converged?
      List<String> waiting = new ArrayList<>();
      for (ClusterView view : views.values()) {
        view.entries().stream()
            .filter(e -> !podIds.contains(e.id()))
            .forEach(e -> waiting.add(e.address() + " is not a pod; forgotten once it fails"));
      }
      for (Node node : nodes) {
        if (!connections.to(node.endpoint()).clusterInfo().contains("cluster_state:ok")) {
          waiting.add(hostPort(node.endpoint()) + " not cluster_state:ok");
        }
        ClusterView view = views.get(node.id());
        for (Node pod : nodes) {
          view.node(pod.id())
              .filter(e -> e.failing() || addressDiffers(e, pod.endpoint()))
              .ifPresent(
                  e ->
                      waiting.add(
                          hostPort(node.endpoint())
                              + " sees "
                              + hostPort(pod.endpoint())
                              + " as "
                              + e.flags()));
        }
        String masterId = self(views, node).masterId();
        if (masterId != null) {
          String replication = connections.to(node.endpoint()).info("replication");
          if (!replication.contains("master_link_status:up")) {
            Optional<Node> master = nodes.stream().filter(n -> n.id().equals(masterId)).findFirst();
            Optional<String> linkedTo = ReplicationRole.masterAddress(replication);
            if (master.isPresent()
                && linkedTo.isPresent()
                && linkPointsElsewhere(linkedTo.get(), master.get().endpoint())) {
              // Redis keeps a replica's link on its master's old address when the new one came
              // by gossip (redis/redis#14633): after every pod restarted on new IPs, a replica
              // retried the old IP for good. CLUSTER REPLICATE with the same master re-reads it.
              connections.to(node.endpoint()).clusterReplicate(masterId);
              actions.add(
                  "re-point replica "
                      + hostPort(node.endpoint())
                      + " at its master "
                      + hostPort(master.get().endpoint())
                      + " (it still replicated from "
                      + linkedTo.get()
                      + ")");
            } else {
              waiting.add(hostPort(node.endpoint()) + " replica link down");
            }
          }
        }
      }
      if (!actions.isEmpty()) {
        return result(false, actions, nodes, views, anchorInfo, List.of());
      }
      List<Endpoint> removable = removable(nodes, views, gone);
      boolean converged = waiting.isEmpty() && removable.size() == gone.size();
      return result(
          converged,
          waiting.isEmpty() ? List.of() : List.of("waiting: " + waiting),
          nodes,
          views,
          anchorInfo,
          removable);
    } catch (RedisException e) {
      actions.add("error: " + e.getMessage());
      return result(false, actions, nodes, views, anchorInfo, List.of());
    }
  }

  private void forgetStale(
      List<Node> nodes, Map<String, ClusterView> views, Set<String> podIds, List<String> actions) {
    Set<String> stale = new LinkedHashSet<>();
    Set<String> owners = new HashSet<>();
    for (ClusterView view : views.values()) {
      for (Entry e : view.entries()) {
        if (!e.handshake() && !podIds.contains(e.id()) && (e.failed() || e.noAddress())) {
          stale.add(e.id());
        }
        if (e.slotCount() > 0) {
          owners.add(e.id());
        }
      }
    }
    stale.removeAll(owners);
    for (String id : stale) {
      for (Node node : nodes) {
        ClusterView view = views.get(node.id());
        if (view.node(id).isEmpty()) {
          continue;
        }
        if (id.equals(view.myself().masterId())) {
          actions.add(
              "cannot forget "
                  + SlotBalance.abbreviate(id)
                  + " on its replica "
                  + hostPort(node.endpoint())
                  + " yet");
          continue;
        }
        connections.to(node.endpoint()).clusterForget(id);
        actions.add("forget " + SlotBalance.abbreviate(id) + " on " + hostPort(node.endpoint()));
      }
    }
  }

  /** Finishes or rolls back every half-moved slot; true if there was any. */
  private boolean resolveOpenMigrations(
      List<Node> nodes, Map<String, ClusterView> views, List<String> actions, long deadline) {
    // slot -> (source id, target id), from both sides' own lines.
    Map<Integer, String[]> open = new TreeMap<>();
    for (Node node : nodes) {
      Entry self = self(views, node);
      self.migrating().forEach((slot, to) -> open.put(slot, new String[] {node.id(), to}));
      self.importing()
          .forEach((slot, from) -> open.putIfAbsent(slot, new String[] {from, node.id()}));
    }
    if (open.isEmpty()) {
      return false;
    }
    Map<String, Node> byId = new LinkedHashMap<>();
    nodes.forEach(n -> byId.put(n.id(), n));
    for (Map.Entry<Integer, String[]> slotState : open.entrySet()) {
      int slot = slotState.getKey();
      Node source = byId.get(slotState.getValue()[0]);
      Node target = byId.get(slotState.getValue()[1]);
      if (target == null || self(views, target).replica()) {
        // The target is gone (or no longer a master): the source keeps the slot.
        for (Node node : nodes) {
          Entry self = self(views, node);
          if (self.migrating().containsKey(slot) || self.importing().containsKey(slot)) {
            migration.rollBack(slot, node.endpoint());
            actions.add("roll back slot " + slot + " on " + hostPort(node.endpoint()));
          }
        }
        continue;
      }
      Entry targetSelf = self(views, target);
      boolean targetOwns = targetSelf.slots().get(slot);
      if (source == null) {
        // The source is gone: the target takes the slot with what it has.
        if (!targetOwns) {
          connections.to(target.endpoint()).clusterSetSlotNode(slot, target.id());
        }
        actions.add(
            "slot "
                + slot
                + " assigned to "
                + hostPort(target.endpoint())
                + " (its source is gone)");
        continue;
      }
      if (System.nanoTime() > deadline) {
        actions.add("time budget spent; slot " + slot + " continues next step");
        return true;
      }
      Entry sourceSelf = self(views, source);
      boolean done =
          migration.finish(
              slot,
              source,
              target,
              targetOwns,
              to(sourceSelf.migrating().get(slot), target.id()),
              to(targetSelf.importing().get(slot), source.id()),
              otherMasters(nodes, views, source, target),
              deadline);
      actions.add(
          (done ? "finished moving slot " : "continuing slot ")
              + slot
              + " "
              + hostPort(source.endpoint())
              + " -> "
              + hostPort(target.endpoint()));
      if (!done) {
        return true;
      }
    }
    return true;
  }

  private void move(
      List<SlotBalance.Move> moves,
      List<Node> nodes,
      Map<String, ClusterView> views,
      List<String> actions,
      long deadline) {
    Map<String, Node> byId = new LinkedHashMap<>();
    nodes.forEach(n -> byId.put(n.id(), n));
    List<SlotBalance.Move> done = new ArrayList<>();
    Map<String, Boolean> serving = new HashMap<>();
    Map<String, Integer> ownerUnknown = new LinkedHashMap<>();
    for (SlotBalance.Move move : moves) {
      if (done.size() >= options.maxSlotsPerStep() || System.nanoTime() > deadline) {
        break;
      }
      Node source = byId.get(move.from());
      Node target = byId.get(move.to());
      // A slot is opened towards a master only once that master can serve it: the moment the
      // source says MIGRATING, clients are sent to the target with ASK for every key the source
      // lacks, and a target that answers CLUSTERDOWN fails those writes (see DESIGN.md).
      if (!serving.computeIfAbsent(target.id(), id -> canServe(target, actions))) {
        continue;
      }
      if (!views.get(target.id()).ownerOf(move.slot()).filter(source.id()::equals).isPresent()) {
        ownerUnknown.merge(target.id(), 1, Integer::sum);
        continue;
      }
      boolean complete =
          migration.finish(
              move.slot(),
              source,
              target,
              false,
              false,
              false,
              otherMasters(nodes, views, source, target),
              deadline);
      if (!complete) {
        actions.add(
            "slot "
                + move.slot()
                + " half-moved when the step's time ran out; continues next step");
        break;
      }
      done.add(move);
    }
    SlotBalance.describe(done).forEach(d -> actions.add("moved slots " + d));
    ownerUnknown.forEach(
        (id, slots) ->
            actions.add(
                "waiting: "
                    + hostPort(byId.get(id).endpoint())
                    + " does not know yet who owns "
                    + slots
                    + " of the slots it is to receive (gossip)"));
    actions.add((moves.size() - done.size()) + " slots left to move");
  }

  /**
   * A master that gives away its last slot turns itself into a replica of the slot's new owner
   * (Redis' cluster-allow-replica-migration), unless told not to. For a leaving pod that is
   * harmful: it then resyncs the whole dataset from that master, and a client still routing a slot
   * to it by a stale slot map gets -LOADING (a failed write) instead of -MOVED while it loads; it
   * also refuses the operator's own SETSLOT NODE ("use SETSLOT only with masters"). A leaving
   * master stays an empty master until its pod is removed.
   */
  private void keepLeavingMastersMasters(
      List<Node> nodes, Map<String, ClusterView> views, Set<Endpoint> gone, List<String> actions) {
    for (Node node : nodes) {
      if (gone.contains(node.endpoint()) && self(views, node).slotCount() > 0) {
        var commands = connections.to(node.endpoint());
        if (!"no"
            .equals(
                commands
                    .configGet("cluster-allow-replica-migration")
                    .get("cluster-allow-replica-migration"))) {
          commands.configSet("cluster-allow-replica-migration", "no");
          actions.add("cluster-allow-replica-migration no on leaving " + hostPort(node.endpoint()));
        }
      }
    }
  }

  /**
   * True if {@code target} serves commands ({@code cluster_state:ok}). A new master does not for
   * its first 2 s (Redis' CLUSTER_WRITABLE_DELAY) and, with full coverage required, until gossip
   * has told it every slot's owner; meanwhile it answers every key command with CLUSTERDOWN.
   */
  private boolean canServe(Node target, List<String> actions) {
    if (connections.to(target.endpoint()).clusterInfo().contains("cluster_state:ok")) {
      return true;
    }
    actions.add(
        "waiting: "
            + hostPort(target.endpoint())
            + " does not serve yet (cluster_state is not ok); no slot moves to it before");
    return false;
  }

  private void assignReplicas(
      List<Node> nodes,
      Map<String, ClusterView> views,
      Set<Endpoint> gone,
      List<Node> chosen,
      List<String> actions) {
    Map<String, Node> byId = new LinkedHashMap<>();
    nodes.forEach(n -> byId.put(n.id(), n));
    Set<String> masterIds = new LinkedHashSet<>();
    chosen.forEach(m -> masterIds.add(m.id()));
    List<ClusterPlan.Member> masterMembers =
        chosen.stream()
            .map(m -> new ClusterPlan.Member(m.id(), m.endpoint().kubernetesNode()))
            .toList();
    Map<String, List<Node>> replicasOf = new LinkedHashMap<>();
    chosen.forEach(m -> replicasOf.put(m.id(), new ArrayList<>()));
    List<ClusterPlan.Member> unassigned = new ArrayList<>();
    for (Node node : nodes) {
      if (gone.contains(node.endpoint()) || masterIds.contains(node.id())) {
        continue;
      }
      Entry self = self(views, node);
      if (self.slotCount() > 0) {
        continue; // a master being drained; Redis makes it a replica once empty
      }
      if (self.masterId() != null && masterIds.contains(self.masterId())) {
        replicasOf.get(self.masterId()).add(node);
      } else {
        unassigned.add(new ClusterPlan.Member(node.id(), node.endpoint().kubernetesNode()));
      }
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    replicasOf.forEach((id, list) -> counts.put(id, list.size()));
    ClusterPlan.assignReplicas(masterMembers, counts, unassigned)
        .forEach(
            (replica, master) -> {
              connections.to(byId.get(replica).endpoint()).clusterReplicate(master);
              actions.add(
                  "replicate "
                      + hostPort(byId.get(replica).endpoint())
                      + " from "
                      + hostPort(byId.get(master).endpoint()));
            });
    if (!actions.isEmpty()) {
      return;
    }
    // Even out: a master with two more replicas than another hands one over.
    Node most =
        chosen.stream()
            .max(Comparator.comparingInt(m -> replicasOf.get(m.id()).size()))
            .orElseThrow();
    Node least =
        chosen.stream()
            .min(Comparator.comparingInt(m -> replicasOf.get(m.id()).size()))
            .orElseThrow();
    if (replicasOf.get(most.id()).size() - replicasOf.get(least.id()).size() >= 2) {
      List<Node> candidates = replicasOf.get(most.id());
      Node replica =
          candidates.stream()
              .filter(
                  r ->
                      r.endpoint().kubernetesNode() == null
                          || !Objects.equals(
                              r.endpoint().kubernetesNode(), least.endpoint().kubernetesNode()))
              .findFirst()
              .orElse(candidates.get(0));
      connections.to(replica.endpoint()).clusterReplicate(least.id());
      actions.add(
          "replicate "
              + hostPort(replica.endpoint())
              + " from "
              + hostPort(least.endpoint())
              + " (was "
              + hostPort(most.endpoint())
              + ")");
    }
  }

  /**
   * Leaving pods that own nothing, are followed by no staying pod, and take part in no migration.
   */
  private static List<Endpoint> removable(
      List<Node> nodes, Map<String, ClusterView> views, Set<Endpoint> gone) {
    List<Endpoint> removable = new ArrayList<>();
    for (Node node : nodes) {
      if (!gone.contains(node.endpoint())) {
        continue;
      }
      Entry self = self(views, node);
      boolean followed =
          nodes.stream()
              .anyMatch(
                  n -> !gone.contains(n.endpoint()) && node.id().equals(self(views, n).masterId()));
      boolean migrating =
          nodes.stream()
              .map(n -> self(views, n))
              .anyMatch(
                  e ->
                      e.migrating().containsValue(node.id())
                          || e.importing().containsValue(node.id()));
      if (self.slotCount() == 0
          && self.migrating().isEmpty()
          && self.importing().isEmpty()
          && !followed
          && !migrating) {
        removable.add(node.endpoint());
      }
    }
    return removable;
  }

  /**
   * The masters to end with: staying slot owners in pod order (at most {@code masters}), topped up
   * with staying empty, unattached pods in pod order. Owners beyond the count are drained.
   */
  private static List<Node> chooseMasters(
      List<Node> nodes, Map<String, ClusterView> views, Set<Endpoint> gone, int masters) {
    List<Node> chosen = new ArrayList<>();
    for (Node node : nodes) {
      if (!gone.contains(node.endpoint())
          && self(views, node).slotCount() > 0
          && chosen.size() < masters) {
        chosen.add(node);
      }
    }
    for (Node node : nodes) {
      Entry self = self(views, node);
      if (chosen.size() >= masters) {
        break;
      }
      if (!gone.contains(node.endpoint())
          && self.slotCount() == 0
          && self.masterId() == null
          && !chosen.contains(node)) {
        chosen.add(node);
      }
    }
    return chosen;
  }

  private static List<Endpoint> otherMasters(
      List<Node> nodes, Map<String, ClusterView> views, Node source, Node target) {
    return nodes.stream()
        .filter(n -> n != source && n != target && self(views, n).masterId() == null)
        .map(Node::endpoint)
        .toList();
  }

  private static boolean to(String actual, String expected) {
    return expected.equals(actual);
  }

  /** True if {@code seen} does not point at the pod's current address. */
  private static boolean addressDiffers(Entry seen, Endpoint endpoint) {
    if (seen.noAddress() || seen.port() != endpoint.port()) {
      return true;
    }
    // A DNS name can't be compared with the IP Redis prints; an IP can.
    return IP.matcher(endpoint.host()).find() && !seen.host().equals(endpoint.host());
  }

  /**
   * The replica's link ("host:port") is not the master pod's address (compared when the pod is
   * known by IP).
   */
  static boolean linkPointsElsewhere(String linkedTo, Endpoint master) {
    return IP.matcher(master.host()).find()
        && !linkedTo.equals(master.host() + ":" + master.port());
  }

  private static Entry self(Map<String, ClusterView> views, Node node) {
    return views.get(node.id()).myself();
  }

  private static Result result(
      boolean converged,
      List<String> actions,
      List<Node> nodes,
      Map<String, ClusterView> views,
      String anchorInfo,
      List<Endpoint> removable) {
    if (views.isEmpty()) {
      return new Result(converged, List.copyOf(actions), ClusterReport.EMPTY, removable);
    }
    ClusterView anchor = views.values().iterator().next();
    ClusterReport report = ClusterReport.of(anchor, anchorInfo, views.values());
    return new Result(converged, List.copyOf(actions), report, List.copyOf(removable));
  }

  private static String hostPort(Endpoint endpoint) {
    return endpoint.host() + ":" + endpoint.port();
  }
}
