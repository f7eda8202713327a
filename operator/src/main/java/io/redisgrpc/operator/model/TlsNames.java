package io.redisgrpc.operator.model;

import io.redisgrpc.operator.crd.RedisGrpcCache;

/**
 * Names of the cert-manager objects, Secrets and the trust bundle (docs/security.md is the
 * contract).
 */
public final class TlsNames {
  /** Annotation on the RedisGrpcCache: a new value starts a CA rotation. */
  public static final String ROTATE_CA_ANNOTATION = "cache.redisgrpc.io/rotate-ca";

  /** Label on the operator-managed CA Certificates and their Secrets. */
  public static final String CA_GENERATION_LABEL = "redisgrpc.io/ca-generation";

  /** Component label of the CA objects (the leaves carry their workload's component). */
  public static final String CA_COMPONENT = "ca";

  public static final String TRUST_BUNDLE_KEY = "ca.crt";

  private TlsNames() {}

  private static String name(RedisGrpcCache cache) {
    return cache.getMetadata().getName();
  }

  public static String selfSignedIssuer(RedisGrpcCache cache) {
    return name(cache) + "-selfsigned";
  }

  public static String caIssuer(RedisGrpcCache cache) {
    return name(cache) + "-ca";
  }

  /**
   * CA Certificate (and Secret) of one CA generation: {@code <name>-ca}, then {@code <name>-ca-2},
   * ...
   */
  public static String caCertificate(RedisGrpcCache cache, int generation) {
    return generation <= 1 ? name(cache) + "-ca" : name(cache) + "-ca-" + generation;
  }

  public static String redisCertificate(RedisGrpcCache cache) {
    return name(cache) + "-redis-tls";
  }

  public static String sentinelCertificate(RedisGrpcCache cache) {
    return name(cache) + "-sentinel-tls";
  }

  public static String gatewayCertificate(RedisGrpcCache cache) {
    return name(cache) + "-gateway-tls";
  }

  public static String gatewayRedisCertificate(RedisGrpcCache cache) {
    return name(cache) + "-gateway-redis-tls";
  }

  public static String operatorCertificate(RedisGrpcCache cache) {
    return name(cache) + "-operator-tls";
  }

  public static String clientCertificate(RedisGrpcCache cache, String client) {
    return name(cache) + "-client-" + client + "-tls";
  }

  public static String trustBundle(RedisGrpcCache cache) {
    return name(cache) + "-trust-bundle";
  }

  /** The URI SAN the gateway maps to a declared client. */
  public static String clientIdentity(RedisGrpcCache cache, String client) {
    return "spiffe://redisgrpc.io/ns/"
        + cache.getMetadata().getNamespace()
        + "/cache/"
        + name(cache)
        + "/client/"
        + client;
  }
}
