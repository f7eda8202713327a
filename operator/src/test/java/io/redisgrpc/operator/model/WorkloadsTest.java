package io.redisgrpc.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.redisgrpc.operator.crd.ClaimRetention;
import io.redisgrpc.operator.crd.ClusterSpec;
import io.redisgrpc.operator.crd.GatewaySpec;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.SentinelSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class WorkloadsTest {

  /**
   * Scaling must not roll the pods: the Sentinel-mode scripts name every pod a cache can have and
   * read how many there are from the ConfigMap, so the pod templates (and their restart hash) stay
   * the same while that count changes.
   */
  @Test
  void scalingASentinelModeCacheLeavesThePodTemplatesAlone() {
    RedisGrpcCache three = Caches.of("s", RedisMode.Sentinel);
    three.getSpec().redis.sentinel = new SentinelSpec();
    three.getSpec().redis.sentinel.replicas = 3;
    RedisGrpcCache four = Caches.of("s", RedisMode.Sentinel);
    four.getSpec().redis.sentinel = new SentinelSpec();
    four.getSpec().redis.sentinel.replicas = 4;
    assertThat(RedisWorkloads.redis(four).getSpec().getTemplate())
        .isEqualTo(RedisWorkloads.redis(three).getSpec().getTemplate());
    assertThat(RedisWorkloads.sentinel(four).getSpec().getTemplate())
        .isEqualTo(RedisWorkloads.sentinel(three).getSpec().getTemplate());
    assertThat(RedisConfig.configFiles(four)).containsEntry(RedisConfig.POD_COUNT_FILE, "4");
    assertThat(RedisConfig.configFiles(three)).containsEntry(RedisConfig.POD_COUNT_FILE, "3");
  }

  @Test
  void everyPodMeetsTheRestrictedProfileAndHasProbesAndRequests() {
    RedisGrpcCache sentinel = Caches.of("s", RedisMode.Sentinel);
    RedisGrpcCache cluster = Caches.of("c", RedisMode.Cluster);
    List<PodSpec> pods =
        List.of(
            RedisWorkloads.redis(cluster).getSpec().getTemplate().getSpec(),
            RedisWorkloads.redis(sentinel).getSpec().getTemplate().getSpec(),
            RedisWorkloads.sentinel(sentinel).getSpec().getTemplate().getSpec(),
            GatewayWorkloads.deployment(cluster).getSpec().getTemplate().getSpec());
    for (PodSpec pod : pods) {
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .isEqualTo("RuntimeDefault");
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
      for (Container container :
          Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList()) {
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop())
            .containsExactly("ALL");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
      }
      for (Container container : pod.getContainers()) {
        assertThat(container.getReadinessProbe()).isNotNull();
        assertThat(container.getLivenessProbe()).isNotNull();
      }
    }
  }

  @Test
  void clusterSizeAndAnnouncedHostnames() {
    RedisGrpcCache cache = Caches.of("c", RedisMode.Cluster);
    cache.getSpec().redis.cluster = new ClusterSpec();
    cache.getSpec().redis.cluster.shards = 5;
    cache.getSpec().redis.cluster.replicasPerShard = 2;
    StatefulSet redis = RedisWorkloads.redis(cache);
    assertThat(redis.getSpec().getReplicas()).isEqualTo(15);
    List<String> command =
        redis.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
    assertThat(command).hasSize(3);
    assertThat(command.get(2))
        .contains("--cluster-announce-hostname $(POD_NAME).c-redis-headless.shop.svc")
        .as(
            "the replication password reaches redis.conf through an include file, not the command line")
        .contains("> /tmp/redis-auth.conf && exec redis-server")
        .doesNotContain("--masterauth");
  }

  @Test
  void persistenceUsesClaimsAndPureCacheUsesEmptyDir() {
    RedisGrpcCache cache = Caches.of("p", RedisMode.Cluster);
    assertThat(RedisWorkloads.redis(cache).getSpec().getVolumeClaimTemplates()).isEmpty();
    cache.getSpec().redis.persistence.mode = PersistenceMode.AOF;
    cache.getSpec().redis.persistence.size = new Quantity("5Gi");
    StatefulSet redis = RedisWorkloads.redis(cache);
    assertThat(redis.getSpec().getVolumeClaimTemplates())
        .singleElement()
        .satisfies(
            claim ->
                assertThat(claim.getSpec().getResources().getRequests().get("storage"))
                    .isEqualTo(new Quantity("5Gi")));
    assertThat(redis.getSpec().getTemplate().getSpec().getVolumes())
        .noneMatch(v -> v.getName().equals("data"));
    // Deleting the cache keeps the data by default; pods removed by scaling down had theirs moved
    // off first.
    assertThat(redis.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted())
        .isEqualTo("Retain");
    assertThat(redis.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled())
        .isEqualTo("Delete");
    cache.getSpec().redis.persistence.claimRetention.whenDeleted = ClaimRetention.Delete;
    assertThat(
            RedisWorkloads.redis(cache)
                .getSpec()
                .getPersistentVolumeClaimRetentionPolicy()
                .getWhenDeleted())
        .isEqualTo("Delete");
  }

  @Test
  void userLimitsBecomeRequestsToo() {
    RedisGrpcCache cache = Caches.of("r", RedisMode.Cluster);
    cache.getSpec().redis.resources =
        new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("2Gi")).build();
    var resources =
        RedisWorkloads.redis(cache)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getResources();
    assertThat(resources.getRequests().get("memory")).isEqualTo(new Quantity("2Gi"));
    assertThat(resources.getRequests()).containsKey("cpu");
  }

  @Test
  void gatewayArgsFollowTheSpecAndAutoscalingReleasesReplicas() {
    RedisGrpcCache cache = Caches.of("g", RedisMode.Sentinel);
    cache.getSpec().gateway.limits.maxValueBytes = 4096;
    assertThat(GatewayWorkloads.args(cache))
        .contains(
            "--redis-mode=SENTINEL",
            "--redis-nodes=g-sentinel.shop.svc:26379",
            "--max-value-bytes=4096");
    assertThat(GatewayWorkloads.deployment(cache).getSpec().getReplicas()).isEqualTo(2);
    cache.getSpec().gateway.autoscaling = new GatewaySpec.AutoscalingSpec();
    assertThat(GatewayWorkloads.deployment(cache).getSpec().getReplicas()).isNull();
    assertThat(GatewayWorkloads.autoscaler(cache).getSpec().getMaxReplicas()).isEqualTo(10);
  }

  @Test
  void networkPolicyAdmitsOnlyTheCachesPodsAndTheOperatorOnlyOnRedisPorts() {
    var policy = Policies.redisNetworkPolicy(Caches.of("n", RedisMode.Cluster));
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(policy.getSpec().getIngress()).hasSize(2);
    var clients = policy.getSpec().getIngress().get(0);
    assertThat(clients.getFrom()).hasSize(2);
    assertThat(clients.getFrom().get(1).getPodSelector().getMatchLabels())
        .containsEntry(Labels.NAME, Labels.OPERATOR_NAME);
    assertThat(clients.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(6379);
    var bus = policy.getSpec().getIngress().get(1);
    assertThat(bus.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(16379);
    assertThat(bus.getFrom())
        .singleElement()
        .satisfies(
            peer ->
                assertThat(peer.getPodSelector().getMatchLabels())
                    .containsEntry(Labels.INSTANCE, "n")
                    .containsEntry(Labels.COMPONENT, Labels.REDIS));

    var sentinel = Policies.redisNetworkPolicy(Caches.of("s", RedisMode.Sentinel));
    assertThat(sentinel.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule ->
                assertThat(rule.getPorts())
                    .extracting(p -> p.getPort().getIntVal())
                    .containsExactly(6379, 26379));
  }

  /**
   * Redis pods restart only when the operator deletes them (its order: replicas first, masters
   * handed over); sentinels roll as usual. Not-Ready pods stay evictable, or a broken template
   * would block the rolling update.
   */
  @Test
  void redisPodsWaitForTheOperatorToRollThemAndUnhealthyPodsStayEvictable() {
    RedisGrpcCache sentinel = Caches.of("s", RedisMode.Sentinel);
    assertThat(RedisWorkloads.redis(sentinel).getSpec().getUpdateStrategy().getType())
        .isEqualTo("OnDelete");
    assertThat(RedisWorkloads.sentinel(sentinel).getSpec().getUpdateStrategy().getType())
        .isEqualTo("RollingUpdate");
    assertThat(
            Policies.disruptionBudget(sentinel, "s-redis", Labels.REDIS)
                .getSpec()
                .getUnhealthyPodEvictionPolicy())
        .isEqualTo("AlwaysAllow");
  }
}
