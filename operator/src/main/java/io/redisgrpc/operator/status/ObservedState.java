package io.redisgrpc.operator.status;

import java.util.List;

/**
 * What the operator saw of a cache's workloads in one reconciliation; the input of
 * {@link StatusAggregator}. Counts are -1 when the object does not exist (yet).
 */
public record ObservedState(
    int redisReady, int redisDesired,
    int sentinelReady, int sentinelDesired,
    int gatewayReady, int gatewayDesired,
    boolean workloadsUpToDate,
    List<String> missingPullSecrets,
    RedisSide redisSide,
    List<PodProblems.Problem> podProblems,
    GatewayRouting gatewayRouting) {

  /**
   * Pre-Redis-lifecycle form, for callers that have no Redis-side facts; the gateway's Service is
   * taken to route to every ready gateway.
   */
  public ObservedState(int redisReady, int redisDesired, int sentinelReady, int sentinelDesired, int gatewayReady, int gatewayDesired,
      boolean workloadsUpToDate, List<String> missingPullSecrets) {
    this(redisReady, redisDesired, sentinelReady, sentinelDesired, gatewayReady, gatewayDesired, workloadsUpToDate, missingPullSecrets,
        RedisSide.unknown(), List.of(), new GatewayRouting(Math.max(gatewayReady, 0), GatewayRouting.Probe.NOT_RUN));
  }

  public ObservedState withRedisSide(RedisSide side) {
    return new ObservedState(redisReady, redisDesired, sentinelReady, sentinelDesired, gatewayReady, gatewayDesired, workloadsUpToDate,
        missingPullSecrets, side, podProblems, gatewayRouting);
  }

  /** What is wrong with the cache's pods ({@link PodProblems}). */
  public ObservedState withPodProblems(List<PodProblems.Problem> problems) {
    return new ObservedState(redisReady, redisDesired, sentinelReady, sentinelDesired, gatewayReady, gatewayDesired, workloadsUpToDate,
        missingPullSecrets, redisSide, problems, gatewayRouting);
  }

  /** What was seen of the gateway Service's routing ({@link GatewayRouting}). */
  public ObservedState withGatewayRouting(GatewayRouting routing) {
    return new ObservedState(redisReady, redisDesired, sentinelReady, sentinelDesired, gatewayReady, gatewayDesired, workloadsUpToDate,
        missingPullSecrets, redisSide, podProblems, routing);
  }

  /**
   * What the operator saw inside Redis this round; {@code reached} is -1 when it did not look
   * (no pod ready yet). Cluster fields are null outside Cluster mode or before a full look;
   * {@code clusterWaiting} says what the cluster is still waiting for (null once formed).
   */
  public record RedisSide(int reached, int expected, boolean aclInSync, boolean liveConfigApplied, String liveConfigHash,
      Integer slotsAssigned, Integer masters, Integer minReplicasPerMaster, Boolean clusterFormed, String clusterWaiting, String masterPod,
      List<String> problems, long credentialGeneration, String rotationPhase, String phaseSince, String lastRotation,
      String nextRotation) {
    public static RedisSide unknown() {
      return new RedisSide(-1, 0, false, false, null, null, null, null, null, null, null, List.of(), 0, null, null, null, null);
    }
  }
}
