package io.redisgrpc.operator.redis.cluster;

import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.cluster.ClusterView.Entry;
import io.redisgrpc.operator.redis.cluster.SlotMigration.Node;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
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
 * The decisions of a {@link ClusterFormation} step, without I/O: from what every pod reported
 * ({@code CLUSTER NODES}), which pods leave and how many masters the spec asks for, what is to be
 * done in each phase. {@code ClusterFormation} reads the nodes, asks this class phase by phase (in
 * the order its javadoc gives) and sends the commands; this class is unit-tested from {@code
 * CLUSTER NODES} fixtures.
 */
final class ClusterPlanner {
  /** {@code from} MEETs {@code pod}; {@code knownAt} is the stale address it had, null if none. */
  record Meet(Node from, Node pod, String knownAt) {}

  /** {@code on} forgets the node {@code id}. */
  record Forget(Node on, String id) {}

  /**
   * Forgets to send, and the ones that must wait ({@code blocked}: a replica cannot forget its own
   * master).
   */
  record Forgets(List<Forget> forget, List<Forget> blocked) {}

  /** What to do with a slot left MIGRATING/IMPORTING (by a crash or by the time budget). */
  enum Resolution {
    /** The target is gone or no longer a master: every node that has it open closes it. */
    ROLL_BACK,
    /** The source is gone: the target takes the slot with what it has. */
    ASSIGN_TO_TARGET,
    /** Both are there: finish moving the slot. */
    FINISH
  }

  /**
   * An open slot migration and its resolution. For {@link Resolution#ROLL_BACK}, {@code rollBackOn}
   * lists the nodes that have it open; for {@link Resolution#FINISH} the flags say how far it got.
   */
  record OpenMigration(
      int slot,
      Node source,
      Node target,
      Resolution resolution,
      List<Node> rollBackOn,
      boolean targetOwns,
      boolean sourceMigrating,
      boolean targetImporting) {}

  /** {@code replica} is to replicate {@code master}; {@code was} its master before, if moved. */
  record Replicate(Node replica, Node master, Node was) {}

  private static final Pattern IP = Pattern.compile("^[0-9.]+$|:");

  private final List<Node> nodes;
  private final Map<String, ClusterView> views;
  private final Set<Endpoint> gone;
  private final Node anchor;

  /** The pods by id, in pod order. */
  private final Map<String, Node> byId = new LinkedHashMap<>();

  private final Set<String> podIds = byId.keySet();

  /**
   * @param nodes every pod, in pod order, with the id it reported
   * @param views each pod's CLUSTER NODES, by its id
   * @param leaving the pods that leave (a subset of the nodes' endpoints; at least one stays)
   */
  ClusterPlanner(List<Node> nodes, Map<String, ClusterView> views, Collection<Endpoint> leaving) {
    this.nodes = List.copyOf(nodes);
    this.gone = Set.copyOf(leaving);
    nodes.forEach(n -> byId.put(n.id(), n));
    // The anchor: the staying pod that knows the most nodes (pod order breaks ties), so a pod
    // that came back empty does not speak for the cluster.
    this.anchor =
        nodes.stream()
            .filter(n -> !gone.contains(n.endpoint()))
            .max(
                Comparator.comparingInt((Node n) -> views.get(n.id()).entries().size())
                    .thenComparing(
                        Comparator.comparingInt((Node n) -> nodes.indexOf(n)).reversed()))
            .orElseThrow(() -> new IllegalArgumentException("at least one pod must stay"));
    // The anchor's view first: it is the one reported.
    Map<String, ClusterView> ordered = new LinkedHashMap<>();
    ordered.put(anchor.id(), views.get(anchor.id()));
    ordered.putAll(views);
    this.views = ordered;
  }

  Node anchor() {
    return anchor;
  }

  /** Every pod's view, the anchor's first. */
  Map<String, ClusterView> views() {
    return views;
  }

  /** 1. A pod known by its id at another address (or without one) is met at its current one. */
  List<Meet> readdress() {
    List<Meet> meets = new ArrayList<>();
    for (Node viewer : nodes) {
      ClusterView view = views.get(viewer.id());
      for (Node pod : nodes) {
        Optional<Entry> seen = view.node(pod.id());
        if (pod != viewer
            && seen.isPresent()
            && addressDiffers(seen.get(), pod.endpoint())
            && view.entries().stream()
                .noneMatch(e -> e.handshake() && e.port() == pod.endpoint().port())) {
          meets.add(new Meet(viewer, pod, seen.get().address()));
        }
      }
    }
    return meets;
  }

