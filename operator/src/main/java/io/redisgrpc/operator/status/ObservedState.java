package io.redisgrpc.operator.status;

import java.util.List;

/**
 * What the operator saw of a cache in one reconciliation; the input of {@link StatusAggregator}.
 *
 * @param redis the Redis StatefulSet's pods
 * @param sentinels the Sentinel StatefulSet's pods (0/0 outside Sentinel mode)
 * @param gateway the gateway Deployment's replicas
 * @param workloadsUpToDate every workload controller has seen its latest spec
 * @param missingPullSecrets image pull secrets the spec names that do not exist
 * @param redisSide what the operator saw inside Redis
 * @param podProblems what is wrong with the cache's pods ({@link PodProblems})
 * @param gatewayRouting what was seen of the gateway Service's routing
 */
public record ObservedState(
    Count redis,
    Count sentinels,
    Count gateway,
    boolean workloadsUpToDate,
    List<String> missingPullSecrets,
    RedisSide redisSide,
    List<PodProblems.Problem> podProblems,
    GatewayRouting gatewayRouting) {

  /**
   * Ready and desired pods (or replicas) of one workload; {@code ready} is -1 while it does not
   * exist.
   */
  public record Count(int ready, int desired) {
    /** Ready, never negative. */
    public int readyOrNone() {
      return Math.max(ready, 0);
    }

    /** At least one is wanted and all wanted are ready. */
    public boolean allReady() {
      return desired > 0 && ready >= desired;
    }

    /** "ready/desired", as the status and kubectl show it. */
    public String summary() {
      return readyOrNone() + "/" + desired;
    }
  }

  /**
   * What the workloads show, before anything is known inside Redis, of the pods' problems or of the
   * Service's routing (taken to route to every ready gateway).
   */
  public static ObservedState ofWorkloads(
      Count redis,
      Count sentinels,
      Count gateway,
      boolean workloadsUpToDate,
      List<String> missingPullSecrets) {
    return new ObservedState(
        redis,
        sentinels,
        gateway,
        workloadsUpToDate,
        missingPullSecrets,
        RedisSide.unknown(),
        List.of(),
        new GatewayRouting(gateway.readyOrNone(), GatewayRouting.Probe.NOT_RUN));
  }

  public ObservedState withRedisSide(RedisSide side) {
    return new ObservedState(
        redis,
        sentinels,
        gateway,
        workloadsUpToDate,
        missingPullSecrets,
        side,
        podProblems,
        gatewayRouting);
  }

  public ObservedState withPodProblems(List<PodProblems.Problem> problems) {
    return new ObservedState(
        redis,
        sentinels,
        gateway,
        workloadsUpToDate,
        missingPullSecrets,
        redisSide,
        problems,
        gatewayRouting);
  }

  public ObservedState withGatewayRouting(GatewayRouting routing) {
    return new ObservedState(
        redis,
        sentinels,
        gateway,
        workloadsUpToDate,
        missingPullSecrets,
        redisSide,
        podProblems,
        routing);
  }

  /**
   * What the operator saw inside Redis this round.
   *
   * @param nodes whom it reached and what went wrong
   * @param settings whether the ACL users and the live settings are applied
   * @param cluster the cluster's shape; null outside Cluster mode or before a full look
   * @param masterPod Sentinel mode: the pod the sentinels name master (null if unknown)
   * @param rotation the credential rotation's state; null if unknown
   */
  public record RedisSide(
      Nodes nodes, Settings settings, ClusterShape cluster, String masterPod, Rotation rotation) {
    public static RedisSide unknown() {
      return new RedisSide(Nodes.NOT_LOOKED, new Settings(false, false, null), null, null, null);
    }

    /** The operator logged in to the nodes this round (it does not while no pod is ready). */
    public boolean looked() {
      return nodes.reached() >= 0;
    }
  }

  /**
   * @param reached nodes the operator logged in to; -1 when it did not look
   * @param expected nodes it should reach
   * @param problems what failed, one line each ("cannot reach 10.0.0.6:6379: ...")
   */
  public record Nodes(int reached, int expected, List<String> problems) {
    public static final Nodes NOT_LOOKED = new Nodes(-1, 0, List.of());
  }

  /**
   * @param liveConfigHash hash of the live settings the pods should run with
   */
  public record Settings(boolean aclInSync, boolean liveConfigApplied, String liveConfigHash) {}

  /**
   * @param formed the cluster converged: every slot served, every node agreeing
   * @param waiting what the cluster still waits for; null once formed
   */
  public record ClusterShape(
      int slotsAssigned, int masters, int minReplicasPerMaster, boolean formed, String waiting) {}

  /** The credential rotation as the status reports it; times in RFC 3339, null if none. */
  public record Rotation(
      long generation, String phase, String phaseSince, String lastRotation, String nextRotation) {
    public boolean inProgress() {
      return !"Idle".equals(phase);
    }
  }
}
