package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.redisgrpc.operator.crd.NameLimits;
import io.redisgrpc.testkit.Integration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real API server refuses broken RedisGrpcCaches with a message naming the field and saying
 * what to write instead, and accepts what only looks wrong.
 */
@Integration
class CrdValidationTest {
  static KubernetesClient client;
  static String namespace;

  @BeforeAll
  static void cluster() {
    client = TestCluster.client();
    namespace = TestCluster.newNamespace("crd");
  }

  /**
   * A manifest the API server must refuse: {@code name} (null: a name of the test's own), {@code
   * spec} as YAML (null: no spec at all), the field the answer must name and the words it must
   * contain. docs/crd-reference.md ("What is refused and why") is rendered from this list, so every
   * line of that section is checked here against the real API server.
   */
  record Refusal(String mistake, String name, String spec, String field, String answer) {
    @Override
    public String toString() {
      return mistake;
    }
  }

  /**
   * A manifest that looks wrong but is accepted on purpose; {@code why} goes into the reference.
   */
  record Accepted(String what, String name, String spec, String why) {
    @Override
    public String toString() {
      return what;
    }
  }

  static final String LONGEST_CLUSTER_NAME = "c".repeat(NameLimits.MAX_NAME_LENGTH_CLUSTER);
  static final String LONGEST_SENTINEL_NAME = "s".repeat(NameLimits.MAX_NAME_LENGTH_SENTINEL);

