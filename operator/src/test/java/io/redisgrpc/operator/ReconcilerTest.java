package io.redisgrpc.operator;

import static io.redisgrpc.operator.testing.CacheApi.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.redisgrpc.operator.crd.ClusterSpec;
import io.redisgrpc.operator.crd.EvictionPolicy;
import io.redisgrpc.operator.crd.GatewaySpec;
import io.redisgrpc.operator.crd.NameLimits;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.SentinelSpec;
import io.redisgrpc.operator.model.PodTemplates;
import io.redisgrpc.operator.status.ConditionTypes;
import io.redisgrpc.operator.testing.CacheApi;
import io.redisgrpc.testkit.Integration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator against a real kube-apiserver + kube-controller-manager. */
@Integration
class ReconcilerTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static KubernetesClient client;
  static String namespace;
  static CacheApi caches;
  static OperatorHarness operator;

  @BeforeAll
  static void start() {
    client = TestCluster.client();
    namespace = TestCluster.newNamespace("rec");
    caches = new CacheApi(client, namespace, TIMEOUT);
    operator = new OperatorHarness(client, namespace);
  }

  @AfterAll
  static void stop() {
    operator.close();
  }

  @Test
  void clusterModeCreatesEveryObjectAndTruthfulStatus() {
    caches.create(
        "orders",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.redis.resources =
              new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build();
        });
    StatefulSet redis = caches.await(StatefulSet.class, "orders-redis");
    assertThat(redis.getSpec().getReplicas()).isEqualTo(6);
    assertThat(caches.await(Service.class, "orders-redis-headless").getSpec().getPorts())
        .extracting(p -> p.getPort())
        .containsExactly(6379, 16379);
    caches.await(Service.class, "orders-redis");
    assertThat(caches.await(Service.class, "orders-gateway").getSpec().getPorts().get(0).getPort())
        .isEqualTo(50051);
    Deployment gateway = caches.await(Deployment.class, "orders-gateway");
    assertThat(gateway.getSpec().getReplicas()).isEqualTo(2);
    assertThat(gateway.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("--redis-mode=CLUSTER", "--redis-nodes=orders-redis." + namespace + ".svc:6379");
    String conf = caches.await(ConfigMap.class, "orders-config").getData().get("redis.conf");
    assertThat(conf)
        .contains("cluster-enabled yes", "maxmemory 805306368", "maxmemory-policy allkeys-lru");
    caches.await(PodDisruptionBudget.class, "orders-redis");
    caches.await(PodDisruptionBudget.class, "orders-gateway");
    caches.await(NetworkPolicy.class, "orders-redis");
    caches.await(ServiceAccount.class, "orders");
    assertThat(
            client.apps().statefulSets().inNamespace(namespace).withName("orders-sentinel").get())
        .isNull();

    // Every object is owned by the cache (garbage collection deletes them with it).
    assertThat(owned("orders"))
        .allSatisfy(
            o ->
                assertThat(o.getMetadata().getOwnerReferences())
                    .anySatisfy(ref -> assertThat(ref.getKind()).isEqualTo("RedisGrpcCache")));

    // The StatefulSet controller really created the pods: the restricted Pod Security level
    // admitted them.
    Awaitility.await().atMost(TIMEOUT).until(() -> pods("orders", "redis").size() == 6);
    Awaitility.await().atMost(TIMEOUT).until(() -> pods("orders", "gateway").size() == 2);

    RedisGrpcCache cache = caches.awaitStatus("orders", c -> c.getStatus().conditions.size() >= 5);
    assertThat(cache.getStatus().observedGeneration).isEqualTo(cache.getMetadata().getGeneration());
    assertThat(condition(cache, ConditionTypes.READY).getStatus()).isEqualTo("False");
    assertThat(condition(cache, ConditionTypes.PROGRESSING).getStatus()).isEqualTo("True");
    assertThat(cache.getStatus().gateway.endpoint)
        .isEqualTo("orders-gateway." + namespace + ".svc:50051");
    assertThat(cache.getStatus().redis.summary).isEqualTo("0/6");
  }

  @Test
  void sentinelModeAddsSentinelsAndTheirServices() {
    caches.create(
        "sessions",
        spec -> {
          spec.redis.mode = RedisMode.Sentinel;
          spec.redis.sentinel = new SentinelSpec();
        });
    assertThat(caches.await(StatefulSet.class, "sessions-redis").getSpec().getReplicas())
        .isEqualTo(2);
    assertThat(caches.await(StatefulSet.class, "sessions-sentinel").getSpec().getReplicas())
        .isEqualTo(3);
    caches.await(Service.class, "sessions-sentinel");
    caches.await(Service.class, "sessions-sentinel-headless");
    caches.await(PodDisruptionBudget.class, "sessions-sentinel");
    ConfigMap config = caches.await(ConfigMap.class, "sessions-config");
    assertThat(config.getData()).containsKeys("redis.conf", "sentinel.conf", "start-redis.sh");
    assertThat(config.getData().get("sentinel.conf"))
        .contains(
            "sentinel monitor mymaster sessions-redis-0.sessions-redis-headless."
                + namespace
                + ".svc 6379 2");
    assertThat(
            caches
                .await(Deployment.class, "sessions-gateway")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs())
        .contains("--redis-mode=SENTINEL", "--sentinel-master=mymaster");
    Awaitility.await().atMost(TIMEOUT).until(() -> pods("sessions", "sentinel").size() == 3);
  }

  @Test
  void liveSettingsChangeTheConfigWithoutRollingPodsWhileRestartSettingsRollThem() {
    caches.create(
        "live",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.redis.persistence.mode = PersistenceMode.RDB;
        });
    StatefulSet before = caches.await(StatefulSet.class, "live-redis");
    String hash =
        before
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get(PodTemplates.CONFIG_HASH_ANNOTATION);

    edit("live", c -> c.getSpec().redis.memory.evictionPolicy = EvictionPolicy.ALLKEYS_LFU);
    Awaitility.await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                    .configMaps()
                    .inNamespace(namespace)
                    .withName("live-config")
                    .get()
                    .getData()
                    .get("redis.conf")
                    .contains("maxmemory-policy allkeys-lfu"));
    assertThat(
            client
                .apps()
                .statefulSets()
                .inNamespace(namespace)
                .withName("live-redis")
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get(PodTemplates.CONFIG_HASH_ANNOTATION))
        .isEqualTo(hash);

    edit(
        "live",
        c -> {
          c.getSpec().redis.persistence.mode = PersistenceMode.AOF;
          c.getSpec().redis.cluster.shards = 4;
        });
    Awaitility.await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              StatefulSet after =
                  client.apps().statefulSets().inNamespace(namespace).withName("live-redis").get();
              assertThat(after.getSpec().getReplicas()).isEqualTo(8);
              assertThat(
                      after
                          .getSpec()
                          .getTemplate()
                          .getMetadata()
                          .getAnnotations()
                          .get(PodTemplates.CONFIG_HASH_ANNOTATION))
                  .isNotEqualTo(hash);
            });
  }

  @Test
  void theLongestNamesTheCrdAdmitsGetTheirPods() {
    // The CRD refuses one character more (CrdValidationTest): these are the names at the limit.
    String sentinel = CrdValidationTest.LONGEST_SENTINEL_NAME;
    String cluster = CrdValidationTest.LONGEST_CLUSTER_NAME;
    caches.create(
        sentinel,
        spec -> {
          spec.redis.mode = RedisMode.Sentinel;
          spec.redis.sentinel = new SentinelSpec();
        });
    caches.create(cluster, spec -> spec.redis.mode = RedisMode.Cluster);
    assertThat(caches.await(StatefulSet.class, sentinel + "-sentinel").getMetadata().getName())
        .hasSize(NameLimits.MAX_STATEFULSET_NAME_LENGTH);
    assertThat(caches.await(StatefulSet.class, cluster + "-redis").getMetadata().getName())
        .hasSize(NameLimits.MAX_STATEFULSET_NAME_LENGTH);
    caches.await(Service.class, sentinel + "-sentinel-headless");
    caches.await(Service.class, cluster + "-redis-headless");
    // The StatefulSet controller labels each pod with its StatefulSet's name and a revision hash:
    // the pods exist only if that label fits.
    Awaitility.await("sentinel pods")
        .atMost(TIMEOUT)
        .until(() -> pods(sentinel, "sentinel").size() == 3);
    Awaitility.await("sentinel-mode data pods")
        .atMost(TIMEOUT)
        .until(() -> pods(sentinel, "redis").size() == 2);
    Awaitility.await("cluster pods")
        .atMost(TIMEOUT)
        .until(() -> pods(cluster, "redis").size() == 6);
    Awaitility.await("gateway pods")
        .atMost(TIMEOUT)
        .until(() -> pods(cluster, "gateway").size() == 2);
    assertThat(pods(sentinel, "sentinel"))
        .allSatisfy(
            pod ->
                assertThat(pod.getMetadata().getLabels().get("controller-revision-hash"))
                    .startsWith(sentinel + "-sentinel-"));
  }

  @Test
  void aVolumeSizeRewrittenInAnotherUnitChangesNothing() {
    caches.create(
        "resized",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.redis.persistence.mode = PersistenceMode.RDB;
          spec.redis.persistence.size = new Quantity("2Gi");
        });
    StatefulSet before = caches.await(StatefulSet.class, "resized-redis");
    caches.awaitStatus(
        "resized", c -> c.getMetadata().getGeneration().equals(c.getStatus().observedGeneration));

    edit("resized", c -> c.getSpec().redis.persistence.size = new Quantity("2048Mi"));
    RedisGrpcCache cache =
        caches.awaitStatus(
            "resized",
            c ->
                c.getMetadata().getGeneration() == 2
                    && Long.valueOf(2).equals(c.getStatus().observedGeneration));
    assertThat(cache.getSpec().redis.persistence.size.toString()).isEqualTo("2048Mi");
    assertThat(condition(cache, ConditionTypes.DEGRADED).getReason())
        .isNotEqualTo("ReconcileError");
    // Converged without touching the StatefulSet, whose volume claim templates cannot change.
    Awaitility.await("converged")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> versions("resized"), v -> unchangedFor(v, "resized"));
    StatefulSet after =
        client.apps().statefulSets().inNamespace(namespace).withName("resized-redis").get();
    assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
    assertThat(
            after
                .getSpec()
                .getVolumeClaimTemplates()
                .get(0)
                .getSpec()
                .getResources()
                .getRequests()
                .get("storage")
                .toString())
        .isEqualTo("2Gi");
  }

  @Test
  void autoscalingHandsTheReplicaCountToAnHpa() {
    caches.create(
        "elastic",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.gateway.autoscaling = new GatewaySpec.AutoscalingSpec();
        });
    HorizontalPodAutoscaler hpa = caches.await(HorizontalPodAutoscaler.class, "elastic-gateway");
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    edit("elastic", c -> c.getSpec().gateway.autoscaling = null);
    Awaitility.await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .autoscaling()
                        .v2()
                        .horizontalPodAutoscalers()
                        .inNamespace(namespace)
                        .withName("elastic-gateway")
                        .get()
                    == null);
  }

  @Test
  void aMissingPullSecretIsReportedNotLoopedOn() {
    caches.create(
        "locked",
        spec -> {
          spec.redis.mode = RedisMode.Cluster;
          spec.redis.imagePullSecrets = List.of(new LocalObjectReference("registry-creds"));
        });
    RedisGrpcCache cache =
        caches.awaitStatus(
            "locked",
            c ->
                c.getStatus().conditions.stream()
                    .anyMatch(
                        x ->
                            x.getType().equals(ConditionTypes.DEGRADED)
                                && x.getStatus().equals("True")));
    assertThat(condition(cache, ConditionTypes.DEGRADED).getReason())
        .isEqualTo("ImagePullSecretMissing");
    assertThat(condition(cache, ConditionTypes.DEGRADED).getMessage()).contains("registry-creds");
    assertThat(condition(cache, ConditionTypes.READY).getReason()).isEqualTo("Blocked");
    Awaitility.await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(namespace).list().getItems().stream()
                    .anyMatch(
                        e ->
                            "ImagePullSecretMissing".equals(e.getReason())
                                && "locked".equals(e.getInvolvedObject().getName())));

    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("registry-creds")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(".dockerconfigjson", "e30=")
                .build())
        .create();
    caches.awaitStatus(
        "locked", c -> condition(c, ConditionTypes.DEGRADED).getStatus().equals("False"));
    Awaitility.await("Recovered event")
        .atMost(TIMEOUT)
        .until(() -> events("locked", "Recovered") >= 1);
    // Each transition is announced once, also when a reconciliation starts before the informer
    // has seen the status just written (a real node showed every event twice).
    Awaitility.await("no repeated event")
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(8))
        .until(
            () ->
                events("locked", "ImagePullSecretMissing") == 1
                    && events("locked", "Recovered") == 1);
  }

  private long events(String cache, String reason) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()) && cache.equals(e.getInvolvedObject().getName()))
        .count();
  }

  @Test
  void convergedCachesCauseNoWritesAndARestartedOperatorWritesNothing() {
    caches.create("steady", spec -> spec.redis.mode = RedisMode.Sentinel);
    caches.awaitStatus("steady", c -> c.getStatus().conditions.size() >= 5);
    // Converged: the owned objects and the cache keep their resourceVersions. (Pods are excluded:
    // the controllers, not the operator, update those; pods never start without a kubelet.)
    Awaitility.await("converged")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> versions("steady"), v -> unchangedFor(v, "steady"));
    Map<String, String> converged = versions("steady");
    Awaitility.await("no writes")
        .during(Duration.ofSeconds(8))
        .atMost(Duration.ofSeconds(10))
        .until(() -> versions("steady"), converged::equals);

    operator.close();
    try (OperatorHarness restarted = new OperatorHarness(client, namespace)) {
      Awaitility.await("the new operator reconciled the caches")
          .atMost(TIMEOUT)
          .until(() -> restarted.reconciliations() >= 1);
      Awaitility.await("no writes after restart (objects whose resourceVersion changed)")
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(7))
          .until(() -> changedSince(converged, versions("steady")), Map::isEmpty);
    } finally {
      operator = new OperatorHarness(client, namespace);
    }
  }

  /** The objects whose resourceVersion differs, with the old and new versions. */
  static Map<String, String> changedSince(Map<String, String> before, Map<String, String> now) {
    Map<String, String> changed = new TreeMap<>();
    now.forEach(
        (object, version) -> {
          if (!version.equals(before.get(object))) {
            changed.put(object, before.get(object) + " -> " + version);
          }
        });
    return changed;
  }

  /** kubectl edit, scale and delete on what the operator owns: each is put back. */
  @Test
  void objectsChangedByHandArePutBack() {
    caches.create("handled", spec -> spec.redis.mode = RedisMode.Sentinel);
    String conf = caches.await(ConfigMap.class, "handled-config").getData().get("redis.conf");
    int sentinels = caches.await(StatefulSet.class, "handled-sentinel").getSpec().getReplicas();
    caches.await(Service.class, "handled-gateway");

    client
        .configMaps()
        .inNamespace(namespace)
        .withName("handled-config")
        .edit(cm -> new ConfigMapBuilder(cm).addToData("redis.conf", "maxmemory 1\n").build());
    Awaitility.await("ConfigMap put back")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                client
                    .configMaps()
                    .inNamespace(namespace)
                    .withName("handled-config")
                    .get()
                    .getData()
                    .get("redis.conf"),
            conf::equals);

    client
        .apps()
        .statefulSets()
        .inNamespace(namespace)
        .withName("handled-sentinel")
        .scale(sentinels + 2);
    Awaitility.await("sentinel StatefulSet scaled back")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                client
                    .apps()
                    .statefulSets()
                    .inNamespace(namespace)
                    .withName("handled-sentinel")
                    .get()
                    .getSpec()
                    .getReplicas(),
            replicas -> replicas == sentinels);

    String uid =
        client
            .services()
            .inNamespace(namespace)
            .withName("handled-gateway")
            .get()
            .getMetadata()
            .getUid();
    client.services().inNamespace(namespace).withName("handled-gateway").delete();
    Awaitility.await("gateway Service created again")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> client.services().inNamespace(namespace).withName("handled-gateway").get(),
            service -> service != null && !uid.equals(service.getMetadata().getUid()));
  }

  @Test
  void deletingTheCacheDeletesEverythingItOwns() {
    caches.create("doomed", spec -> spec.redis.mode = RedisMode.Sentinel);
    caches.await(StatefulSet.class, "doomed-sentinel");
    caches.await(Deployment.class, "doomed-gateway");
    client.resources(RedisGrpcCache.class).inNamespace(namespace).withName("doomed").delete();
    Awaitility.await("garbage collected").atMost(TIMEOUT).until(() -> owned("doomed").isEmpty());
  }

  // ------------------------------------------------------------------ helpers

  private static boolean unchangedFor(Map<String, String> seen, String name) {
    Map<String, String> again = versions(name);
    return !seen.isEmpty() && seen.equals(again);
  }

  /** Edits the spec, retrying when the operator's status update won the race (409). */
  static void edit(String name, Consumer<RedisGrpcCache> change) {
    caches.edit(
        name,
        c -> {
          if (c.getSpec().redis.cluster == null && c.getSpec().redis.mode == RedisMode.Cluster) {
            c.getSpec().redis.cluster = new ClusterSpec();
          }
          change.accept(c);
        });
  }

  static List<Pod> pods(String instance, String component) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabels(
            Map.of(
                "app.kubernetes.io/instance", instance, "app.kubernetes.io/component", component))
        .list()
        .getItems();
  }

  /** Every object the operator manages for the cache. */
  static List<HasMetadata> owned(String instance) {
    Map<String, String> selector =
        Map.of(
            "app.kubernetes.io/instance",
            instance,
            "app.kubernetes.io/managed-by",
            "redis-grpc-operator");
    return Stream.of(
            StatefulSet.class,
            Deployment.class,
            Service.class,
            ConfigMap.class,
            ServiceAccount.class,
            PodDisruptionBudget.class,
            NetworkPolicy.class,
            HorizontalPodAutoscaler.class)
        .flatMap(
            type ->
                client
                    .resources(type)
                    .inNamespace(namespace)
                    .withLabels(selector)
                    .list()
                    .getItems()
                    .stream())
        .map(HasMetadata.class::cast)
        .toList();
  }

  static Map<String, String> versions(String instance) {
    Map<String, String> versions =
        new TreeMap<>(
            owned(instance).stream()
                .collect(
                    Collectors.toMap(
                        o -> o.getKind() + "/" + o.getMetadata().getName(),
                        o -> o.getMetadata().getResourceVersion())));
    RedisGrpcCache cache =
        client.resources(RedisGrpcCache.class).inNamespace(namespace).withName(instance).get();
    versions.put("RedisGrpcCache/" + instance, cache.getMetadata().getResourceVersion());
    return versions;
  }
}