  /** 2. The anchor meets the pods it does not know. */
  List<Meet> meets() {
    return nodes.stream()
        .filter(pod -> views.get(anchor.id()).node(pod.id()).isEmpty())
        .map(pod -> new Meet(anchor, pod, null))
        .toList();
  }

  /** 3. Nodes that are not pods, are FAIL or NOADDR and own no slot: forgotten on every pod. */
  Forgets forgets() {
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
    List<Forget> forget = new ArrayList<>();
    List<Forget> blocked = new ArrayList<>();
    for (String id : stale) {
      for (Node node : nodes) {
        ClusterView view = views.get(node.id());
        if (view.node(id).isEmpty()) {
          continue;
        }
        (id.equals(view.myself().masterId()) ? blocked : forget).add(new Forget(node, id));
      }
    }
    return new Forgets(forget, blocked);
  }

  /** 4. Every pod knows every pod at an address, and no handshake is pending. */
  boolean gossipComplete() {
    return views.values().stream()
        .allMatch(
            view ->
                podIds.stream()
                        .allMatch(id -> view.node(id).filter(e -> !e.noAddress()).isPresent())
                    && view.entries().stream().noneMatch(Entry::handshake));
  }

  /** 5. Slots left open, from both sides' own lines, by slot. */
  List<OpenMigration> openMigrations() {
    Map<Integer, String[]> open = new TreeMap<>();
    for (Node node : nodes) {
      Entry self = self(node);
      self.migrating().forEach((slot, to) -> open.put(slot, new String[] {node.id(), to}));
      self.importing()
          .forEach((slot, from) -> open.putIfAbsent(slot, new String[] {from, node.id()}));
    }
    List<OpenMigration> migrations = new ArrayList<>();
    open.forEach(
        (slot, ends) -> {
          Node source = byId.get(ends[0]);
          Node target = byId.get(ends[1]);
          if (target == null || self(target).replica()) {
            List<Node> openOn =
                nodes.stream()
                    .filter(
                        n ->
                            self(n).migrating().containsKey(slot)
                                || self(n).importing().containsKey(slot))
                    .toList();
            migrations.add(
                new OpenMigration(
                    slot, source, target, Resolution.ROLL_BACK, openOn, false, false, false));
            return;
          }
          boolean targetOwns = self(target).slots().get(slot);
          if (source == null) {
            migrations.add(
                new OpenMigration(
                    slot,
                    null,
                    target,
                    Resolution.ASSIGN_TO_TARGET,
                    List.of(),
                    targetOwns,
                    false,
                    false));
            return;
          }
          migrations.add(
              new OpenMigration(
                  slot,
                  source,
                  target,
                  Resolution.FINISH,
                  List.of(),
                  targetOwns,
                  target.id().equals(self(source).migrating().get(slot)),
                  source.id().equals(self(target).importing().get(slot))));
        });
    return migrations;
  }

