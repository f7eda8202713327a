package io.redisgrpc.operator.redis.cluster;

import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.ReplicationRole;
import io.redisgrpc.operator.redis.cluster.SlotMigration.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Forms, heals and scales a Redis Cluster from pods, one idempotent, bounded step per call, so the
 * reconciler never blocks on gossip or on a long migration: it calls {@link #step} and requeues
 * until {@link Result#converged()}. Every step re-reads every node, so a crash (of the operator or
 * between any two commands) loses nothing: the next step sees what the nodes report and carries on.
 *
 * <p>Each step does the first thing that is missing, in this order (see DESIGN.md). The decisions
 * are {@link ClusterPlanner}'s (pure, unit-tested from fixtures); this class reads the nodes, asks
 * it phase by phase and sends the commands:
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
   * One step; {@code leaving} pods (a subset of {@code endpoints}) are drained of slots and
   * replicas and then reported {@link Result#removable()}.
   */
  public Result step(List<Endpoint> endpoints, int masters, Collection<Endpoint> leaving) {
    if (!endpoints.containsAll(leaving)) {
      throw new IllegalArgumentException("leaving pods must be among the endpoints");
    }
    if (leaving.size() >= endpoints.size()) {
      throw new IllegalArgumentException("at least one pod must stay");
    }
    List<String> actions = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    Map<String, ClusterView> views = new LinkedHashMap<>();
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
      return result(false, actions, views, "", List.of());
    }
    ClusterPlanner plan = new ClusterPlanner(nodes, views, leaving);
    views = plan.views();
    String anchorInfo;
    try {
      anchorInfo = connections.to(plan.anchor().endpoint()).clusterInfo();
    } catch (RedisException e) {
      return result(
          false,
          List.of("unreachable " + hostPort(plan.anchor().endpoint())),
          views,
          "",
          List.of());
    }
    try {
      // 1. re-address, 2. meet.
      for (ClusterPlanner.Meet meet : plan.readdress()) {
        meet(meet);
        actions.add(
            "meet "
                + hostPort(meet.pod().endpoint())
                + " from "
                + hostPort(meet.from().endpoint())
                + " (known at "
                + meet.knownAt()
                + ")");
      }
      for (ClusterPlanner.Meet meet : plan.meets()) {
        meet(meet);
        actions.add("meet " + hostPort(meet.pod().endpoint()));
      }
      if (!actions.isEmpty()) {
        return result(false, actions, views, anchorInfo, List.of());
      }

      // 3. forget nodes that are not pods, have failed, and own nothing.
      ClusterPlanner.Forgets forgets = plan.forgets();
      for (ClusterPlanner.Forget blocked : forgets.blocked()) {
        actions.add(
            "cannot forget "
                + SlotBalance.abbreviate(blocked.id())
                + " on its replica "
                + hostPort(blocked.on().endpoint())
                + " yet");
      }
      for (ClusterPlanner.Forget forget : forgets.forget()) {
        connections.to(forget.on().endpoint()).clusterForget(forget.id());
        actions.add(
            "forget "
                + SlotBalance.abbreviate(forget.id())
                + " on "
                + hostPort(forget.on().endpoint()));
      }
      if (!actions.isEmpty()) {
        return result(false, actions, views, anchorInfo, List.of());
      }

      // 4. wait for gossip.
      if (!plan.gossipComplete()) {
        return result(
            false,
            List.of("waiting for the nodes to learn about each other"),
            views,
            anchorInfo,
            List.of());
      }

      long deadline = System.nanoTime() + options.stepBudget().toNanos();
      // 5. open migrations.
      List<ClusterPlanner.OpenMigration> open = plan.openMigrations();
      if (!open.isEmpty()) {
        resolve(open, plan, actions, deadline);
        return result(false, actions, views, anchorInfo, List.of());
      }

      // 6. unowned slots.
      List<Node> chosen = plan.chooseMasters(masters);
      if (chosen.isEmpty()) {
        return result(false, List.of("no pod can be a master"), views, anchorInfo, List.of());
      }
      plan.unownedSlots(chosen)
          .forEach(
              (master, ranges) -> {
                @SuppressWarnings("unchecked")
                Range<Integer>[] lettuceRanges =
                    ranges.stream().map(r -> Range.create(r.from(), r.to())).toArray(Range[]::new);
                connections.to(master.endpoint()).clusterAddSlotsRange(lettuceRanges);
                actions.add("add slots " + ranges + " to " + hostPort(master.endpoint()));
              });
      if (!actions.isEmpty()) {
        return result(false, actions, views, anchorInfo, List.of());
      }
      // Slots owned by a node that is not a pod (failed, not failed over) cannot be moved: wait.
      Set<String> foreignOwners = plan.foreignOwners();
      if (!foreignOwners.isEmpty()) {
        return result(
            false,
            List.of("waiting: slots owned by nodes that are not pods " + foreignOwners),
            views,
            anchorInfo,
            List.of());
      }

      // 7. rebalance.
      List<SlotBalance.Move> moves = plan.moves(chosen);
      if (!moves.isEmpty()) {
        keepLeavingMastersMasters(plan.leavingOwners(), actions);
        move(moves, plan, actions, deadline);
        return result(false, actions, views, anchorInfo, List.of());
      }

      // 8. replicas.
      for (ClusterPlanner.Replicate replicate : plan.replicas(chosen)) {
        connections.to(replicate.replica().endpoint()).clusterReplicate(replicate.master().id());
        actions.add(
            "replicate "
                + hostPort(replicate.replica().endpoint())
                + " from "
                + hostPort(replicate.master().endpoint())
                + (replicate.was() == null
                    ? ""
                    : " (was " + hostPort(replicate.was().endpoint()) + ")"));
      }
      if (!actions.isEmpty()) {
        return result(false, actions, views, anchorInfo, List.of());
      }

      // 9. converged?
      List<String> waiting = new ArrayList<>(plan.viewsNotConverged());
      for (Node node : nodes) {
        if (!connections.to(node.endpoint()).clusterInfo().contains("cluster_state:ok")) {
          waiting.add(hostPort(node.endpoint()) + " not cluster_state:ok");
        }
        if (plan.masterIdOf(node) != null) {
          String replication = connections.to(node.endpoint()).info("replication");
          if (!replication.contains("master_link_status:up")) {
            Optional<Node> master = plan.masterOf(node);
            Optional<String> linkedTo = ReplicationRole.masterAddress(replication);
            if (master.isPresent()
                && linkedTo.isPresent()
                && ClusterPlanner.linkPointsElsewhere(linkedTo.get(), master.get().endpoint())) {
              // Redis keeps a replica's link on its master's old address when the new one came
              // by gossip (redis/redis#14633): after every pod restarted on new IPs, a replica
              // retried the old IP for good. CLUSTER REPLICATE with the same master re-reads it.
              connections.to(node.endpoint()).clusterReplicate(master.get().id());
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
        return result(false, actions, views, anchorInfo, List.of());
      }
      List<Endpoint> removable = plan.removable();
      boolean converged = waiting.isEmpty() && removable.size() == leaving.size();
      return result(
          converged,
          waiting.isEmpty() ? List.of() : List.of("waiting: " + waiting),
          views,
          anchorInfo,
          removable);
    } catch (RedisException e) {
      actions.add("error: " + e.getMessage());
      return result(false, actions, views, anchorInfo, List.of());
    }
  }

  private void meet(ClusterPlanner.Meet meet) {
    connections
        .to(meet.from().endpoint())
        .clusterMeet(meet.pod().endpoint().host(), meet.pod().endpoint().port());
  }

  /** Finishes or rolls back the half-moved slots, within the step's time budget. */
  private void resolve(
      List<ClusterPlanner.OpenMigration> open,
      ClusterPlanner plan,
      List<String> actions,
      long deadline) {
    for (ClusterPlanner.OpenMigration slot : open) {
      switch (slot.resolution()) {
        case ROLL_BACK ->
            slot.rollBackOn()
                .forEach(
                    node -> {
                      migration.rollBack(slot.slot(), node.endpoint());
                      actions.add(
                          "roll back slot " + slot.slot() + " on " + hostPort(node.endpoint()));
                    });
        case ASSIGN_TO_TARGET -> {
          if (!slot.targetOwns()) {
            connections
                .to(slot.target().endpoint())
                .clusterSetSlotNode(slot.slot(), slot.target().id());
          }
          actions.add(
              "slot "
                  + slot.slot()
                  + " assigned to "
                  + hostPort(slot.target().endpoint())
                  + " (its source is gone)");
        }
        case FINISH -> {
          if (System.nanoTime() > deadline) {
            actions.add("time budget spent; slot " + slot.slot() + " continues next step");
            return;
          }
          boolean done =
              migration.finish(
                  slot.slot(),
                  slot.source(),
                  slot.target(),
                  slot.targetOwns(),
                  slot.sourceMigrating(),
                  slot.targetImporting(),
                  plan.otherMasters(slot.source(), slot.target()),
                  deadline);
          actions.add(
              (done ? "finished moving slot " : "continuing slot ")
                  + slot.slot()
                  + " "
                  + hostPort(slot.source().endpoint())
                  + " -> "
                  + hostPort(slot.target().endpoint()));
          if (!done) {
            return;
          }
        }
      }
    }
  }

  private void move(
      List<SlotBalance.Move> moves, ClusterPlanner plan, List<String> actions, long deadline) {
    List<SlotBalance.Move> done = new ArrayList<>();
    Map<String, Boolean> serving = new HashMap<>();
    Map<String, Integer> ownerUnknown = new LinkedHashMap<>();
    for (SlotBalance.Move move : moves) {
      if (done.size() >= options.maxSlotsPerStep() || System.nanoTime() > deadline) {
        break;
      }
      Node source = plan.node(move.from());
      Node target = plan.node(move.to());
      // A slot is opened towards a master only once that master can serve it: the moment the
      // source says MIGRATING, clients are sent to the target with ASK for every key the source
      // lacks, and a target that answers CLUSTERDOWN fails those writes (see DESIGN.md).
      if (!serving.computeIfAbsent(target.id(), id -> canServe(target, actions))) {
        continue;
      }
      if (!plan.knowsOwner(target, move.slot(), source)) {
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
              plan.otherMasters(source, target),
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
                    + hostPort(plan.node(id).endpoint())
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
  private void keepLeavingMastersMasters(List<Node> leavingOwners, List<String> actions) {
    for (Node node : leavingOwners) {
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

  private static Result result(
      boolean converged,
      List<String> actions,
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
    return ClusterPlanner.hostPort(endpoint);
  }
}
