package io.redisgrpc.operator.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.cluster.ClusterPlanner.Meet;
import io.redisgrpc.operator.redis.cluster.ClusterPlanner.OpenMigration;
import io.redisgrpc.operator.redis.cluster.ClusterPlanner.Replicate;
import io.redisgrpc.operator.redis.cluster.ClusterPlanner.Resolution;
import io.redisgrpc.operator.redis.cluster.SlotMigration.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decisions of a formation step, from CLUSTER NODES fixtures: no Redis needed. */
class ClusterPlannerTest {
  static final String A = "a".repeat(40);
  static final String B = "b".repeat(40);
  static final String C = "c".repeat(40);
  static final String D = "d".repeat(40);
  static final String E = "e".repeat(40);
  static final String F = "f".repeat(40);
  static final String X = "9".repeat(40);

  /**
   * One line of CLUSTER NODES: flags without "myself", master id or "-", then slots and brackets.
   */
  record Line(String id, String ip, String flags, String master, String slots) {
    String render(String self) {
      String shownFlags = id.equals(self) ? "myself," + flags : flags;
      return id
          + " "
          + ip
          + ":6379@16379 "
          + shownFlags
          + " "
          + (master == null ? "-" : master)
          + " 0 0 1 connected"
          + (slots.isEmpty() ? "" : " " + slots);
    }
  }

  static Line master(String id, String ip, String slots) {
    return new Line(id, ip, "master", null, slots);
  }

  static Line replica(String id, String ip, String masterId) {
    return new Line(id, ip, "slave", masterId, "");
  }

  /** The pods and their views: each pod sees the given lines (its own marked myself). */
  static final class Cluster {
    final List<Node> nodes = new ArrayList<>();
    final Map<String, ClusterView> views = new LinkedHashMap<>();

    Cluster pod(String id, String ip, String kubernetesNode, Line... seen) {
      nodes.add(new Node(new Endpoint(ip, 6379, kubernetesNode), id));
      List<String> lines = new ArrayList<>();
      for (Line line : seen) {
        lines.add(line.render(id));
      }
      views.put(id, ClusterView.parse(String.join("\n", lines)));
      return this;
    }

    Node node(String id) {
      return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }

    ClusterPlanner planner(String... leavingIds) {
      List<Endpoint> leaving = List.of(leavingIds).stream().map(id -> node(id).endpoint()).toList();
      return new ClusterPlanner(nodes, views, leaving);
    }
  }

  /** Three masters that all agree, each on its own Kubernetes node. */
  static Cluster formed(Line... more) {
    Line[] lines = new Line[3 + more.length];
    lines[0] = master(A, "10.0.0.1", "0-5460");
    lines[1] = master(B, "10.0.0.2", "5461-10922");
    lines[2] = master(C, "10.0.0.3", "10923-16383");
    System.arraycopy(more, 0, lines, 3, more.length);
    return new Cluster()
        .pod(A, "10.0.0.1", "n1", lines)
        .pod(B, "10.0.0.2", "n2", lines)
        .pod(C, "10.0.0.3", "n3", lines);
  }

  @Test
  void aConvergedClusterNeedsNothing() {
    ClusterPlanner plan = formed().planner();
    List<Node> chosen = plan.chooseMasters(3);
    assertThat(plan.readdress()).isEmpty();
    assertThat(plan.meets()).isEmpty();
    assertThat(plan.forgets().forget()).isEmpty();
    assertThat(plan.gossipComplete()).isTrue();
    assertThat(plan.openMigrations()).isEmpty();
    assertThat(chosen).extracting(Node::id).containsExactly(A, B, C);
    assertThat(plan.unownedSlots(chosen)).isEmpty();
    assertThat(plan.moves(chosen)).isEmpty();
    assertThat(plan.replicas(chosen)).isEmpty();
    assertThat(plan.viewsNotConverged()).isEmpty();
    assertThat(plan.removable()).isEmpty();
  }

