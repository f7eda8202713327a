package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheSpec;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.MemoryPlan;
import io.redisgrpc.operator.status.ConditionTypes;
import io.redisgrpc.testkit.Integration;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code examples/*.yaml} is accepted by the CRD (schema and CEL rules) and reconciled by the
 * operator: a new example file is covered without touching this class.
 */
@Integration
class ExamplesTest {
  static final Path EXAMPLES = Path.of("..", "examples");
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      List<Path> yaml =
          files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
      assertThat(yaml)
          .as("example files in %s", EXAMPLES.toAbsolutePath().normalize())
          .isNotEmpty();
      return yaml.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exampleIsAcceptedAndReconciled(Path file) throws IOException {
    KubernetesClient client = TestCluster.client();
    // One namespace and operator per example: examples may reuse cache names.
    String namespace = TestCluster.newNamespace("ex");
    try (OperatorHarness operator = new OperatorHarness(client, namespace)) {
      List<HasMetadata> applied;
      try (InputStream in = Files.newInputStream(file)) {
        // Everything in the file (a cache and whatever else an example may add), as kubectl apply
        // would.
        applied = client.load(in).inNamespace(namespace).serverSideApply();
      }
      List<String> caches =
          applied.stream()
              .filter(
                  o ->
                      "RedisGrpcCache".equals(o.getKind())
                          && o.getApiVersion().startsWith(RedisGrpcCache.GROUP + "/"))
              .map(o -> o.getMetadata().getName())
              .toList();
      assertThat(caches).as("RedisGrpcCaches in %s", file).isNotEmpty();
      for (String name : caches) {
        assertReconciled(client, namespace, name);
      }
      assertThat(operator.reconciliations())
          .as("reconciliations of the in-process operator")
          .isGreaterThanOrEqualTo(caches.size());
    }
  }

  private static void assertReconciled(KubernetesClient client, String namespace, String name) {
    // Read back from the API server: the CRD defaults are filled in there.
    RedisGrpcCache cache =
        client.resources(RedisGrpcCache.class).inNamespace(namespace).withName(name).get();
    RedisGrpcCacheSpec spec = cache.getSpec();
    boolean sentinel = spec.redis.mode == RedisMode.Sentinel;

    StatefulSet redis = await(client, StatefulSet.class, namespace, name + "-redis");
    int redisPods =
        sentinel ? spec.redis.sentinelOrDefault().replicas : spec.redis.clusterOrDefault().pods();
    assertThat(redis.getSpec().getReplicas()).as("Redis pods of %s", name).isEqualTo(redisPods);

    if (sentinel) {
      StatefulSet sentinels = await(client, StatefulSet.class, namespace, name + "-sentinel");
      assertThat(sentinels.getSpec().getReplicas())
          .isEqualTo(spec.redis.sentinelOrDefault().sentinels);
    } else {
      assertThat(
              client
                  .apps()
                  .statefulSets()
                  .inNamespace(namespace)
                  .withName(name + "-sentinel")
                  .get())
          .isNull();
    }

    Deployment gateway = await(client, Deployment.class, namespace, name + "-gateway");
    if (spec.gateway.autoscaling == null) {
      assertThat(gateway.getSpec().getReplicas())
          .as("gateway replicas of %s", name)
          .isEqualTo(spec.gateway.replicas);
    }

    String conf =
        await(client, ConfigMap.class, namespace, name + "-config").getData().get("redis.conf");
    assertThat(conf)
        .contains("maxmemory " + MemoryPlan.maxmemoryBytes(spec.redis))
        .contains("maxmemory-policy " + spec.redis.memory.evictionPolicy.redisName());
    if (!sentinel) {
      assertThat(conf).contains("cluster-enabled yes");
    }

    RedisGrpcCache reconciled =
        Awaitility.await("status conditions of " + name)
            .atMost(TIMEOUT)
            .ignoreExceptions()
            .until(
                () ->
                    client
                        .resources(RedisGrpcCache.class)
                        .inNamespace(namespace)
                        .withName(name)
                        .get(),
                c ->
                    c.getStatus() != null
                        && c.getStatus().conditions != null
                        && Objects.equals(
                            c.getStatus().observedGeneration, c.getMetadata().getGeneration())
                        && c.getStatus().conditions.stream()
                            .map(Condition::getType)
                            .toList()
                            .containsAll(
                                List.of(
                                    ConditionTypes.READY,
                                    ConditionTypes.PROGRESSING,
                                    ConditionTypes.DEGRADED,
                                    ConditionTypes.REDIS_READY,
                                    ConditionTypes.GATEWAY_READY)));
    // No kubelet in the test cluster: pods never become ready, but nothing is wrong with the
    // example.
    assertThat(condition(reconciled, ConditionTypes.READY).getStatus()).isEqualTo("False");
    assertThat(condition(reconciled, ConditionTypes.PROGRESSING).getStatus()).isEqualTo("True");
    assertThat(condition(reconciled, ConditionTypes.DEGRADED).getStatus())
        .as("Degraded of %s: %s", name, condition(reconciled, ConditionTypes.DEGRADED).getMessage())
        // TLS without cert-manager in the cluster is Degraded (CertManagerMissing);
        // CertificatesTest installs it.
        .isEqualTo(
            Boolean.TRUE.equals(spec.tls.enabled) && !client.supports(Certificate.class)
                ? "True"
                : "False");
    assertThat(reconciled.getStatus().redis.desiredPods).isEqualTo(redisPods);
    assertThat(reconciled.getStatus().gateway.endpoint)
        .isEqualTo(name + "-gateway." + namespace + ".svc:" + spec.gateway.service.port);
  }

  private static <T extends HasMetadata> T await(
      KubernetesClient client, Class<T> type, String namespace, String name) {
    return Awaitility.await(type.getSimpleName() + " " + namespace + "/" + name)
        .atMost(TIMEOUT)
        .until(
            () -> client.resources(type).inNamespace(namespace).withName(name).get(),
            Objects::nonNull);
  }

  private static Condition condition(RedisGrpcCache cache, String type) {
    return cache.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }
}
