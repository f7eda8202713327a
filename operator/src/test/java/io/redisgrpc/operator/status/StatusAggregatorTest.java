package io.redisgrpc.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.redisgrpc.operator.crd.AuthSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheStatus;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Caches;
import io.redisgrpc.operator.tls.CaPhase;
import io.redisgrpc.operator.tls.CaRotationState;
import io.redisgrpc.operator.tls.CertificatesObservation;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusAggregatorTest {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T10:05:00Z");

  @Test
  void readyWhenEveryPodIsReady() {
    RedisGrpcCache cache = Caches.of("c", RedisMode.Cluster);
    RedisGrpcCacheStatus status =
        at(T0).aggregate(cache, workloads(6, 6, 0, 0, 2, 2).withRedisSide(seen(6)));
    assertThat(condition(status, ConditionTypes.READY).getStatus()).isEqualTo("True");
    assertThat(condition(status, ConditionTypes.PROGRESSING).getStatus()).isEqualTo("False");
    assertThat(condition(status, ConditionTypes.DEGRADED).getStatus()).isEqualTo("False");
    assertThat(status.gateway.endpoint).isEqualTo("c-gateway.shop.svc:50051");
    assertThat(status.observedGeneration).isEqualTo(1L);
  }

  @Test
  void transitionTimeChangesOnlyWhenTheConditionFlips() {
    RedisGrpcCache cache = Caches.of("c", RedisMode.Cluster);
    cache.setStatus(at(T0).aggregate(cache, workloads(3, 6, 0, 0, 2, 2)));
    RedisGrpcCacheStatus same = at(T1).aggregate(cache, workloads(3, 6, 0, 0, 2, 2));
    assertThat(StatusAggregator.same(same, cache.getStatus()))
        .as("an unchanged cache yields the stored status")
        .isTrue();
    RedisGrpcCacheStatus ready =
        at(T1).aggregate(cache, workloads(6, 6, 0, 0, 2, 2).withRedisSide(seen(6)));
    assertThat(StatusAggregator.same(ready, cache.getStatus())).isFalse();
    assertThat(condition(ready, ConditionTypes.READY).getLastTransitionTime())
        .isEqualTo(T1.toString());
    assertThat(condition(ready, ConditionTypes.GATEWAY_READY).getLastTransitionTime())
        .isEqualTo(T0.toString());
  }

  @Test
  void readyOnlyOnceTheOperatorHasVerifiedEveryNode() {
    RedisGrpcCache cache = Caches.of("s", RedisMode.Sentinel);
    // Every pod reports Ready, but this round the operator reached only the first one.
    RedisGrpcCacheStatus early =
        at(T0).aggregate(cache, workloads(3, 3, 3, 3, 2, 2).withRedisSide(seen(1)));
    assertThat(condition(early, ConditionTypes.REDIS_READY).getReason())
        .isEqualTo("NodesNotVerified");
    assertThat(condition(early, ConditionTypes.READY).getStatus()).isEqualTo("False");
    RedisGrpcCacheStatus unseen = at(T0).aggregate(cache, workloads(3, 3, 3, 3, 2, 2));
    assertThat(condition(unseen, ConditionTypes.READY).getStatus())
        .as("not looked at all")
        .isEqualTo("False");
    RedisGrpcCacheStatus all =
        at(T0).aggregate(cache, workloads(3, 3, 3, 3, 2, 2).withRedisSide(seen(3)));
    assertThat(condition(all, ConditionTypes.READY).getStatus()).isEqualTo("True");
  }

  @Test
  void gatewayIsReadyOnlyOnceItsServiceRoutesToIt() {
    RedisGrpcCache cache = Caches.of("c", RedisMode.Cluster);
    ObservedState pods = workloads(6, 6, 0, 0, 2, 2).withRedisSide(seen(6));

    RedisGrpcCacheStatus unlisted =
        at(T0)
            .aggregate(
                cache,
                pods.withGatewayRouting(new GatewayRouting(0, GatewayRouting.Probe.NOT_RUN)));
    assertThat(condition(unlisted, ConditionTypes.GATEWAY_READY).getStatus()).isEqualTo("False");
    assertThat(condition(unlisted, ConditionTypes.GATEWAY_READY).getReason())
        .isEqualTo("ServiceNotRouting");
    assertThat(condition(unlisted, ConditionTypes.GATEWAY_READY).getMessage())
        .contains("c-gateway lists no ready endpoint");
    assertThat(condition(unlisted, ConditionTypes.READY).getStatus()).isEqualTo("False");
    assertThat(condition(unlisted, ConditionTypes.READY).getMessage())
        .contains("no ready endpoint");

    RedisGrpcCacheStatus refused =
        at(T0)
            .aggregate(
                cache,
                pods.withGatewayRouting(new GatewayRouting(2, GatewayRouting.Probe.REFUSED)));
    assertThat(condition(refused, ConditionTypes.GATEWAY_READY).getReason())
        .isEqualTo("ServiceNotRouting");
    assertThat(condition(refused, ConditionTypes.GATEWAY_READY).getMessage()).contains("refused");
    assertThat(condition(refused, ConditionTypes.READY).getStatus()).isEqualTo("False");

    RedisGrpcCacheStatus connected =
        at(T0)
            .aggregate(
                cache,
                pods.withGatewayRouting(new GatewayRouting(2, GatewayRouting.Probe.CONNECTED)));
    assertThat(condition(connected, ConditionTypes.READY).getStatus()).isEqualTo("True");
    // Outside the cluster the probe does not run: the EndpointSlices decide.
    RedisGrpcCacheStatus listed =
        at(T0)
            .aggregate(
                cache,
                pods.withGatewayRouting(new GatewayRouting(1, GatewayRouting.Probe.NOT_RUN)));
    assertThat(condition(listed, ConditionTypes.READY).getStatus()).isEqualTo("True");
  }

  @Test
  void replicasNotReadyIsReportedBeforeTheService() {
    RedisGrpcCache cache = Caches.of("c", RedisMode.Cluster);
    ObservedState observed =
        workloads(6, 6, 0, 0, 1, 2)
            .withRedisSide(seen(6))
            .withGatewayRouting(new GatewayRouting(0, GatewayRouting.Probe.NOT_RUN));
    RedisGrpcCacheStatus status = at(T0).aggregate(cache, observed);
    assertThat(condition(status, ConditionTypes.GATEWAY_READY).getReason())
        .isEqualTo("ReplicasNotReady");
    assertThat(condition(status, ConditionTypes.GATEWAY_READY).getMessage())
        .isEqualTo("Gateway replicas ready: 1/2");
  }

  /** What the workloads show: ready and desired Redis pods, sentinels and gateway replicas. */
  static ObservedState workloads(
      int redisReady,
      int redisDesired,
      int sentinelsReady,
      int sentinelsDesired,
      int gatewayReady,
      int gatewayDesired,
      String... missingPullSecrets) {
    return ObservedState.ofWorkloads(
        new ObservedState.Count(redisReady, redisDesired),
        new ObservedState.Count(sentinelsReady, sentinelsDesired),
        new ObservedState.Count(gatewayReady, gatewayDesired),
        true,
        List.of(missingPullSecrets));
  }

  /** The operator reached {@code nodes} nodes, all in sync (Cluster mode: formed). */
  static ObservedState.RedisSide seen(int nodes) {
    return new ObservedState.RedisSide(
        new ObservedState.Nodes(nodes, nodes, List.of()),
        new ObservedState.Settings(true, true, "h"),
        new ObservedState.ClusterShape(16384, 3, 1, true, null),
        null,
        new ObservedState.Rotation(1, "Idle", T0.toString(), T0.toString(), T1.toString()));
  }

  @Test
  void aRefusedOperatorLoginIsDegradedNamingTheSecret() {
    RedisGrpcCache cache = Caches.of("w", RedisMode.Cluster);
    var refused =
        new ObservedState.RedisSide(
            new ObservedState.Nodes(
                5,
                6,
                List.of(
                    "cannot reach 10.244.0.7:6379: WRONGPASS invalid username-password pair or user is disabled.")),
            new ObservedState.Settings(false, true, "h"),
            new ObservedState.ClusterShape(16384, 3, 1, true, null),
            null,
            new ObservedState.Rotation(1, "Idle", T0.toString(), T0.toString(), T1.toString()));
    RedisGrpcCacheStatus status =
        at(T0).aggregate(cache, workloads(6, 6, 0, 0, 2, 2).withRedisSide(refused));
    assertThat(condition(status, ConditionTypes.DEGRADED).getStatus()).isEqualTo("True");
    assertThat(condition(status, ConditionTypes.DEGRADED).getReason())
        .isEqualTo("RedisLoginRefused");
    assertThat(condition(status, ConditionTypes.DEGRADED).getMessage())
        .contains("10.244.0.7:6379: WRONGPASS")
        .contains("w-credentials");
    assertThat(condition(status, ConditionTypes.READY).getStatus()).isEqualTo("False");
  }

  @Test
  void aFailedReconciliationShowsInDegradedAndKeepsTheRest() {
    RedisGrpcCache cache = Caches.of("e", RedisMode.Cluster);
    RedisGrpcCacheStatus ready =
        at(T0).aggregate(cache, workloads(6, 6, 0, 0, 2, 2).withRedisSide(seen(6)));
    RedisGrpcCacheStatus failed =
        at(T1)
            .reconcileFailed(
                ready,
                new IllegalStateException(
                    "reconcile",
                    new RuntimeException(
                        "Failure executing: PATCH statefulsets e-redis: quota exceeded")));
    assertThat(condition(failed, ConditionTypes.DEGRADED).getStatus()).isEqualTo("True");
    assertThat(condition(failed, ConditionTypes.DEGRADED).getReason()).isEqualTo("ReconcileError");
    assertThat(condition(failed, ConditionTypes.DEGRADED).getMessage())
        .contains("PATCH statefulsets e-redis: quota exceeded");
    assertThat(condition(failed, ConditionTypes.DEGRADED).getLastTransitionTime())
        .isEqualTo(T1.toString());
    assertThat(condition(failed, ConditionTypes.READY).getStatus())
        .as("the pods still serve")
        .isEqualTo("True");
    assertThat(failed.redis.summary).isEqualTo(ready.redis.summary);
    assertThat(condition(ready, ConditionTypes.DEGRADED).getStatus())
        .as("the last status is not changed in place")
        .isEqualTo("False");
  }

  @Test
  void sentinelModeNeedsTheSentinelsToo() {
    RedisGrpcCache cache = Caches.of("s", RedisMode.Sentinel);
    RedisGrpcCacheStatus status = at(T0).aggregate(cache, workloads(2, 2, 1, 3, 2, 2));
    assertThat(condition(status, ConditionTypes.REDIS_READY).getStatus()).isEqualTo("False");
    assertThat(condition(status, ConditionTypes.REDIS_READY).getMessage())
        .contains("sentinels ready: 1/3");
  }

  @Test
  void missingPullSecretBlocksWithAClearMessage() {
    RedisGrpcCache cache = Caches.of("b", RedisMode.Cluster);
    RedisGrpcCacheStatus status = at(T0).aggregate(cache, workloads(0, 6, 0, 0, 0, 2, "creds"));
    assertThat(condition(status, ConditionTypes.DEGRADED).getReason())
        .isEqualTo("ImagePullSecretMissing");
    assertThat(condition(status, ConditionTypes.DEGRADED).getMessage())
        .contains("creds")
        .contains("shop");
    assertThat(condition(status, ConditionTypes.PROGRESSING).getStatus()).isEqualTo("False");
    assertThat(condition(status, ConditionTypes.READY).getReason()).isEqualTo("Blocked");
  }

  @Test
  void credentialsWaitForRedisThenReportUsersAndRotation() {
    RedisGrpcCache cache = Caches.of("a", RedisMode.Cluster);
    RedisGrpcCacheStatus waiting = at(T0).aggregate(cache, workloads(0, 6, 0, 0, 2, 2));
    assertThat(condition(waiting, ConditionTypes.CREDENTIALS_READY).getReason())
        .isEqualTo("WaitingForRedis");

    var rotating =
        new ObservedState.RedisSide(
            new ObservedState.Nodes(6, 6, List.of()),
            new ObservedState.Settings(true, true, "h"),
            new ObservedState.ClusterShape(16384, 3, 1, true, null),
            null,
            new ObservedState.Rotation(2, "Use", T0.toString(), T0.toString(), T1.toString()));
    RedisGrpcCacheStatus status =
        at(T0).aggregate(cache, workloads(6, 6, 0, 0, 2, 2).withRedisSide(rotating));
    assertThat(condition(status, ConditionTypes.CREDENTIALS_READY).getStatus()).isEqualTo("True");
    assertThat(condition(status, ConditionTypes.CREDENTIALS_READY).getReason())
        .isEqualTo("Rotating");
    assertThat(condition(status, ConditionTypes.CREDENTIALS_READY).getMessage())
        .contains("generation 2")
        .contains("Use");
    assertThat(status.credentials.generation).isEqualTo(2L);
    assertThat(status.redis.slotsAssigned).isEqualTo(16384);
    assertThat(condition(status, ConditionTypes.READY).getStatus()).isEqualTo("True");

    var drifted =
        new ObservedState.RedisSide(
            new ObservedState.Nodes(5, 6, List.of("cannot reach 10.0.0.6:6379")),
            new ObservedState.Settings(false, true, "h"),
            new ObservedState.ClusterShape(
                16384, 3, 1, false, "waiting: [10.0.0.6:6379 not cluster_state:ok]"),
            null,
            new ObservedState.Rotation(2, "Idle", T0.toString(), T0.toString(), T1.toString()));
    RedisGrpcCacheStatus partial =
        at(T0).aggregate(cache, workloads(6, 6, 0, 0, 2, 2).withRedisSide(drifted));
    assertThat(condition(partial, ConditionTypes.CREDENTIALS_READY).getReason())
        .isEqualTo("UsersNotApplied");
    assertThat(condition(partial, ConditionTypes.CREDENTIALS_READY).getMessage())
        .contains("10.0.0.6");
    assertThat(condition(partial, ConditionTypes.REDIS_READY).getReason())
        .isEqualTo("ClusterForming");
    assertThat(condition(partial, ConditionTypes.REDIS_READY).getMessage())
        .as("what the cluster waits for is said")
        .contains("cluster forming: waiting: [10.0.0.6:6379 not cluster_state:ok]");
    assertThat(condition(partial, ConditionTypes.READY).getStatus()).isEqualTo("False");

    // A pod is Ready only once it has joined, so while forming the pods are not all Ready yet.
    RedisGrpcCacheStatus forming =
        at(T0).aggregate(cache, workloads(2, 6, 0, 0, 0, 2).withRedisSide(drifted));
    assertThat(condition(forming, ConditionTypes.REDIS_READY).getReason())
        .isEqualTo("ClusterForming");
  }

  @Test
  void certificatesReadyFollowsCertManager() {
    RedisGrpcCache cache = Caches.of("a", RedisMode.Cluster);
    cache.getSpec().tls.enabled = true;
    ObservedState pods = workloads(6, 6, 0, 0, 2, 2).withRedisSide(seen(6));

    RedisGrpcCacheStatus missing =
        at(T0).aggregate(cache, pods, new CertificatesObservation(false, List.of(), null));
    assertThat(condition(missing, ConditionTypes.CERTIFICATES_READY).getStatus())
        .isEqualTo("False");
    assertThat(condition(missing, ConditionTypes.CERTIFICATES_READY).getReason())
        .isEqualTo("CertManagerMissing");
    assertThat(condition(missing, ConditionTypes.DEGRADED).getReason())
        .isEqualTo("CertManagerMissing");
    assertThat(condition(missing, ConditionTypes.READY).getStatus()).isEqualTo("False");

    RedisGrpcCacheStatus pending =
        at(T0)
            .aggregate(
                cache, pods, new CertificatesObservation(true, List.of("a-redis-tls"), null));
    assertThat(condition(pending, ConditionTypes.CERTIFICATES_READY).getReason())
        .isEqualTo("CertificatesPending");
    assertThat(condition(pending, ConditionTypes.CERTIFICATES_READY).getMessage())
        .contains("a-redis-tls");
    assertThat(condition(pending, ConditionTypes.DEGRADED).getStatus()).isEqualTo("False");
    assertThat(condition(pending, ConditionTypes.READY).getStatus()).isEqualTo("False");

    var rotating = new CaRotationState(1, CaPhase.Trust, T0, "x");
    RedisGrpcCacheStatus issued =
        at(T0).aggregate(cache, pods, new CertificatesObservation(true, List.of(), rotating));
    assertThat(condition(issued, ConditionTypes.CERTIFICATES_READY).getStatus()).isEqualTo("True");
    assertThat(condition(issued, ConditionTypes.CERTIFICATES_READY).getReason())
        .isEqualTo("CARotationInProgress");
    assertThat(condition(issued, ConditionTypes.READY).getStatus()).isEqualTo("True");
  }

  @Test
  void statusNamesEachClientsCertificateSecretWithTls() {
    RedisGrpcCache cache = Caches.of("a", RedisMode.Cluster);
    var client = new AuthSpec.ClientSpec();
    client.name = "orders";
    client.keyPrefix = "orders:";
    cache.getSpec().auth.clients.add(client);
    ObservedState pods = workloads(6, 6, 0, 0, 2, 2).withRedisSide(seen(6));
    assertThat(at(T0).aggregate(cache, pods).clients)
        .extracting(c -> c.name + ":" + c.certificateSecret)
        .containsExactly("orders:null");
    cache.getSpec().tls.enabled = true;
    assertThat(
            at(T0)
                .aggregate(cache, pods, new CertificatesObservation(true, List.of(), null))
                .clients)
        .extracting(c -> c.certificateSecret)
        .containsExactly("a-client-orders-tls");
  }

  private static StatusAggregator at(Instant now) {
    return new StatusAggregator(Clock.fixed(now, ZoneOffset.UTC));
  }

  private static Condition condition(RedisGrpcCacheStatus status, String type) {
    return status.conditions.stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }
}