  @Test
  void aPodKnownAtAnOldAddressIsMetAtItsNewOne() {
    Line bElsewhere = master(B, "10.0.0.9", "5461-10922");
    Cluster cluster =
        new Cluster()
            .pod(
                A,
                "10.0.0.1",
                null,
                master(A, "10.0.0.1", "0-5460"),
                bElsewhere,
                master(C, "10.0.0.3", "10923-16383"))
            .pod(
                B,
                "10.0.0.2",
                null,
                master(A, "10.0.0.1", "0-5460"),
                master(B, "10.0.0.2", "5461-10922"),
                master(C, "10.0.0.3", "10923-16383"))
            .pod(
                C,
                "10.0.0.3",
                null,
                master(A, "10.0.0.1", "0-5460"),
                master(B, "10.0.0.2", "5461-10922"),
                master(C, "10.0.0.3", "10923-16383"));
    ClusterPlanner plan = cluster.planner();
    assertThat(plan.readdress())
        .containsExactly(new Meet(cluster.node(A), cluster.node(B), "10.0.0.9:6379"));
    assertThat(plan.viewsNotConverged())
        .containsExactly("10.0.0.1:6379 sees 10.0.0.2:6379 as [master]");
  }

  @Test
  void theAnchorIsThePodThatKnowsMostNodesAndItMeetsThePodsItDoesNotKnow() {
    Cluster cluster =
        new Cluster()
            .pod(A, "10.0.0.1", null, master(A, "10.0.0.1", "")) // came back empty
            .pod(B, "10.0.0.2", null, master(A, "10.0.0.1", ""), master(B, "10.0.0.2", ""))
            .pod(C, "10.0.0.3", null, master(C, "10.0.0.3", "")); // new
    ClusterPlanner plan = cluster.planner();
    assertThat(plan.anchor()).isEqualTo(cluster.node(B));
    assertThat(plan.views().keySet()).first().isEqualTo(B);
    assertThat(plan.meets()).containsExactly(new Meet(cluster.node(B), cluster.node(C), null));
    assertThat(plan.gossipComplete()).isFalse();
  }

  @Test
  void aFailedNodeThatIsNoPodAndOwnsNothingIsForgottenExceptByItsOwnReplica() {
    Line gone = new Line(X, "10.0.0.99", "master,fail", null, "");
    Cluster cluster =
        new Cluster()
            .pod(
                A,
                "10.0.0.1",
                null,
                master(A, "10.0.0.1", "0-16383"),
                gone,
                replica(D, "10.0.0.4", X))
            .pod(
                D,
                "10.0.0.4",
                null,
                master(A, "10.0.0.1", "0-16383"),
                gone,
                replica(D, "10.0.0.4", X));
    ClusterPlanner.Forgets forgets = cluster.planner().forgets();
    assertThat(forgets.forget()).containsExactly(new ClusterPlanner.Forget(cluster.node(A), X));
    assertThat(forgets.blocked()).containsExactly(new ClusterPlanner.Forget(cluster.node(D), X));

    Line goneWithSlots = new Line(X, "10.0.0.99", "master,fail", null, "100");
    Cluster owner =
        new Cluster()
            .pod(A, "10.0.0.1", null, master(A, "10.0.0.1", "0-99 101-16383"), goneWithSlots);
    assertThat(owner.planner().forgets().forget())
        .as("a node that still owns slots is not forgotten")
        .isEmpty();
    assertThat(owner.planner().foreignOwners()).containsExactly("10.0.0.99:6379");
  }

  @Test
  void aPendingHandshakeIsNotCompleteGossip() {
    Line handshake = new Line(X, "10.0.0.2", "handshake", null, "");
    Cluster cluster = formed(handshake);
    assertThat(cluster.planner().gossipComplete()).isFalse();
  }

