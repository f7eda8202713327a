package io.redisgrpc.operator.model;

import io.redisgrpc.operator.crd.RedisGrpcCache;

/**
 * The images a cache runs: the spec's when it names one, else the operator's defaults. The defaults
 * come from the operator's environment, {@code RELATED_IMAGE_REDIS} and {@code
 * RELATED_IMAGE_GATEWAY} (the names OLM uses for mirrored, disconnected installs; the Helm chart
 * sets them from {@code defaultImages.*}), so an air-gapped cluster points every cache that names
 * no image at its own registry in one place. Read once, at class load.
 */
public final class Images {
  public static final String REDIS_BUILT_IN = "redis:7.2";
  public static final String GATEWAY_BUILT_IN = "ghcr.io/redisgrpc/redis-grpc-gateway:0.1.0";

  private static final String REDIS_DEFAULT = env("RELATED_IMAGE_REDIS", REDIS_BUILT_IN);
  private static final String GATEWAY_DEFAULT = env("RELATED_IMAGE_GATEWAY", GATEWAY_BUILT_IN);

  private Images() {}

  public static String redis(RedisGrpcCache cache) {
    String image = cache.getSpec().redis.image;
    return image == null || image.isBlank() ? REDIS_DEFAULT : image;
  }

  public static String gateway(RedisGrpcCache cache) {
    String image = cache.getSpec().gateway.image;
    return image == null || image.isBlank() ? GATEWAY_DEFAULT : image;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
