package io.redisgrpc.operator.redis.admin;

import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.cluster.ClusterFormation;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The decisions of a {@link RedisAdmin} round that need no connection: which pod the sentinels'
 * master is, whether a master must first leave a pod that is going away, whether the round runs a
 * formation step and how MIGRATE logs in, and when a paused master may be handed over.
 *
 * <p>Pure: {@link RedisAdmin} reads and sends, and asks here in between. What is compared with a
 * value just read (ACL users, replication credentials, live settings, {@code replica-priority})
 * stays next to the command that fixes it.
 */
final class AdminPlanner {
  private static final Pattern MASTER_OFFSET = Pattern.compile("master_repl_offset:(\\d+)");

  private final RedisAdmin.Desired desired;

  AdminPlanner(RedisAdmin.Desired desired) {
    this.desired = desired;
  }

  /**
   * The pod the sentinels name master, as its index in {@code nodes}: they name it by whatever
   * address it announces, so any of its {@code aliases} will do. Empty when they name none, or an
   * address that is none of this cache's pods.
   */
  Optional<Integer> masterPod(Optional<String> named) {
    return named.map(desired.aliases()::get);
  }

  /**
   * Sentinel mode, after a failover requested from the master at {@code oldMaster}: whether the
   * master the sentinels name now is another of this cache's pods.
   */
  boolean promotedAway(Optional<Integer> namedPod, int oldMaster) {
    return namedPod.isPresent() && namedPod.get() != oldMaster;
  }

  /**
   * Sentinel mode, scaling down: the index of the master when it is on a leaving pod that this
   * round reached. It is handed over to a staying replica before the StatefulSet may remove its
   * pod.
   */
  Optional<Integer> masterOnLeavingPod(Optional<Integer> master, Set<Endpoint> reached) {
    int staying = desired.nodes().size() - desired.leaving().size();
    return master.isPresent()
            && master.get() >= staying
            && reached.contains(desired.nodes().get(master.get()))
        ? master
        : Optional.empty();
  }

  /**
   * Cluster mode: the formation step's options when this round runs one, which it does only when
   * every pod of the cache is there and was reached (formation and resharding need them all).
   * MIGRATE logs in on the target node itself (AUTH2): as the operator, with its current password.
   *
   * @param reached how many of {@code nodes} answered
   */
  Optional<ClusterFormation.Options> formation(int reached) {
    if (desired.mode() != RedisAdmin.Mode.CLUSTER
        || !desired.complete()
        || reached != desired.nodes().size()) {
      return Optional.empty();
    }
    return Optional.of(
        new ClusterFormation.Options(
            ClusterFormation.Options.DEFAULTS.keysPerMigrate(),
            ClusterFormation.Options.DEFAULTS.maxSlotsPerStep(),
            ClusterFormation.Options.DEFAULTS.stepBudget(),
            ClusterFormation.Options.DEFAULTS.migrateTimeout(),
            AclRules.OPERATOR,
            desired.operatorPasswords().get(0)));
  }

  /**
   * Whether, by a master's {@code INFO replication}, an online replica has reached the master's
   * replication offset: with writes paused, that replica has every acknowledged write.
   */
  static boolean replicaCaughtUp(String replicationInfo) {
    Matcher offset = MASTER_OFFSET.matcher(replicationInfo);
    if (!offset.find()) {
      return false;
    }
    String target = "offset=" + offset.group(1) + ",";
    return replicationInfo
        .lines()
        .anyMatch(
            line ->
                line.startsWith("slave") && line.contains("state=online") && line.contains(target));
  }

  /**
   * Whether the sentinels refused a failover because one is under way (an earlier round's request):
   * then the master's write pause must hold until it ends.
   */
  static boolean failoverUnderWay(List<String> sentinelProblems) {
    return sentinelProblems.stream().anyMatch(problem -> problem.contains("INPROG"));
  }
}
