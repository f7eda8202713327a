package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.redisgrpc.operator.crd.MemorySpec;
import io.redisgrpc.operator.crd.RedisSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * maxmemory in bytes from the spec: an absolute value, or a ratio (0.75 by default) of the Redis
 * container's memory limit, or of its memory request when it has no limit. Redis never runs with
 * maxmemory 0 (grow until the node runs out) by default: without a limit the request, which the
 * operator always sets (128Mi unless the spec says otherwise), is the memory the scheduler reserved
 * for the pod. Pure.
 */
public final class MemoryPlan {
  public static final double DEFAULT_RATIO = 0.75;

  /** The Redis container's requests when the spec gives none. */
  public static final String DEFAULT_CPU_REQUEST = "100m";

  public static final String DEFAULT_MEMORY_REQUEST = "128Mi";

  private MemoryPlan() {}

  /** The Redis container's resources: the spec's, with the default requests filled in. */
  public static ResourceRequirements redisResources(RedisSpec redis) {
    return Resources.withDefaults(redis.resources, DEFAULT_CPU_REQUEST, DEFAULT_MEMORY_REQUEST);
  }

  public static long maxmemoryBytes(RedisSpec redis) {
    return maxmemoryBytes(redis.memory, redisResources(redis));
  }

  /** {@code resources} are the container's effective ones (see {@link #redisResources}). */
  static long maxmemoryBytes(MemorySpec memory, ResourceRequirements resources) {
    if (memory != null && memory.maxmemory != null) {
      return Quantity.getAmountInBytes(memory.maxmemory).longValue();
    }
    Quantity base = memory(resources.getLimits());
    if (base == null) {
      base = memory(resources.getRequests());
    }
    if (base == null) {
      return 0;
    }
    double ratio =
        memory != null && memory.maxmemoryRatio != null ? memory.maxmemoryRatio : DEFAULT_RATIO;
    return Quantity.getAmountInBytes(base)
        .multiply(BigDecimal.valueOf(ratio))
        .setScale(0, RoundingMode.DOWN)
        .longValue();
  }

  private static Quantity memory(Map<String, Quantity> resources) {
    return resources == null ? null : resources.get("memory");
  }
}
