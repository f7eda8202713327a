package io.redisgrpc.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;

/** Workflow activation conditions: which dependents exist for a given spec. */
public final class Conditions {
  private Conditions() {}

  public static final class SentinelMode implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return primary.getSpec().redis.mode == RedisMode.Sentinel;
    }
  }

  public static final class AutoscalingEnabled implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return primary.getSpec().gateway != null && primary.getSpec().gateway.autoscaling != null;
    }
  }
}