  @Test
  void openMigrationsAreFinishedRolledBackOrAssignedByWhoIsStillThere() {
    Line aMigrating = master(A, "10.0.0.1", "0-5460 [100->-" + B + "] [200->-" + X + "]");
    Line bImporting = master(B, "10.0.0.2", "5461-10922 [100-<-" + A + "] [300-<-" + X + "]");
    Line c = master(C, "10.0.0.3", "10923-16383");
    Cluster cluster =
        new Cluster()
            .pod(A, "10.0.0.1", null, aMigrating, bImporting, c)
            .pod(B, "10.0.0.2", null, aMigrating, bImporting, c)
            .pod(C, "10.0.0.3", null, aMigrating, bImporting, c);
    ClusterPlanner plan = cluster.planner();
    List<OpenMigration> open = plan.openMigrations();
    assertThat(open).extracting(OpenMigration::slot).containsExactly(100, 200, 300);
    assertThat(open.get(0))
        .isEqualTo(
            new OpenMigration(
                100,
                cluster.node(A),
                cluster.node(B),
                Resolution.FINISH,
                List.of(),
                false,
                true,
                true));
    assertThat(open.get(1).resolution()).as("the target is no pod").isEqualTo(Resolution.ROLL_BACK);
    assertThat(open.get(1).rollBackOn()).containsExactly(cluster.node(A));
    assertThat(open.get(2).resolution())
        .as("the source is no pod")
        .isEqualTo(Resolution.ASSIGN_TO_TARGET);
    assertThat(open.get(2).target()).isEqualTo(cluster.node(B));
    assertThat(plan.otherMasters(cluster.node(A), cluster.node(B)))
        .containsExactly(cluster.node(C).endpoint());
  }

  @Test
  void emptyPodsBecomeMastersOfAnEvenSplit() {
    Line[] lines = {
      master(A, "10.0.0.1", ""), master(B, "10.0.0.2", ""), master(C, "10.0.0.3", "")
    };
    Cluster cluster =
        new Cluster()
            .pod(A, "10.0.0.1", null, lines)
            .pod(B, "10.0.0.2", null, lines)
            .pod(C, "10.0.0.3", null, lines);
    ClusterPlanner plan = cluster.planner();
    List<Node> chosen = plan.chooseMasters(3);
    Map<Node, List<SlotRange>> slots = plan.unownedSlots(chosen);
    assertThat(slots.keySet()).containsExactlyElementsOf(chosen);
    assertThat(
            slots.values().stream()
                .flatMap(List::stream)
                .mapToInt(r -> r.to() - r.from() + 1)
                .sum())
        .isEqualTo(16384);
    assertThat(slots.values())
        .allSatisfy(
            ranges ->
                assertThat(ranges.stream().mapToInt(r -> r.to() - r.from() + 1).sum())
                    .isBetween(5461, 5462));
  }

  @Test
  void aFourthMasterReceivesAnEvenShareFromTheOthers() {
    Cluster cluster = formed(master(D, "10.0.0.4", ""));
    cluster.pod(
        D,
        "10.0.0.4",
        "n4",
        master(A, "10.0.0.1", "0-5460"),
        master(B, "10.0.0.2", "5461-10922"),
        master(C, "10.0.0.3", "10923-16383"),
        master(D, "10.0.0.4", ""));
    ClusterPlanner plan = cluster.planner();
    List<Node> chosen = plan.chooseMasters(4);
    assertThat(chosen).extracting(Node::id).containsExactly(A, B, C, D);
    List<SlotBalance.Move> moves = plan.moves(chosen);
    assertThat(moves).allSatisfy(move -> assertThat(move.to()).isEqualTo(D));
    assertThat(moves).hasSize(4096);
    assertThat(plan.knowsOwner(cluster.node(D), 0, cluster.node(A))).isTrue();
    assertThat(plan.knowsOwner(cluster.node(D), 0, cluster.node(B))).isFalse();
  }

