package io.redisgrpc.operator.model;

import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recommended app.kubernetes.io labels; selectors use the stable subset (name, instance,
 * component).
 */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String APP_NAME = "redis-grpc-cache";
  public static final String OPERATOR_NAME = "redis-grpc-operator";

  public static final String REDIS = "redis";
  public static final String SENTINEL = "sentinel";
  public static final String GATEWAY = "gateway";

  private Labels() {}

  /** Labels for every object of the cache (and its pods) of this component. */
  public static Map<String, String> of(RedisGrpcCache cache, String component) {
    Map<String, String> labels = new TreeMap<>(selector(cache, component));
    labels.put(MANAGED_BY, OPERATOR_NAME);
    return labels;
  }

  /** Labels for cache-wide objects (ConfigMap, ServiceAccount). */
  public static Map<String, String> of(RedisGrpcCache cache) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(NAME, APP_NAME);
    labels.put(INSTANCE, cache.getMetadata().getName());
    labels.put(MANAGED_BY, OPERATOR_NAME);
    return labels;
  }

  public static Map<String, String> selector(RedisGrpcCache cache, String component) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(NAME, APP_NAME);
    labels.put(INSTANCE, cache.getMetadata().getName());
    labels.put(COMPONENT, component);
    return labels;
  }
}
