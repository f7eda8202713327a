package io.redisgrpc.operator.redis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.cluster.ClusterFormation;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The decisions of a Redis-side round that need no connection, from fixtures: no Redis needed. */
class AdminPlannerTest {
  static List<Endpoint> pods(int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> new Endpoint("10.0.0." + i, 6379, null))
        .toList();
  }

  /** Each pod known by its IP and by its pod DNS name. */
  static Map<String, Integer> aliases(int count) {
    Map<String, Integer> aliases = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      aliases.put("10.0.0." + i + ":6379", i);
      aliases.put("orders-redis-" + i + ".orders-redis.shop.svc:6379", i);
    }
    return aliases;
  }

  static RedisAdmin.Desired desired(RedisAdmin.Mode mode, int pods, int leaving, boolean complete) {
    return new RedisAdmin.Desired(
        mode,
        pods(pods),
        mode == RedisAdmin.Mode.SENTINEL ? List.of(new Sentinel("10.0.1.0", 26379)) : List.of(),
        mode == RedisAdmin.Mode.CLUSTER ? 3 : 1,
        2,
        List.of(),
        List.of("operator-current", "operator-pending"),
        "replication",
        "sentinel",
        Map.of(),
        aliases(pods),
        complete,
        pods(pods).subList(pods - leaving, pods),
        Optional.empty());
  }

  static AdminPlanner sentinels(int pods, int leaving) {
    return new AdminPlanner(desired(RedisAdmin.Mode.SENTINEL, pods, leaving, true));
  }

  // Which pod the sentinels' master is

  @Test
  void theSentinelsMasterIsThePodTheyNameByAnyOfItsAddresses() {
    AdminPlanner plan = sentinels(3, 0);
    assertThat(plan.masterPod(Optional.of("10.0.0.2:6379"))).contains(2);
    assertThat(plan.masterPod(Optional.of("orders-redis-1.orders-redis.shop.svc:6379")))
        .contains(1);
  }

  @Test
  void aMasterTheSentinelsNameOutsideTheCacheIsNoPod() {
    assertThat(sentinels(3, 0).masterPod(Optional.of("10.9.9.9:6379"))).isEmpty();
    assertThat(sentinels(3, 0).masterPod(Optional.empty())).isEmpty();
  }

  @Test
  void aHandOverIsDoneOnlyWhenTheSentinelsNameAnotherOfTheCachesPods() {
    AdminPlanner plan = sentinels(3, 0);
    assertThat(plan.promotedAway(plan.masterPod(Optional.of("10.0.0.2:6379")), 0)).isTrue();
    assertThat(plan.promotedAway(plan.masterPod(Optional.of("10.0.0.0:6379")), 0))
        .as("still the old master")
        .isFalse();
    assertThat(plan.promotedAway(plan.masterPod(Optional.of("10.9.9.9:6379")), 0))
        .as("an address of no pod")
        .isFalse();
    assertThat(plan.promotedAway(plan.masterPod(Optional.empty()), 0)).as("no majority").isFalse();
  }

  // A master on a pod that is going away

  @Test
  void aMasterOnALeavingPodIsHandedOverBeforeThePodMayGo() {
    assertThat(sentinels(3, 1).masterOnLeavingPod(Optional.of(2), Set.copyOf(pods(3)))).contains(2);
  }

  @Test
  void aMasterOnAStayingPodStaysWhereItIs() {
    assertThat(sentinels(3, 1).masterOnLeavingPod(Optional.of(1), Set.copyOf(pods(3)))).isEmpty();
    assertThat(sentinels(3, 1).masterOnLeavingPod(Optional.empty(), Set.copyOf(pods(3))))
        .as("the sentinels agree on no master")
        .isEmpty();
  }

  @Test
  void aMasterOnALeavingPodThatWasNotReachedWaitsForALaterRound() {
    assertThat(sentinels(3, 1).masterOnLeavingPod(Optional.of(2), Set.copyOf(pods(2)))).isEmpty();
  }

  // Cluster formation

  @Test
  void theClusterIsFormedOnlyOnceEveryPodIsThereAndWasReached() {
    assertThat(new AdminPlanner(desired(RedisAdmin.Mode.CLUSTER, 6, 0, true)).formation(6))
        .isPresent();
    assertThat(new AdminPlanner(desired(RedisAdmin.Mode.CLUSTER, 6, 0, true)).formation(5))
        .as("a pod did not answer")
        .isEmpty();
    assertThat(new AdminPlanner(desired(RedisAdmin.Mode.CLUSTER, 5, 0, false)).formation(5))
        .as("a pod is not started yet")
        .isEmpty();
  }

  @Test
  void sentinelModeNeverFormsACluster() {
    assertThat(new AdminPlanner(desired(RedisAdmin.Mode.SENTINEL, 3, 0, true)).formation(3))
        .isEmpty();
  }

  @Test
  void migrateLogsInOnTheTargetAsTheOperatorWithItsCurrentPassword() {
    ClusterFormation.Options options =
        new AdminPlanner(desired(RedisAdmin.Mode.CLUSTER, 6, 0, true)).formation(6).orElseThrow();
    ClusterFormation.Options defaults = ClusterFormation.Options.DEFAULTS;

    assertThat(options.migrateUser()).isEqualTo(AclRules.OPERATOR);
    assertThat(options.migratePassword()).isEqualTo("operator-current");
    assertThat(options.keysPerMigrate()).isEqualTo(defaults.keysPerMigrate());
    assertThat(options.maxSlotsPerStep()).isEqualTo(defaults.maxSlotsPerStep());
    assertThat(options.stepBudget()).isEqualTo(defaults.stepBudget());
    assertThat(options.migrateTimeout()).isEqualTo(defaults.migrateTimeout());
  }

  // Handing a paused master over

  static String replicationInfo(long masterOffset, String... replicas) {
    StringBuilder info = new StringBuilder("# Replication\r\nrole:master\r\n");
    info.append("connected_slaves:").append(replicas.length).append("\r\n");
    for (int i = 0; i < replicas.length; i++) {
      info.append("slave").append(i).append(":ip=10.0.0.").append(i + 1).append(",port=6379,");
      info.append(replicas[i]).append(",lag=0\r\n");
    }
    info.append("master_failover_state:no-failover\r\n");
    info.append("master_repl_offset:").append(masterOffset).append("\r\n");
    return info.toString();
  }

  @Test
  void aReplicaHasCaughtUpWhenItIsOnlineAtTheMastersOffset() {
    assertThat(
            AdminPlanner.replicaCaughtUp(
                replicationInfo(1000, "state=online,offset=990", "state=online,offset=1000")))
        .isTrue();
  }

  @Test
  void aReplicaBehindOrStillSyncingHasNotCaughtUp() {
    assertThat(AdminPlanner.replicaCaughtUp(replicationInfo(1000, "state=online,offset=990")))
        .isFalse();
    assertThat(AdminPlanner.replicaCaughtUp(replicationInfo(100, "state=online,offset=1000")))
        .as("the master's offset only a prefix of the replica's")
        .isFalse();
    assertThat(AdminPlanner.replicaCaughtUp(replicationInfo(1000, "state=wait_bgsave,offset=1000")))
        .isFalse();
    assertThat(AdminPlanner.replicaCaughtUp(replicationInfo(1000))).as("no replica").isFalse();
    assertThat(AdminPlanner.replicaCaughtUp("# Replication\r\nrole:master\r\n"))
        .as("no offset reported")
        .isFalse();
  }

  @Test
  void aFailoverAlreadyUnderWayKeepsTheWritePause() {
    assertThat(
            AdminPlanner.failoverUnderWay(
                List.of(
                    "failover through sentinel 10.0.1.0:26379: INPROG Failover already in progress")))
        .isTrue();
    assertThat(
            AdminPlanner.failoverUnderWay(
                List.of(
                    "failover through sentinel 10.0.1.0:26379: NOGOODSLAVE No suitable replica to promote")))
        .isFalse();
    assertThat(AdminPlanner.failoverUnderWay(List.of())).isFalse();
  }
}
