package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The real API server rejects bad RedisGrpcCaches with a message naming the field. */
class CrdValidationTest {
  static KubernetesClient client;
  static String namespace;

  @BeforeAll
  static void cluster() {
    client = TestCluster.client();
    namespace = TestCluster.newNamespace("crd");
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        bad("no redis section", "{}", "spec.redis: Required value"),
        bad("no mode", "{redis: {}}", "spec.redis.mode: Required value"),
        bad("unknown mode", "{redis: {mode: Standalone}}", "spec.redis.mode: Unsupported value: \"Standalone\""),
        bad("too few shards", "{redis: {mode: Cluster, cluster: {shards: 2}}}", "spec.redis.cluster.shards: Invalid value: 2"),
        bad("negative replicas", "{redis: {mode: Cluster, cluster: {replicasPerShard: -1}}}", "spec.redis.cluster.replicasPerShard"),
        bad("quorum above sentinels", "{redis: {mode: Sentinel, sentinel: {sentinels: 3, quorum: 4}}}",
            "spec.redis.sentinel.quorum must not exceed spec.redis.sentinel.sentinels"),
        bad("too few sentinels", "{redis: {mode: Sentinel, sentinel: {sentinels: 1, quorum: 1}}}", "spec.redis.sentinel.sentinels"),
        bad("sentinel section in cluster mode", "{redis: {mode: Cluster, sentinel: {sentinels: 3}}}",
            "spec.redis.sentinel is only allowed with mode Sentinel"),
        bad("cluster section in sentinel mode", "{redis: {mode: Sentinel, cluster: {shards: 3}}}",
            "spec.redis.cluster is only allowed with mode Cluster"),
        bad("maxmemory and ratio", "{redis: {mode: Cluster, resources: {limits: {memory: 1Gi}}, memory: {maxmemory: 500Mi, maxmemoryRatio: 0.5}}}",
            "set spec.redis.memory.maxmemory or spec.redis.memory.maxmemoryRatio, not both"),
        bad("ratio without a limit", "{redis: {mode: Cluster, memory: {maxmemoryRatio: 0.5}}}",
            "spec.redis.memory.maxmemoryRatio needs spec.redis.resources.limits.memory"),
        bad("ratio out of range", "{redis: {mode: Cluster, resources: {limits: {memory: 1Gi}}, memory: {maxmemoryRatio: 1.5}}}",
            "spec.redis.memory.maxmemoryRatio"),
        bad("unknown eviction policy", "{redis: {mode: Cluster, memory: {evictionPolicy: allkeys-fifo}}}",
            "spec.redis.memory.evictionPolicy: Unsupported value: \"allkeys-fifo\""),
        bad("unknown persistence", "{redis: {mode: Cluster, persistence: {mode: Snapshot}}}", "spec.redis.persistence.mode: Unsupported value"),
        bad("duplicate client names", "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', permissions: [read]}, {name: a, keyPrefix: 'b:', permissions: [read]}]}}",
            "each client name must be unique"),
        bad("overlapping key prefixes", "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'orders:', permissions: [read]}, {name: b, keyPrefix: 'orders:eu:', permissions: [read]}]}}",
            "key prefixes must not overlap"),
        bad("glob in key prefix", "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'orders*', permissions: [read]}]}}",
            "spec.auth.clients[0].keyPrefix"),
        bad("hash tag in key prefix", "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a{t}:', permissions: [read]}]}}",
            "would put every key of the client in one cluster slot"),
        bad("client without permissions", "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', permissions: []}]}}",
            "spec.auth.clients[0].permissions"),
        bad("unknown permission", "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', permissions: [admin]}]}}",
            "Unsupported value: \"admin\""),
        bad("client name not a DNS label", "{redis: {mode: Cluster}, auth: {clients: [{name: Orders_API, keyPrefix: 'a:', permissions: [read]}]}}",
            "spec.auth.clients[0].name"),
        bad("client named default", "{redis: {mode: Cluster}, auth: {clients: [{name: default, keyPrefix: 'a:', permissions: [read]}]}}",
            "must not be 'default'"),
        bad("bad rotation interval", "{redis: {mode: Cluster}, auth: {rotation: {interval: '30 days'}}}", "spec.auth.rotation.interval"),
        bad("gateway without replicas", "{redis: {mode: Cluster}, gateway: {replicas: 0}}", "spec.gateway.replicas"),
        bad("autoscaling min above max", "{redis: {mode: Cluster}, gateway: {autoscaling: {minReplicas: 5, maxReplicas: 2}}}",
            "spec.gateway.autoscaling.minReplicas must not exceed maxReplicas"),
        bad("gateway port out of range", "{redis: {mode: Cluster}, gateway: {service: {port: 70000}}}", "spec.gateway.service.port"),
        bad("unknown service type", "{redis: {mode: Cluster}, gateway: {service: {type: Ingress}}}", "spec.gateway.service.type: Unsupported value"),
        bad("issuer without a name", "{redis: {mode: Cluster}, tls: {enabled: true, issuerRef: {kind: ClusterIssuer}}}", "spec.tls.issuerRef.name: Required value"));
  }

  private static Arguments bad(String name, String specYaml, String expectedMessage) {
    return Arguments.of(name, specYaml, expectedMessage);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void rejectsWithAMessageNamingTheProblem(String name, String specYaml, String expectedMessage) {
    KubernetesClientException error = catchThrowableOfType(KubernetesClientException.class,
        () -> client.resource(cache("bad", specYaml)).create());
    assertThat(error).as("%s must be rejected", name).isNotNull();
    assertThat(error.getCode()).isEqualTo(422);
    assertThat(error.getStatus().getMessage()).contains(expectedMessage);
  }

  @Test
  void acceptsTheMinimalSpecsAndAppliesDefaults() {
    GenericKubernetesResource created = client.resource(cache("minimal-cluster", "{redis: {mode: Cluster}}")).create();
    Map<String, Object> redis = created.get("spec", "redis");
    // No image default in the CRD: the operator's configured default applies (model.Images), so
    // an air-gapped install changes it in one place and stored objects do not pin the old one.
    assertThat(redis).doesNotContainKey("image");
    assertThat((Map<String, Object>) created.get("spec", "gateway")).containsEntry("replicas", 2);
    client.resource(cache("minimal-sentinel", "{redis: {mode: Sentinel, sentinel: {}}}")).create();
    GenericKubernetesResource sentinel = client.genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
        .inNamespace(namespace).withName("minimal-sentinel").get();
    assertThat((Map<String, Object>) sentinel.get("spec", "redis", "sentinel")).containsEntry("sentinels", 3).containsEntry("quorum", 2);
  }

  @Test
  void modeIsImmutable() {
    client.resource(cache("immutable", "{redis: {mode: Cluster}}")).create();
    GenericKubernetesResource changed = client.genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
        .inNamespace(namespace).withName("immutable").get();
    Map<String, Object> redis = changed.get("spec", "redis");
    redis.put("mode", "Sentinel");
    KubernetesClientException error = catchThrowableOfType(KubernetesClientException.class, () -> client.resource(changed).update());
    assertThat(error).isNotNull();
    assertThat(error.getStatus().getMessage()).contains("spec.redis.mode is immutable");
  }

  @Test
  void persistenceCannotBeSwitchedOnOrOffOnAnExistingCache() {
    client.resource(cache("volatile", "{redis: {mode: Cluster}}")).create();
    GenericKubernetesResource changed = client.genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
        .inNamespace(namespace).withName("volatile").get();
    Map<String, Object> persistence = changed.get("spec", "redis", "persistence");
    persistence.put("mode", "AOF");
    KubernetesClientException error = catchThrowableOfType(KubernetesClientException.class, () -> client.resource(changed).update());
    assertThat(error).isNotNull();
    assertThat(error.getStatus().getMessage()).contains("spec.redis.persistence.mode cannot switch between None and a persistent mode");
  }

  static GenericKubernetesResource cache(String name, String specYaml) {
    String yaml = "apiVersion: cache.redisgrpc.io/v1alpha1\nkind: RedisGrpcCache\nmetadata:\n  name: " + name
        + "\n  namespace: " + namespace + "\nspec: " + specYaml + "\n";
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }
}
