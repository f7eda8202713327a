package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.redisgrpc.operator.crd.MemorySpec;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * maxmemory in bytes from the spec: an absolute value, a ratio of the container's memory limit,
 * or 0.75 of the limit by default. Without a limit and without an absolute value Redis runs with
 * maxmemory 0 (no limit), which status reports. Pure.
 */
public final class MemoryPlan {
  public static final double DEFAULT_RATIO = 0.75;

  private MemoryPlan() {}

  public static long maxmemoryBytes(MemorySpec memory, ResourceRequirements resources) {
    if (memory != null && memory.maxmemory != null) {
      return Quantity.getAmountInBytes(memory.maxmemory).longValue();
    }
    Quantity limit = resources == null || resources.getLimits() == null ? null : resources.getLimits().get("memory");
    if (limit == null) {
      return 0;
    }
    double ratio = memory != null && memory.maxmemoryRatio != null ? memory.maxmemoryRatio : DEFAULT_RATIO;
    return Quantity.getAmountInBytes(limit).multiply(BigDecimal.valueOf(ratio)).setScale(0, RoundingMode.DOWN).longValue();
  }
}
