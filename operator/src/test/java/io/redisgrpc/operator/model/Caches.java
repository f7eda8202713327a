package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheSpec;
import io.redisgrpc.operator.crd.RedisMode;

/** Caches for unit tests, as the API server would hand them over after defaulting. */
public final class Caches {
  private Caches() {}

  public static RedisGrpcCache of(String name, RedisMode mode) {
    RedisGrpcCache cache = new RedisGrpcCache();
    cache.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("shop").withGeneration(1L).build());
    cache.setSpec(new RedisGrpcCacheSpec());
    cache.getSpec().redis.mode = mode;
    return cache;
  }
}
