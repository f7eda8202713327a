package io.redisgrpc.operator.model;

import io.redisgrpc.operator.crd.RedisGrpcCache;

/** Names of everything the operator creates for one cache; the one place that spells them. */
public final class Names {
  public static final int REDIS_PORT = 6379;
  public static final int CLUSTER_BUS_PORT = 16379;
  public static final int SENTINEL_PORT = 26379;
  public static final int GATEWAY_METRICS_PORT = 9464;
  public static final String SENTINEL_MASTER_NAME = "mymaster";

  private Names() {}

  public static String redis(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-redis";
  }

  public static String redisHeadless(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-redis-headless";
  }

  public static String sentinel(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-sentinel";
  }

  public static String sentinelHeadless(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-sentinel-headless";
  }

  public static String gateway(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-gateway";
  }

  public static String config(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-config";
  }

  public static String serviceAccount(RedisGrpcCache cache) {
    return cache.getMetadata().getName();
  }

  public static String networkPolicy(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-redis";
  }

  /** Sentinel mode: the Service that selects the pod the sentinels name master. */
  public static String redisMaster(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-master";
  }

  /** Every Redis user's passwords; read only by the operator. See docs/security.md. */
  public static String credentials(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-credentials";
  }

  /** The rendered users.acl the Redis pods load at start. */
  public static String aclSecret(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-acl";
  }

  /** The gateway's policy file (clients, identities, prefixes, permissions). */
  public static String gatewayPolicy(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-gateway-policy";
  }

  /** The gateway's and the clients' current passwords, mounted into the gateway. */
  public static String gatewayCredentials(RedisGrpcCache cache) {
    return cache.getMetadata().getName() + "-gateway-credentials";
  }

  /** DNS name of a StatefulSet pod through its headless Service. */
  public static String podHost(
      String statefulSet, int ordinal, String headlessService, String namespace) {
    return statefulSet + "-" + ordinal + "." + headlessService + "." + namespace + ".svc";
  }

  public static String serviceHost(String service, String namespace) {
    return service + "." + namespace + ".svc";
  }
}
