package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMapVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.SecretVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import java.util.ArrayList;
import java.util.List;

/**
 * What TLS changes in the pods: redis.conf / sentinel.conf directives, volumes, mounts, the
 * gateway's flags (docs/security.md) and the redis-cli arguments of probes and scripts. Pure.
 *
 * <p>Every component trusts the trust bundle ({@code <name>-trust-bundle}, key {@code ca.crt}),
 * never a single Secret's {@code ca.crt}, so a CA rotation only changes one ConfigMap.
 */
public final class TlsRendering {
  /** Redis and Sentinel pods: their own certificate (Secret) and the trust bundle (ConfigMap). */
  public static final String CERT_DIR = "/etc/redisgrpc/tls";

  public static final String TRUST_DIR = "/etc/redisgrpc/trust";

  /** Gateway: server certificate, client certificate towards Redis, trust bundle. */
  public static final String GATEWAY_SERVER_DIR = "/etc/redisgrpc/tls/server";

  public static final String GATEWAY_REDIS_DIR = "/etc/redisgrpc/tls/redis";
  public static final String TLS_VOLUME = "tls";
  public static final String TRUST_VOLUME = "trust-bundle";
  public static final String GATEWAY_SERVER_VOLUME = "tls-server";
  public static final String GATEWAY_REDIS_VOLUME = "tls-redis";

  private TlsRendering() {}

  public static boolean enabled(RedisGrpcCache cache) {
    return cache.getSpec().tls != null && Boolean.TRUE.equals(cache.getSpec().tls.enabled);
  }

  /**
   * Appended to redis.conf after the plaintext directives (a later directive wins, so {@code port
   * 0} switches the plaintext port off). Read at start only.
   */
  public static List<String> redisConf(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    lines.add("# TLS (spec.tls.enabled): clients, replication and the cluster bus; plaintext off.");
    lines.add("port 0");
    lines.add("tls-port " + Names.REDIS_PORT);
    lines.addAll(files());
    lines.add("tls-auth-clients yes");
    lines.add("tls-replication yes");
    if (cache.getSpec().redis.mode == RedisMode.Cluster) {
      lines.add("tls-cluster yes");
    }
    return lines;
  }

  /** Appended to sentinel.conf: Sentinel serves TLS and talks TLS to Redis. */
  public static List<String> sentinelConf(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    lines.add("port 0");
    lines.add("tls-port " + Names.SENTINEL_PORT);
    lines.addAll(files());
    lines.add("tls-auth-clients yes");
    lines.add("tls-replication yes");
    return lines;
  }

  private static List<String> files() {
    return List.of(
        "tls-cert-file " + CERT_DIR + "/tls.crt",
        "tls-key-file " + CERT_DIR + "/tls.key",
        "tls-ca-cert-file " + TRUST_DIR + "/" + TlsNames.TRUST_BUNDLE_KEY);
  }

  /** redis-cli options for probes and scripts inside Redis/Sentinel pods (empty without TLS). */
  public static List<String> redisCliArgs(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    return List.of(
        "--tls",
        "--cert",
        CERT_DIR + "/tls.crt",
        "--key",
        CERT_DIR + "/tls.key",
        "--cacert",
        TRUST_DIR + "/" + TlsNames.TRUST_BUNDLE_KEY);
  }

  /** Volumes of a Redis (or Sentinel) pod: {@code certificateSecret} and the trust bundle. */
  public static List<Volume> volumes(RedisGrpcCache cache, String certificateSecret) {
    if (!enabled(cache)) {
      return List.of();
    }
    return List.of(secretVolume(TLS_VOLUME, certificateSecret), trustVolume(cache));
  }

  public static List<VolumeMount> mounts(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    return List.of(
        PodTemplates.mount(TLS_VOLUME, CERT_DIR, true),
        PodTemplates.mount(TRUST_VOLUME, TRUST_DIR, true));
  }

  public static List<Volume> gatewayVolumes(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    return List.of(
        secretVolume(GATEWAY_SERVER_VOLUME, TlsNames.gatewayCertificate(cache)),
        secretVolume(GATEWAY_REDIS_VOLUME, TlsNames.gatewayRedisCertificate(cache)),
        trustVolume(cache));
  }

  public static List<VolumeMount> gatewayMounts(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    return List.of(
        PodTemplates.mount(GATEWAY_SERVER_VOLUME, GATEWAY_SERVER_DIR, true),
        PodTemplates.mount(GATEWAY_REDIS_VOLUME, GATEWAY_REDIS_DIR, true),
        PodTemplates.mount(TRUST_VOLUME, TRUST_DIR, true));
  }

  /** The gateway's TLS flags, exactly as in docs/security.md. */
  public static List<String> gatewayArgs(RedisGrpcCache cache) {
    if (!enabled(cache)) {
      return List.of();
    }
    String bundle = TRUST_DIR + "/" + TlsNames.TRUST_BUNDLE_KEY;
    return List.of(
        "--tls-cert-file=" + GATEWAY_SERVER_DIR + "/tls.crt",
        "--tls-key-file=" + GATEWAY_SERVER_DIR + "/tls.key",
        "--tls-client-ca-file=" + bundle,
        "--redis-tls",
        "--redis-tls-ca-file=" + bundle,
        "--redis-tls-cert-file=" + GATEWAY_REDIS_DIR + "/tls.crt",
        "--redis-tls-key-file=" + GATEWAY_REDIS_DIR + "/tls.key");
  }

  private static Volume secretVolume(String name, String secret) {
    return new VolumeBuilder()
        .withName(name)
        .withSecret(
            new SecretVolumeSourceBuilder().withSecretName(secret).withDefaultMode(420).build())
        .build();
  }

  private static Volume trustVolume(RedisGrpcCache cache) {
    return new VolumeBuilder()
        .withName(TRUST_VOLUME)
        .withConfigMap(
            new ConfigMapVolumeSourceBuilder()
                .withName(TlsNames.trustBundle(cache))
                .withDefaultMode(420)
                .build())
        .build();
  }
}
