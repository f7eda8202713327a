package io.redisgrpc.operator.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterViewTest {
  static final String A = "a".repeat(40);
  static final String B = "b".repeat(40);
  static final String C = "c".repeat(40);
  static final String D = "d".repeat(40);

  // As Redis 7.0 prints it: hostnames after the comma, migration brackets on the myself line only.
  static final String NODES_A =
      String.join(
          "\n",
          A
              + " 10.0.0.1:6379@16379,orders-redis-0.orders-redis myself,master - 0 0 1 connected 0-5460 [5461-<-"
              + B
              + "] [100->-"
              + C
              + "]",
          B
              + " 10.0.0.2:6379@16379,orders-redis-1.orders-redis master - 0 1700000000000 2 connected 5461-10922",
          C
              + " 10.0.0.3:6379@16379,orders-redis-2.orders-redis master,fail - 1700000000000 1700000000000 3 disconnected 10923-16383",
          D + " :0@0 slave,noaddr " + A + " 0 0 1 disconnected",
          "");
  static final String INFO_OK = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\n";

  @Test
  void parsesAddressesHostnamesFlagsSlotsAndOpenMigrations() {
    ClusterView view = ClusterView.parse(NODES_A);
    ClusterView.Entry a = view.myself();
    assertThat(a.id()).isEqualTo(A);
    assertThat(a.address()).isEqualTo("10.0.0.1:6379");
    assertThat(a.hostname()).isEqualTo("orders-redis-0.orders-redis");
    assertThat(a.slotCount()).isEqualTo(5461);
    assertThat(a.importing()).containsExactly(Map.entry(5461, B));
    assertThat(a.migrating()).containsExactly(Map.entry(100, C));
    ClusterView.Entry c = view.node(C).orElseThrow();
    assertThat(c.failed()).isTrue();
    assertThat(c.connected()).isFalse();
    ClusterView.Entry d = view.node(D).orElseThrow();
    assertThat(d.noAddress()).isTrue();
    assertThat(d.host()).isEmpty();
    assertThat(d.masterId()).isEqualTo(A);
    assertThat(view.owners()).extracting(ClusterView.Entry::id).containsExactly(A, B, C);
  }

  @Test
  void reportCountsCoverageMastersReplicasFailuresAndMigrations() {
    ClusterView a = ClusterView.parse(NODES_A);
    ClusterReport report = ClusterReport.of(a, INFO_OK, List.of(a));
    assertThat(report.slotsCovered())
        .as("the failed master's slots are not covered")
        .isEqualTo(10923);
    assertThat(report.masters()).isEqualTo(2);
    assertThat(report.failedNodes()).isEqualTo(2);
    assertThat(report.replicasPerMaster())
        .containsOnly(
            Map.entry("10.0.0.1:6379", 0),
            Map.entry("10.0.0.2:6379", 0),
            Map.entry("10.0.0.3:6379", 0));
    assertThat(report.migrations())
        .containsExactlyInAnyOrder("100 aaaaaaaa->cccccccc", "5461 bbbbbbbb->aaaaaaaa");
    assertThat(report.stateOk()).isTrue();
    assertThat(report.complete()).isFalse();
  }

  @Test
  void aHealthyClusterIsComplete() {
    String nodes =
        String.join(
            "\n",
            A + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191",
            B + " 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383",
            C + " 127.0.0.1:7002@17002 slave " + A + " 0 0 1 connected",
            D + " 127.0.0.1:7003@17003 slave " + B + " 0 0 2 connected");
    ClusterView view = ClusterView.parse(nodes);
    ClusterReport report = ClusterReport.of(view, INFO_OK, List.of(view));
    assertThat(report.complete()).isTrue();
    assertThat(report.replicasPerMaster())
        .containsOnly(Map.entry("127.0.0.1:7000", 1), Map.entry("127.0.0.1:7001", 1));
    assertThat(ClusterReport.of(view, "cluster_state:fail\r\n", List.of(view)).complete())
        .isFalse();
  }
}
