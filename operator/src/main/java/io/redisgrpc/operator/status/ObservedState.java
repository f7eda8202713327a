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
    List<String> missingPullSecrets) {
}