  @Test
  void replicasGoToMastersOnOtherKubernetesNodesAndEvenOut() {
    Line[] lines = {
      master(A, "10.0.0.1", "0-5460"),
      master(B, "10.0.0.2", "5461-10922"),
      master(C, "10.0.0.3", "10923-16383"),
      master(D, "10.0.0.4", ""),
      master(E, "10.0.0.5", ""),
      master(F, "10.0.0.6", "")
    };
    Cluster cluster =
        new Cluster()
            .pod(A, "10.0.0.1", "n1", lines)
            .pod(B, "10.0.0.2", "n2", lines)
            .pod(C, "10.0.0.3", "n3", lines)
            .pod(D, "10.0.0.4", "n1", lines)
            .pod(E, "10.0.0.5", "n2", lines)
            .pod(F, "10.0.0.6", "n3", lines);
    ClusterPlanner plan = cluster.planner();
    List<Replicate> replicas = plan.replicas(plan.chooseMasters(3));
    assertThat(replicas).hasSize(3);
    assertThat(replicas).extracting(r -> r.master().id()).containsExactlyInAnyOrder(A, B, C);
    assertThat(replicas)
        .allSatisfy(
            r ->
                assertThat(r.replica().endpoint().kubernetesNode())
                    .isNotEqualTo(r.master().endpoint().kubernetesNode()));

    // Two replicas on A, none on B: one moves over.
    Line[] uneven = {
      master(A, "10.0.0.1", "0-8191"),
      master(B, "10.0.0.2", "8192-16383"),
      replica(D, "10.0.0.4", A),
      replica(E, "10.0.0.5", A)
    };
    Cluster skewed =
        new Cluster()
            .pod(A, "10.0.0.1", "n1", uneven)
            .pod(B, "10.0.0.2", "n2", uneven)
            .pod(D, "10.0.0.4", "n2", uneven)
            .pod(E, "10.0.0.5", "n3", uneven);
    ClusterPlanner skewedPlan = skewed.planner();
    List<Replicate> moved = skewedPlan.replicas(skewedPlan.chooseMasters(2));
    assertThat(moved)
        .containsExactly(new Replicate(skewed.node(E), skewed.node(B), skewed.node(A)));
  }

  @Test
  void aLeavingPodIsRemovableOnceItOwnsNothingAndNobodyFollowsIt() {
    Cluster cluster =
        formed(master(D, "10.0.0.4", ""))
            .pod(
                D,
                "10.0.0.4",
                null,
                master(A, "10.0.0.1", "0-5460"),
                master(B, "10.0.0.2", "5461-10922"),
                master(C, "10.0.0.3", "10923-16383"),
                master(D, "10.0.0.4", ""));
    assertThat(cluster.planner(D).removable()).containsExactly(cluster.node(D).endpoint());
    assertThat(cluster.planner(D).leavingOwners()).isEmpty();
    assertThat(cluster.planner(C).removable()).as("C still owns slots").isEmpty();
    assertThat(cluster.planner(C).leavingOwners()).containsExactly(cluster.node(C));
    assertThat(cluster.planner(C).chooseMasters(3))
        .extracting(Node::id)
        .as("D takes C's place")
        .containsExactly(A, B, D);
  }

  /**
   * A replica whose link is on an old address of its master pod is re-pointed (redis/redis#14633).
   */
  @Test
  void aReplicaLinkOnAnAddressTheMasterPodNoLongerHasPointsElsewhere() {
    assertThat(
            ClusterPlanner.linkPointsElsewhere(
                "10.244.0.51:6379", new Endpoint("10.244.0.57", 6379, null)))
        .isTrue();
    assertThat(
            ClusterPlanner.linkPointsElsewhere(
                "10.244.0.57:6379", new Endpoint("10.244.0.57", 6379, null)))
        .isFalse();
    // A pod known by DNS name only cannot be compared with the IP Redis prints: left alone.
    assertThat(
            ClusterPlanner.linkPointsElsewhere(
                "10.244.0.51:6379", new Endpoint("c-redis-0.c-redis-headless.ns.svc", 6379, null)))
        .isFalse();
  }
}