  /**
   * The masters to end with: staying slot owners in pod order (at most {@code masters}), topped up
   * with staying empty, unattached pods in pod order. Owners beyond the count are drained.
   */
  List<Node> chooseMasters(int masters) {
    List<Node> chosen = new ArrayList<>();
    for (Node node : nodes) {
      if (!gone.contains(node.endpoint())
          && self(node).slotCount() > 0
          && chosen.size() < masters) {
        chosen.add(node);
      }
    }
    for (Node node : nodes) {
      Entry self = self(node);
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

  /** 6. Slots no pod owns, split evenly over the chosen masters ({@link ClusterPlan}). */
  Map<Node, List<SlotRange>> unownedSlots(List<Node> chosen) {
    BitSet owned = new BitSet(ClusterPlan.SLOTS);
    nodes.forEach(n -> owned.or(self(n).slots()));
    boolean[] ownedArray = new boolean[ClusterPlan.SLOTS];
    owned.stream().forEach(s -> ownedArray[s] = true);
    Map<Node, List<SlotRange>> plan = new LinkedHashMap<>();
    ClusterPlan.unownedSlots(chosen.size(), ownedArray)
        .forEach((index, ranges) -> plan.put(chosen.get(index), ranges));
    return plan;
  }

  /** Slot owners that are not pods (failed, not failed over): their slots cannot move. */
  Set<String> foreignOwners() {
    Set<String> foreign = new LinkedHashSet<>();
    views.get(anchor.id()).owners().stream()
        .filter(o -> !podIds.contains(o.id()))
        .forEach(o -> foreign.add(o.address()));
    return foreign;
  }

  /** 7. Slot moves until the chosen masters hold even shares and the others none. */
  List<SlotBalance.Move> moves(List<Node> chosen) {
    Map<String, BitSet> ownedBy = new LinkedHashMap<>();
    for (Node node : nodes) {
      BitSet slots = self(node).slots();
      if (!slots.isEmpty()) {
        ownedBy.put(node.id(), slots);
      }
    }
    return SlotBalance.plan(ownedBy, chosen.stream().map(Node::id).toList());
  }

  /** Leaving pods that still own slots: they must stay masters once emptied. */
  List<Node> leavingOwners() {
    return nodes.stream()
        .filter(n -> gone.contains(n.endpoint()) && self(n).slotCount() > 0)
        .toList();
  }

  /** Whether {@code target}'s own view says {@code source} owns {@code slot} (gossip caught up). */
  boolean knowsOwner(Node target, int slot, Node source) {
    return views.get(target.id()).ownerOf(slot).filter(source.id()::equals).isPresent();
  }

  /** The other masters, which are told a slot's new owner too. */
  List<Endpoint> otherMasters(Node source, Node target) {
    return nodes.stream()
        .filter(n -> n != source && n != target && self(n).masterId() == null)
        .map(Node::endpoint)
        .toList();
  }

  /**
   * 8. Replicas: every other staying pod replicates a chosen master, spread evenly and on other
   * Kubernetes nodes where known ({@link ClusterPlan#assignReplicas}); once all are placed, a
   * master with two more replicas than another hands one over.
   */
  List<Replicate> replicas(List<Node> chosen) {
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
      Entry self = self(node);
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
    List<Replicate> placed = new ArrayList<>();
    ClusterPlan.assignReplicas(masterMembers, counts, unassigned)
        .forEach(
            (replica, master) ->
                placed.add(new Replicate(byId.get(replica), byId.get(master), null)));
    if (!placed.isEmpty()) {
      return placed;
    }
    Node most =
        chosen.stream()
            .max(Comparator.comparingInt(m -> replicasOf.get(m.id()).size()))
            .orElseThrow();
    Node least =
        chosen.stream()
            .min(Comparator.comparingInt(m -> replicasOf.get(m.id()).size()))
            .orElseThrow();
    if (replicasOf.get(most.id()).size() - replicasOf.get(least.id()).size() < 2) {
      return List.of();
    }
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
    return List.of(new Replicate(replica, least, most));
  }

  /**
   * 9, in part: what the views still show that is not converged (nodes that are not pods, pods seen
   * failing or elsewhere).
   */
  List<String> viewsNotConverged() {
    List<String> waiting = new ArrayList<>();
    for (ClusterView view : views.values()) {
      view.entries().stream()
          .filter(e -> !podIds.contains(e.id()))
          .forEach(e -> waiting.add(e.address() + " is not a pod; forgotten once it fails"));
    }
    for (Node node : nodes) {
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
    }
    return waiting;
  }

  /** The pod with this id. */
  Node node(String id) {
    return byId.get(id);
  }

  /** The master a pod replicates by its own line, if it is one of the pods. */
  Optional<Node> masterOf(Node node) {
    String masterId = self(node).masterId();
    return masterId == null ? Optional.empty() : Optional.ofNullable(byId.get(masterId));
  }

  /** The id of the master a pod replicates by its own line, null for a master. */
  String masterIdOf(Node node) {
    return self(node).masterId();
  }

  /**
   * Leaving pods that own nothing, are followed by no staying pod, and take part in no migration.
   */
  List<Endpoint> removable() {
    List<Endpoint> removable = new ArrayList<>();
    for (Node node : nodes) {
      if (!gone.contains(node.endpoint())) {
        continue;
      }
      Entry self = self(node);
      boolean followed =
          nodes.stream()
              .anyMatch(n -> !gone.contains(n.endpoint()) && node.id().equals(self(n).masterId()));
      boolean migrating =
          nodes.stream()
              .map(this::self)
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

  /** True if {@code seen} does not point at the pod's current address. */
  static boolean addressDiffers(Entry seen, Endpoint endpoint) {
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

  static String hostPort(Endpoint endpoint) {
    return endpoint.host() + ":" + endpoint.port();
  }

  private Entry self(Node node) {
    return views.get(node.id()).myself();
  }
}
