package io.redisgrpc.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.redisgrpc.operator.crd.NameLimits;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.TlsSpec;
import io.redisgrpc.operator.testing.ClientSpecs;
import io.redisgrpc.operator.tls.CertificateModels;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class TlsRenderingTest {
  static RedisGrpcCache tls(RedisMode mode) {
    RedisGrpcCache cache = Caches.of("orders", mode);
    cache.getSpec().tls.enabled = true;
    return cache;
  }

  @Test
  void redisConfTurnsThePlaintextPortOffAndTlsOnForClientsReplicationAndClusterBus() {
    String conf = RedisConfig.redisConf(tls(RedisMode.Cluster));
    assertThat(conf)
        .contains(
            "port 0\ntls-port 6379\n",
            "tls-cert-file /etc/redisgrpc/tls/tls.crt",
            "tls-key-file /etc/redisgrpc/tls/tls.key",
            "tls-ca-cert-file /etc/redisgrpc/trust/ca.crt",
            "tls-auth-clients yes",
            "tls-replication yes",
            "tls-cluster yes");
    // The override comes after the plaintext "port 6379" (Redis keeps the last value).
    assertThat(conf.indexOf("port 0")).isGreaterThan(conf.indexOf("port 6379"));
    assertThat(RedisConfig.redisConf(tls(RedisMode.Sentinel)))
        .contains("tls-replication yes")
        .doesNotContain("tls-cluster");
    assertThat(RedisConfig.redisConf(Caches.of("orders", RedisMode.Cluster))).doesNotContain("tls");
  }

  @Test
  void sentinelServesTlsAndItsStartScriptAndProbesUseTheCertificate() {
    RedisGrpcCache cache = tls(RedisMode.Sentinel);
    assertThat(RedisConfig.sentinelConf(cache))
        .contains("port 0\ntls-port 26379\n", "tls-replication yes", "tls-auth-clients yes");
    assertThat(RedisConfig.sentinelModeStartScript(cache))
        .contains("-p 26379 --tls --cert /etc/redisgrpc/tls/tls.crt");
    StatefulSet sentinel = RedisWorkloads.sentinel(cache);
    assertThat(secretVolumes(sentinel))
        .contains("orders-sentinel-tls")
        .doesNotContain("orders-redis-tls");
    assertThat(
            sentinel
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getReadinessProbe()
                .getExec()
                .getCommand())
        .containsSequence(
            "--tls",
            "--cert",
            "/etc/redisgrpc/tls/tls.crt",
            "--key",
            "/etc/redisgrpc/tls/tls.key",
            "--cacert",
            "/etc/redisgrpc/trust/ca.crt",
            "ping");
  }

  @Test
  void redisPodsMountTheirSecretAndTheTrustBundleAndTlsRollsThePods() {
    RedisGrpcCache cache = tls(RedisMode.Cluster);
    StatefulSet redis = RedisWorkloads.redis(cache);
    assertThat(secretVolumes(redis))
        .contains("orders-redis-tls")
        .doesNotContain("orders-sentinel-tls");
    assertThat(redis.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(
            v ->
                v.getConfigMap() != null
                    && "orders-trust-bundle".equals(v.getConfigMap().getName()));
    assertThat(redis.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
        .extracting(m -> m.getMountPath())
        .contains("/etc/redisgrpc/tls", "/etc/redisgrpc/trust");
    assertThat(RedisWorkloads.restartHash(cache))
        .isNotEqualTo(RedisWorkloads.restartHash(Caches.of("orders", RedisMode.Cluster)));
  }

  @Test
  void gatewayGetsExactlyTheDocumentedFlagsAndVolumes() {
    RedisGrpcCache cache = tls(RedisMode.Cluster);
    assertThat(GatewayWorkloads.args(cache))
        .containsSubsequence(
            "--tls-cert-file=/etc/redisgrpc/tls/server/tls.crt",
            "--tls-key-file=/etc/redisgrpc/tls/server/tls.key",
            "--tls-client-ca-file=/etc/redisgrpc/trust/ca.crt",
            "--redis-tls",
            "--redis-tls-ca-file=/etc/redisgrpc/trust/ca.crt",
            "--redis-tls-cert-file=/etc/redisgrpc/tls/redis/tls.crt",
            "--redis-tls-key-file=/etc/redisgrpc/tls/redis/tls.key");
    var pod = GatewayWorkloads.deployment(cache).getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes())
        .extracting(Volume::getName)
        .contains("tls-server", "tls-redis", "trust-bundle");
    // The probes use the plaintext metrics port, so they work however the gRPC port is secured.
    assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getPath())
        .isEqualTo("/ready");
    assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getPort().getStrVal())
        .isEqualTo("metrics");
    assertThat(GatewayWorkloads.args(Caches.of("orders", RedisMode.Cluster)))
        .noneMatch(a -> a.contains("tls"));
  }

  @Test
  void certificatesCarryEveryNameAndTheClientIdentity() {
    RedisGrpcCache cache = tls(RedisMode.Sentinel);
    cache.getSpec().auth.clients.add(ClientSpecs.client("billing", "billing:", null));

    Certificate redis = CertificateModels.redisCertificate(cache, 1);
    assertThat(redis.getSpec().getDnsNames())
        .contains(
            "*.orders-redis-headless.shop.svc",
            "*.orders-redis-headless.shop.svc.cluster.local",
            "orders-redis",
            "orders-redis.shop.svc",
            "orders-redis.shop.svc.cluster.local",
            "localhost");
    assertThat(redis.getSpec().getUsages()).contains("server auth", "client auth");
    assertThat(redis.getSpec().getIssuerRef().getName()).isEqualTo("orders-ca");
    assertThat(redis.getSpec().getSubject().getOrganizationalUnits())
        .containsExactly("ca-generation-1");
    assertThat(
            CertificateModels.redisCertificate(cache, 2)
                .getSpec()
                .getSubject()
                .getOrganizationalUnits())
        .containsExactly("ca-generation-2");
    assertThat(CertificateModels.sentinelCertificate(cache, 1).getSpec().getDnsNames())
        .contains("*.orders-sentinel-headless.shop.svc");

    Certificate billing = CertificateModels.clientCertificate(cache, "billing", 1);
    assertThat(billing.getMetadata().getName()).isEqualTo("orders-client-billing-tls");
    assertThat(billing.getSpec().getSecretName()).isEqualTo("orders-client-billing-tls");
    assertThat(billing.getSpec().getCommonName()).isEqualTo("billing");
    assertThat(billing.getSpec().getUris())
        .containsExactly("spiffe://redisgrpc.io/ns/shop/cache/orders/client/billing");
    assertThat(billing.getSpec().getUsages()).contains("client auth").doesNotContain("server auth");
    assertThat(CertificateModels.leafNames(cache))
        .containsExactly(
            "orders-redis-tls",
            "orders-sentinel-tls",
            "orders-gateway-tls",
            "orders-gateway-redis-tls",
            "orders-operator-tls",
            "orders-client-billing-tls");

    Certificate ca2 = CertificateModels.caCertificate(cache, 2);
    assertThat(ca2.getMetadata().getName()).isEqualTo("orders-ca-2");
    assertThat(ca2.getSpec().getIsCA()).isTrue();
    assertThat(ca2.getSpec().getSecretTemplate().getLabels())
        .containsEntry("redisgrpc.io/ca-generation", "2");
    assertThat(CertificateModels.caCertificate(cache, 1).getMetadata().getName())
        .isEqualTo("orders-ca");
    assertThat(CertificateModels.caIssuer(cache, 2).getSpec().getCa().getSecretName())
        .isEqualTo("orders-ca-2");
  }

  @Test
  void aUserIssuerSignsTheLeavesDirectly() {
    RedisGrpcCache cache = tls(RedisMode.Cluster);
    cache.getSpec().tls.issuerRef = new TlsSpec.IssuerRef();
    cache.getSpec().tls.issuerRef.name = "corp-ca";
    cache.getSpec().tls.issuerRef.kind = TlsSpec.IssuerKind.ClusterIssuer;
    assertThat(CertificateModels.operatorManagedCa(cache)).isFalse();
    Certificate gateway = CertificateModels.gatewayCertificate(cache, 1);
    assertThat(gateway.getSpec().getIssuerRef().getName()).isEqualTo("corp-ca");
    assertThat(gateway.getSpec().getIssuerRef().getKind()).isEqualTo("ClusterIssuer");
    assertThat(gateway.getSpec().getSubject()).isNull();
  }

  @Test
  void caCommonNameFitsX509AlsoForTheLongestNamespaceAndCacheName() {
    assertThat(CertificateModels.caCertificate(tls(RedisMode.Cluster), 2).getSpec().getCommonName())
        .isEqualTo("shop/orders redis-grpc CA 2");
    RedisGrpcCache longest = tls(RedisMode.Cluster);
    longest.getMetadata().setName("c".repeat(NameLimits.MAX_NAME_LENGTH_CLUSTER));
    longest.getMetadata().setNamespace("n".repeat(63));
    assertThat(CertificateModels.caCertificate(longest, 999).getSpec().getCommonName())
        .hasSizeLessThanOrEqualTo(CertificateModels.MAX_COMMON_NAME_LENGTH)
        .isEqualTo(longest.getMetadata().getName() + " redis-grpc CA 999");
  }

  @Test
  void goDurations() {
    assertThat(GoDuration.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    Assertions.assertThatThrownBy(() -> GoDuration.parse("2 m"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<String> secretVolumes(StatefulSet set) {
    return set.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getSecret() != null)
        .map(v -> v.getSecret().getSecretName())
        .toList();
  }
}
