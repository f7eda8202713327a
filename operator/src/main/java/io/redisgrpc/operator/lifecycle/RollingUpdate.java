package io.redisgrpc.operator.lifecycle;

import io.redisgrpc.operator.redis.ReplicationRole;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The order in which the Redis pods move to a new pod template (an image, a restart-required
 * setting). The StatefulSet uses the {@code OnDelete} strategy, so nothing restarts until the
 * operator says so, one pod at a time:
 *
 * <ol>
 *   <li>nothing while a pod is missing (just restarted, not re-created yet);
 *   <li>an outdated pod that does not serve anyway (not Ready) first: it may be what the new
 *       template fixes, and waiting for it would block the update for good. If Redis still reports
 *       it as a master with a synced, Ready replica (a readiness probe that timed out on a busy
 *       node), it is handed over first like any master;
 *   <li>otherwise nothing while any pod is not Ready or any replica has not finished its sync: the
 *       last restart must have settled, or a master could be left without a copy;
 *   <li>outdated replicas, highest ordinal first;
 *   <li>then each outdated master: first handed over to one of its synced replicas (which is up to
 *       date by then), so it restarts as a replica; a master without a synced replica restarts as
 *       it is.
 * </ol>
 *
 * Pure: the reconciler observes pods and Redis, and carries out the one step returned.
 */
public final class RollingUpdate {
  private RollingUpdate() {}

  /** A Redis pod as the StatefulSet and the kubelet see it. */
  public record PodState(int ordinal, boolean outdated, boolean ready) {}

  /** The one thing to do now. */
  public sealed interface Step {
    /** Every pod runs the current template. */
    record Done() implements Step {}

    record Wait(String reason) implements Step {}

    /** Delete (evict) the pod; the StatefulSet re-creates it from the current template. */
    record Restart(int ordinal, String reason) implements Step {}

    /**
     * Make {@code replica} take over from {@code master} (CLUSTER FAILOVER / SENTINEL FAILOVER).
     */
    record HandOver(int master, int replica) implements Step {}
  }

  /**
   * @param pods every Redis pod of the StatefulSet (a missing ordinal is being re-created)
   * @param expectedPods the StatefulSet's replica count
   * @param roles what Redis reported for the pods it reached, by ordinal
   */
  public static Step next(
      List<PodState> pods, int expectedPods, Map<Integer, ReplicationRole> roles) {
    return next(pods, expectedPods, roles, Optional.empty());
  }

  /**
   * @param sentinelMaster Sentinel mode: the pod the sentinels name master (present in Sentinel
   *     mode only). While two pods act as master (a failover under way) nothing moves.
   */
  public static Step next(
      List<PodState> pods,
      int expectedPods,
      Map<Integer, ReplicationRole> roles,
      Optional<Integer> sentinelMaster) {
    if (pods.stream().noneMatch(PodState::outdated)) {
      return new Step.Done();
    }
    // One pod at a time, a broken one included: a pod just restarted may be gone for a moment
    // before the StatefulSet re-creates it, and it may hold the other copy of a broken pod's slots.
    if (pods.size() < expectedPods) {
      return new Step.Wait((expectedPods - pods.size()) + " pod(s) not created yet");
    }
    Optional<PodState> broken =
        pods.stream()
            .filter(p -> p.outdated() && !p.ready())
            .max(Comparator.comparingInt(PodState::ordinal));
    if (broken.isPresent()) {
      int ordinal = broken.get().ordinal();
      ReplicationRole role = roles.get(ordinal);
      if (role != null && role.master()) {
        Optional<Integer> successor = syncedReplicaOf(ordinal, roles, pods);
        if (successor.isPresent()) {
          return new Step.HandOver(ordinal, successor.get());
        }
      }
      return new Step.Restart(ordinal, "it is not Ready on the old template");
    }
    Optional<PodState> notReady = pods.stream().filter(p -> !p.ready()).findFirst();
    if (notReady.isPresent()) {
      return new Step.Wait("pod " + notReady.get().ordinal() + " is not Ready yet");
    }
    // Sentinel mode, mid-failover: the promoted replica already acts as master while the old one
    // (writes paused by the hand-over) waits for the sentinels to demote it. Which one is stale
    // cannot be told from the sentinels' view, which lags, so nothing moves until one master is
    // left.
    long masters = roles.values().stream().filter(ReplicationRole::master).count();
    if (sentinelMaster.isPresent() && masters > 1) {
      return new Step.Wait(
          masters + " pods act as master: waiting for the sentinels to demote the old one");
    }
    for (PodState pod : pods) {
      ReplicationRole role = roles.get(pod.ordinal());
      if (role == null) {
        return new Step.Wait("Redis in pod " + pod.ordinal() + " was not reached");
      }
      if (!role.master() && !role.synced()) {
        return new Step.Wait("replica in pod " + pod.ordinal() + " has not finished its sync");
      }
    }
    Optional<PodState> replica =
        pods.stream()
            .filter(p -> p.outdated() && !roles.get(p.ordinal()).master())
            .max(Comparator.comparingInt(PodState::ordinal));
    if (replica.isPresent()) {
      return new Step.Restart(replica.get().ordinal(), "replica, restarted before any master");
    }
    PodState master =
        pods.stream()
            .filter(PodState::outdated)
            .max(Comparator.comparingInt(PodState::ordinal))
            .orElseThrow();
    return syncedReplicaOf(master.ordinal(), roles, pods)
        .<Step>map(r -> new Step.HandOver(master.ordinal(), r))
        .orElseGet(
            () ->
                new Step.Restart(
                    master.ordinal(), "master without a synced replica to hand over to"));
  }

  /** The lowest-ordinal replica of {@code master} that has finished its sync and is Ready. */
  private static Optional<Integer> syncedReplicaOf(
      int master, Map<Integer, ReplicationRole> roles, List<PodState> pods) {
    return pods.stream()
        .filter(PodState::ready)
        .map(PodState::ordinal)
        .filter(
            ordinal ->
                roles.containsKey(ordinal)
                    && !roles.get(ordinal).master()
                    && roles.get(ordinal).synced()
                    && roles.get(ordinal).masterOrdinal().equals(Optional.of(master)))
        .min(Comparator.naturalOrder());
  }
}