  static final List<Refusal> REFUSED =
      List.of(
          // The resource as a whole
          refused(
              "no spec",
              null,
              null,
              "spec",
              "spec is required: a RedisGrpcCache needs at least spec.redis.mode, such as spec: {redis: {mode: Cluster}}"),
          refused(
              "a dot in the name",
              "orders.eu",
              "{redis: {mode: Cluster}}",
              "metadata.name",
              "metadata.name must be a DNS label, since it begins the names of the cache's Services and StatefulSets: lowercase letters,"
                  + " digits and '-', starting with a letter and ending with a letter or digit, no dots (such as orders-cache)"),
          refused(
              "a name starting with a digit",
              "1cache",
              "{redis: {mode: Cluster}}",
              "metadata.name",
              "metadata.name must be a DNS label"),
          refused(
              "a name too long for mode Cluster",
              LONGEST_CLUSTER_NAME + "x",
              "{redis: {mode: Cluster}}",
              "metadata.name",
              "metadata.name must be at most 46 characters in mode Cluster and 43 in mode Sentinel: the StatefulSets <name>-redis and"
                  + " <name>-sentinel may have at most 52 characters, because Kubernetes labels their pods with the StatefulSet's name and"
                  + " an 11-character revision hash, and a label value has at most 63"),
          refused(
              "a name too long for mode Sentinel",
              LONGEST_SENTINEL_NAME + "x",
              "{redis: {mode: Sentinel, sentinel: {}}}",
              "metadata.name",
              "metadata.name must be at most 46 characters in mode Cluster and 43 in mode Sentinel"),
          refused("no redis section", null, "{}", "spec.redis", "Required value"),
          refused("no mode", null, "{redis: {}}", "spec.redis.mode", "Required value"),
          refused(
              "unknown mode",
              null,
              "{redis: {mode: Standalone}}",
              "spec.redis.mode",
              "Unsupported value: \"Standalone\""),
          // Topology
          refused(
              "too few shards",
              null,
              "{redis: {mode: Cluster, cluster: {shards: 2}}}",
              "spec.redis.cluster.shards",
              "should be greater than or equal to 3"),
          refused(
              "negative replicas",
              null,
              "{redis: {mode: Cluster, cluster: {replicasPerShard: -1}}}",
              "spec.redis.cluster.replicasPerShard",
              "should be greater than or equal to 0"),
          refused(
              "quorum above sentinels",
              null,
              "{redis: {mode: Sentinel, sentinel: {sentinels: 3, quorum: 4}}}",
              "spec.redis.sentinel",
              "spec.redis.sentinel.quorum must not exceed spec.redis.sentinel.sentinels, or no failover can ever be agreed"),
          refused(
              "too few sentinels",
              null,
              "{redis: {mode: Sentinel, sentinel: {sentinels: 1, quorum: 1}}}",
              "spec.redis.sentinel.sentinels",
              "should be greater than or equal to 3"),
          refused(
              "an even number of sentinels",
              null,
              "{redis: {mode: Sentinel, sentinel: {sentinels: 4}}}",
              "spec.redis.sentinel.sentinels",
              "spec.redis.sentinel.sentinels must be odd (3, 5, 7 or 9): failover needs a majority of the sentinels, and an even number"
                  + " survives no more sentinel losses than one fewer"),
          refused(
              "sentinel section in cluster mode",
              null,
              "{redis: {mode: Cluster, sentinel: {sentinels: 3}}}",
              "spec.redis",
              "spec.redis.sentinel is only allowed with mode Sentinel"),
          refused(
              "cluster section in sentinel mode",
              null,
              "{redis: {mode: Sentinel, cluster: {shards: 3}}}",
              "spec.redis",
              "spec.redis.cluster is only allowed with mode Cluster"),
          // Quantities
          refused(
              "maxmemory that is not a quantity",
              null,
              "{redis: {mode: Cluster, memory: {maxmemory: lots}}}",
              "spec.redis.memory.maxmemory",
              "spec.redis.memory.maxmemory must be a quantity of at least 1Mi, such as 768Mi or 2Gi: maxmemory 0 lets Redis grow without"
                  + " bound, and Redis itself warns below 1MB"),
          refused(
              "negative maxmemory",
              null,
              "{redis: {mode: Cluster, memory: {maxmemory: -1Gi}}}",
              "spec.redis.memory.maxmemory",
              "must be a quantity of at least 1Mi"),
          refused(
              "maxmemory 0",
              null,
              "{redis: {mode: Cluster, memory: {maxmemory: 0}}}",
              "spec.redis.memory.maxmemory",
              "must be a quantity of at least 1Mi"),
          refused(
              "maxmemory and ratio",
              null,
              "{redis: {mode: Cluster, resources: {limits: {memory: 1Gi}}, memory: {maxmemory: 500Mi, maxmemoryRatio: 0.5}}}",
              "spec.redis.memory",
              "set spec.redis.memory.maxmemory or spec.redis.memory.maxmemoryRatio, not both"),
          refused(
              "ratio without a limit",
              null,
              "{redis: {mode: Cluster, memory: {maxmemoryRatio: 0.5}}}",
              "spec.redis",
              "spec.redis.memory.maxmemoryRatio needs spec.redis.resources.limits.memory"),
          refused(
              "ratio out of range",
              null,
              "{redis: {mode: Cluster, resources: {limits: {memory: 1Gi}}, memory: {maxmemoryRatio: 1.5}}}",
              "spec.redis.memory.maxmemoryRatio",
              "should be less than or equal to 0.95"),
          refused(
              "a memory limit that is not a quantity",
              null,
              "{redis: {mode: Cluster, resources: {limits: {memory: 2 GB}}}}",
              "spec.redis.resources",
              "spec.redis.resources.limits.memory must be a quantity of at least 0, such as 512Mi or 2Gi for memory and 500m or 2 for cpu"),
          refused(
              "a negative cpu request",
              null,
              "{redis: {mode: Cluster, resources: {requests: {cpu: -500m}}}}",
              "spec.redis.resources",
              "spec.redis.resources.requests.cpu must be a quantity of at least 0"),
          refused(
              "a memory limit below 1Mi",
              null,
              "{redis: {mode: Cluster, resources: {limits: {memory: 1k}}}}",
              "spec.redis.resources",
              "spec.redis.resources.limits.memory must be at least 1Mi, such as 512Mi or 2Gi: maxmemory is a share of it, and a share"
                  + " rounded down to 0 bytes would let Redis grow without bound"),
          refused(
              "a memory request above the limit",
              null,
              "{redis: {mode: Cluster, resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}}}",
              "spec.redis.resources",
              "spec.redis.resources.requests.memory must not exceed spec.redis.resources.limits.memory: lower the request or raise the"
                  + " limit (a missing request defaults to the limit)"),
          refused(
              "a gateway memory limit that is not a quantity",
              null,
              "{redis: {mode: Cluster}, gateway: {resources: {limits: {memory: lots}}}}",
              "spec.gateway.resources",
              "spec.gateway.resources.limits.memory must be a quantity of at least 0"),
          refused(
              "a gateway cpu request above the limit",
              null,
              "{redis: {mode: Cluster}, gateway: {resources: {requests: {cpu: 2}, limits: {cpu: 1500m}}}}",
              "spec.gateway.resources",
              "spec.gateway.resources.requests.cpu must not exceed spec.gateway.resources.limits.cpu"),
          refused(
              "a volume size that is not a quantity",
              null,
              "{redis: {mode: Cluster, persistence: {mode: RDB, size: ten gigs}}}",
              "spec.redis.persistence.size",
              "spec.redis.persistence.size must be a quantity of at least 1Mi, such as 1Gi or 20Gi"),
          refused(
              "a negative volume size",
              null,
              "{redis: {mode: Cluster, persistence: {mode: RDB, size: -1Gi}}}",
              "spec.redis.persistence.size",
              "spec.redis.persistence.size must be a quantity of at least 1Mi"),
          refused(
              "unknown eviction policy",
              null,
              "{redis: {mode: Cluster, memory: {evictionPolicy: allkeys-fifo}}}",
              "spec.redis.memory.evictionPolicy",
              "Unsupported value: \"allkeys-fifo\""),
          refused(
              "unknown persistence",
              null,
              "{redis: {mode: Cluster, persistence: {mode: Snapshot}}}",
              "spec.redis.persistence.mode",
              "Unsupported value: \"Snapshot\""),
          // Clients
          refused(
              "duplicate client names",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', permissions: [read]}, {name: a, keyPrefix: 'b:', permissions: [read]}]}}",
              "spec.auth.clients",
              "each client name must be unique"),
          refused(
              "overlapping key prefixes",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'orders:', permissions: [read]}, {name: b, keyPrefix: 'orders:eu:', permissions: [read]}]}}",
              "spec.auth.clients",
              "key prefixes must not overlap"),
          refused(
              "glob in key prefix",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'orders*', permissions: [read]}]}}",
              "spec.auth.clients[0].keyPrefix",
              "spec.auth.clients[].keyPrefix must be a literal prefix such as 'orders:', without glob characters (* ? [ ]) or whitespace"),
          refused(
              "space in channel prefix",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', channelPrefix: 'orders events', permissions: [read]}]}}",
              "spec.auth.clients[0].channelPrefix",
              "spec.auth.clients[].channelPrefix must be a literal prefix such as 'orders.', without glob characters (* ? [ ]) or whitespace"),
          refused(
              "hash tag in key prefix",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a{t}:', permissions: [read]}]}}",
              "spec.auth.clients[0].keyPrefix",
              "would put every key of the client in one cluster slot"),
          refused(
              "client without permissions",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', permissions: []}]}}",
              "spec.auth.clients[0].permissions",
              "should have at least 1 items"),
          refused(
              "unknown permission",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: a, keyPrefix: 'a:', permissions: [admin]}]}}",
              "spec.auth.clients[0].permissions[0]",
              "Unsupported value: \"admin\""),
          refused(
              "client name not a DNS label",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: Orders_API, keyPrefix: 'a:', permissions: [read]}]}}",
              "spec.auth.clients[0].name",
              "spec.auth.clients[].name must be a DNS label such as orders-api: lowercase letters, digits and '-', starting and ending with a"
                  + " letter or digit"),
          refused(
              "client named default",
              null,
              "{redis: {mode: Cluster}, auth: {clients: [{name: default, keyPrefix: 'a:', permissions: [read]}]}}",
              "spec.auth.clients[0].name",
              "must not be 'default'"),
          // Durations
          refused(
              "rotation interval in words",
              null,
              "{redis: {mode: Cluster}, auth: {rotation: {interval: '30 days'}}}",
              "spec.auth.rotation.interval",
              "spec.auth.rotation.interval must be a Go duration of at least 1m, such as 720h (30 days) or 168h: a number (up to 6 digits)"
                  + " followed by h, m, s or ms, parts combinable as in 1h30m"),
          refused(
              "a zero rotation interval",
              null,
              "{redis: {mode: Cluster}, auth: {rotation: {interval: 0h, gracePeriod: 0s}}}",
              "spec.auth.rotation.interval",
              "spec.auth.rotation.interval must be a Go duration of at least 1m"),
          refused(
              "a grace period longer than the rotation interval",
              null,
              "{redis: {mode: Cluster}, auth: {rotation: {interval: 1h, gracePeriod: 90m}}}",
              "spec.auth.rotation",
              "spec.auth.rotation.gracePeriod must not exceed spec.auth.rotation.interval: an old password would stay valid for longer than"
                  + " a password is meant to live; shorten gracePeriod (default 5m) or lengthen interval"),
          refused(
              "grace period with a day unit",
              null,
              "{redis: {mode: Cluster}, auth: {rotation: {gracePeriod: 1d}}}",
              "spec.auth.rotation.gracePeriod",
              "spec.auth.rotation.gracePeriod must be a Go duration such as 5m or 1h"),
          refused(
              "trust propagation delay without a unit",
              null,
              "{redis: {mode: Cluster}, tls: {trustPropagationDelay: '120'}}",
              "spec.tls.trustPropagationDelay",
              "spec.tls.trustPropagationDelay must be a Go duration such as 2m or 90s"),
          // Gateway and TLS
          refused(
              "gateway without replicas",
              null,
              "{redis: {mode: Cluster}, gateway: {replicas: 0}}",
              "spec.gateway.replicas",
              "should be greater than or equal to 1"),
          refused(
              "autoscaling min above max",
              null,
              "{redis: {mode: Cluster}, gateway: {autoscaling: {minReplicas: 5, maxReplicas: 2}}}",
              "spec.gateway.autoscaling",
              "spec.gateway.autoscaling.minReplicas must not exceed maxReplicas"),
          refused(
              "gateway port out of range",
              null,
              "{redis: {mode: Cluster}, gateway: {service: {port: 70000}}}",
              "spec.gateway.service.port",
              "should be less than or equal to 65535"),
          refused(
              "unknown service type",
              null,
              "{redis: {mode: Cluster}, gateway: {service: {type: Ingress}}}",
              "spec.gateway.service.type",
              "Unsupported value: \"Ingress\""),
          refused(
              "issuer without a name",
              null,
              "{redis: {mode: Cluster}, tls: {enabled: true, issuerRef: {kind: ClusterIssuer}}}",
              "spec.tls.issuerRef.name",
              "Required value"));

  static final List<Accepted> ACCEPTED =
      List.of(
          accepted(
              "the longest name in mode Cluster (46 characters)",
              LONGEST_CLUSTER_NAME,
              "{redis: {mode: Cluster}}",
              "<name>-redis is a 52-character StatefulSet; ReconcilerTest has its pods created"),
          accepted(
              "the longest name in mode Sentinel (43 characters)",
              LONGEST_SENTINEL_NAME,
              "{redis: {mode: Sentinel, sentinel: {}}}",
              "<name>-sentinel is a 52-character StatefulSet; ReconcilerTest has its pods created"),
          accepted(
              "quantities as plain numbers of bytes",
              null,
              "{redis: {mode: Cluster, resources: {limits: {memory: 1073741824}}, memory: {maxmemory: 805306368}, persistence: {mode: RDB, size: 2147483648}}}",
              "a number is a quantity in bytes"),
          accepted(
              "a grace period as long as the rotation interval",
              null,
              "{redis: {mode: Cluster}, auth: {rotation: {interval: 1h, gracePeriod: 60m}}}",
              "the next interval starts once the old password is gone, so the two never overlap"),
          accepted(
              "resource names other than cpu and memory",
              null,
              "{redis: {mode: Cluster, resources: {limits: {memory: 1Gi, ephemeral-storage: 2Gi}}}}",
              "every limit and request is checked as a quantity, whatever its name"));

  private static Refusal refused(
      String mistake, String name, String spec, String field, String answer) {
    return new Refusal(mistake, name, spec, field, answer);
  }

  private static Accepted accepted(String what, String name, String spec, String why) {
    return new Accepted(what, name, spec, why);
  }

  static Stream<Refusal> refusals() {
    return REFUSED.stream();
  }

  static Stream<Accepted> acceptances() {
    return ACCEPTED.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusesWithAMessageNamingTheFieldAndWhatToWrite(Refusal refusal) {
    String name = refusal.name() == null ? "bad-" + REFUSED.indexOf(refusal) : refusal.name();
    KubernetesClientException error =
        catchThrowableOfType(
            KubernetesClientException.class,
            () -> client.resource(cache(name, refusal.spec())).create());
    assertThat(error).as("%s must be refused", refusal.mistake()).isNotNull();
    assertThat(error.getCode()).isEqualTo(422);
    String message = error.getStatus().getMessage();
    assertThat(message).as("the answer names the field").contains(refusal.field());
    assertThat(message).contains(refusal.answer());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptances")
  void acceptsWhatLooksWrongButIsHarmless(Accepted accepted) {
    String name = accepted.name() == null ? "fine-" + ACCEPTED.indexOf(accepted) : accepted.name();
    GenericKubernetesResource created = client.resource(cache(name, accepted.spec())).create();
    assertThat(created.getMetadata().getUid()).isNotBlank();
  }

  @Test
  void aVolumeSizeRewrittenInAnotherUnitIsNoChangeButANewSizeIsRefused() {
    client
        .resource(cache("sized", "{redis: {mode: Cluster, persistence: {mode: RDB, size: 2Gi}}}"))
        .create();
    GenericKubernetesResource rewritten = get("sized");
    ((Map<String, Object>) rewritten.get("spec", "redis", "persistence")).put("size", "2048Mi");
    client.resource(rewritten).update();
    assertThat((String) get("sized").get("spec", "redis", "persistence", "size"))
        .isEqualTo("2048Mi");

    GenericKubernetesResource bytes = get("sized");
    ((Map<String, Object>) bytes.get("spec", "redis", "persistence")).put("size", 2147483648L);
    client.resource(bytes).update();

    GenericKubernetesResource grown = get("sized");
    ((Map<String, Object>) grown.get("spec", "redis", "persistence")).put("size", "3Gi");
    KubernetesClientException error =
        catchThrowableOfType(
            KubernetesClientException.class, () -> client.resource(grown).update());
    assertThat(error).isNotNull();
    assertThat(error.getCode()).isEqualTo(422);
    assertThat(error.getStatus().getMessage())
        .contains("spec.redis.persistence.size: ")
        .contains(
            "spec.redis.persistence.size is immutable once volumes exist (the same size in another unit, such as 2Gi as 2048Mi,"
                + " is accepted)");
  }

  @Test
  void theStorageClassStaysImmutable() {
    client
        .resource(
            cache(
                "classy",
                "{redis: {mode: Cluster, persistence: {mode: AOF, storageClassName: fast}}}"))
        .create();
    GenericKubernetesResource changed = get("classy");
    ((Map<String, Object>) changed.get("spec", "redis", "persistence"))
        .put("storageClassName", "slow");
    KubernetesClientException error =
        catchThrowableOfType(
            KubernetesClientException.class, () -> client.resource(changed).update());
    assertThat(error).isNotNull();
    assertThat(error.getStatus().getMessage())
        .contains("spec.redis.persistence.storageClassName: ")
        .contains("spec.redis.persistence.storageClassName is immutable once volumes exist");
  }

  private static GenericKubernetesResource get(String name) {
    return client
        .genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
        .inNamespace(namespace)
        .withName(name)
        .get();
  }

  @Test
  void acceptsTheMinimalSpecsAndAppliesDefaults() {
    GenericKubernetesResource created =
        client.resource(cache("minimal-cluster", "{redis: {mode: Cluster}}")).create();
    Map<String, Object> redis = created.get("spec", "redis");
    // No image default in the CRD: the operator's configured default applies (model.Images), so
    // an air-gapped install changes it in one place and stored objects do not pin the old one.
    assertThat(redis).doesNotContainKey("image");
    assertThat((Map<String, Object>) created.get("spec", "gateway")).containsEntry("replicas", 2);
    client.resource(cache("minimal-sentinel", "{redis: {mode: Sentinel, sentinel: {}}}")).create();
    GenericKubernetesResource sentinel =
        client
            .genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
            .inNamespace(namespace)
            .withName("minimal-sentinel")
            .get();
    assertThat((Map<String, Object>) sentinel.get("spec", "redis", "sentinel"))
        .containsEntry("sentinels", 3)
        .containsEntry("quorum", 2);
  }

  @Test
  void modeIsImmutable() {
    client.resource(cache("immutable", "{redis: {mode: Cluster}}")).create();
    GenericKubernetesResource changed =
        client
            .genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
            .inNamespace(namespace)
            .withName("immutable")
            .get();
    Map<String, Object> redis = changed.get("spec", "redis");
    redis.put("mode", "Sentinel");
    KubernetesClientException error =
        catchThrowableOfType(
            KubernetesClientException.class, () -> client.resource(changed).update());
    assertThat(error).isNotNull();
    assertThat(error.getStatus().getMessage()).contains("spec.redis.mode is immutable");
  }

  @Test
  void persistenceCannotBeSwitchedOnOrOffOnAnExistingCache() {
    client.resource(cache("volatile", "{redis: {mode: Cluster}}")).create();
    GenericKubernetesResource changed =
        client
            .genericKubernetesResources("cache.redisgrpc.io/v1alpha1", "RedisGrpcCache")
            .inNamespace(namespace)
            .withName("volatile")
            .get();
    Map<String, Object> persistence = changed.get("spec", "redis", "persistence");
    persistence.put("mode", "AOF");
    KubernetesClientException error =
        catchThrowableOfType(
            KubernetesClientException.class, () -> client.resource(changed).update());
    assertThat(error).isNotNull();
    assertThat(error.getStatus().getMessage())
        .contains("spec.redis.persistence.mode cannot switch between None and a persistent mode");
  }

  /** A RedisGrpcCache named {@code name} with {@code specYaml} as its spec, or none when null. */
  static GenericKubernetesResource cache(String name, String specYaml) {
    String yaml =
        "apiVersion: cache.redisgrpc.io/v1alpha1\nkind: RedisGrpcCache\nmetadata:\n  name: "
            + name
            + "\n  namespace: "
            + namespace
            + "\n"
            + (specYaml == null ? "" : "spec: " + specYaml + "\n");
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }
}
