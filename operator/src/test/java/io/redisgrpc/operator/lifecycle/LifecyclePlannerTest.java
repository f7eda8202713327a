package io.redisgrpc.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.crd.ClusterSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.CredentialStore.Stored;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Action;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Decision;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Observations;
import io.redisgrpc.operator.credentials.rotation.RotationPhase;
import io.redisgrpc.operator.credentials.rotation.RotationState;
import io.redisgrpc.operator.model.Caches;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.acl.AclUser;
import io.redisgrpc.operator.redis.admin.RedisAdmin;
import io.redisgrpc.operator.redis.cluster.ClusterFormation;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The decisions of a Redis-side round, from what a round would read: no API server, no Redis. */
class LifecyclePlannerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration GRACE = Duration.ofMinutes(5);
  static final Duration DRIFT_CHECK = Duration.ofSeconds(60);
  static final Supplier<String> NEW_PASSWORD = () -> "new";

  static List<Endpoint> pods(int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> new Endpoint("10.0.0." + i, 6379, null))
        .toList();
  }

  static RedisEndpoints.Topology topology(int pods, boolean complete) {
    Map<String, Integer> aliases = new LinkedHashMap<>();
    for (int i = 0; i < pods; i++) {
      aliases.put("10.0.0." + i + ":6379", i);
    }
    return new RedisEndpoints.Topology(
        pods(pods), complete, List.of(new Sentinel("10.0.1.0", 26379)), aliases, Optional.empty());
  }

  /** Every service user with one password, "<user>-1". */
  static Credentials credentials() {
    Map<String, String> data = new LinkedHashMap<>();
    for (String user :
        List.of(
            AclRules.OPERATOR,
            AclRules.REPLICATION,
            AclRules.SENTINEL,
            AclRules.EXPORTER,
            AclRules.GATEWAY)) {
      data.put(user, user + "-1");
    }
    return Credentials.fromData(data);
  }

  static RotationState idle(Instant next) {
    return new RotationState(1, RotationPhase.Idle, NOW.minusSeconds(3600), NOW, next);
  }

  static RotationState in(RotationPhase phase, Instant since) {
    return new RotationState(2, phase, since, NOW.minusSeconds(3600), NOW.plusSeconds(3600));
  }

  /** What a round saw, all well by default; tests spoil one thing. */
  static final class Seen {
    int expected = 3;
    int reached = 3;
    boolean aclInSync = true;
    boolean replicationAuthCurrent = true;
    boolean liveConfigApplied = true;
    List<String> problems = List.of();
    ClusterFormation.Result cluster = null;
    Optional<Integer> master = Optional.empty();
    boolean sentinelsCurrent = true;

    Seen cluster(boolean converged, List<Endpoint> removable) {
      cluster = new ClusterFormation.Result(converged, List.of(), null, removable);
      return this;
    }

    Optional<RedisAdmin.Observation> build() {
      return Optional.of(
          new RedisAdmin.Observation(
              expected,
              reached,
              aclInSync,
              replicationAuthCurrent,
              liveConfigApplied,
              List.of(),
              problems,
              cluster,
              master,
              sentinelsCurrent,
              Map.of()));
    }
  }

  static Seen seen() {
    return new Seen();
  }

  // Which pods leave

  @Test
  void theHighestOrdinalsAboveTheSpecsCountAreLeaving() {
    assertThat(LifecyclePlanner.leaving(topology(5, true), 3)).isEqualTo(pods(5).subList(3, 5));
  }

  @Test
  void noPodIsLeavingWhileSomePodIsNotKnown() {
    assertThat(LifecyclePlanner.leaving(topology(5, false), 3)).isEmpty();
  }

  @Test
  void noPodIsLeavingAtTheSpecsCount() {
    assertThat(LifecyclePlanner.leaving(topology(3, true), 3)).isEmpty();
  }

  // What the operator logs in with and asks for

  @Test
  void theOperatorTriesItsPasswordsCurrentFirstThenTheOneEveryNodeLastAccepted() {
    Credentials rotating = credentials().withPending(NEW_PASSWORD);
    assertThat(LifecyclePlanner.operatorPasswords(rotating, Optional.of("edited-by-hand")))
        .containsExactly("_operator-1", "new", "edited-by-hand");
    assertThat(LifecyclePlanner.operatorPasswords(rotating, Optional.of("_operator-1")))
        .containsExactly("_operator-1", "new");
    assertThat(LifecyclePlanner.operatorPasswords(rotating, Optional.empty()))
        .containsExactly("_operator-1", "new");
  }

  @Test
  void clusterModeAsksForTheSpecsShards() {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    cache.getSpec().redis.cluster = new ClusterSpec();
    cache.getSpec().redis.cluster.shards = 4;
    List<Endpoint> leaving = pods(5).subList(4, 5);

    RedisAdmin.Desired desired =
        LifecyclePlanner.desired(
            cache,
            topology(5, true),
            credentials(),
            List.of("op"),
            Map.of("maxmemory", "1mb"),
            leaving,
            Optional.empty());

    assertThat(desired.mode()).isEqualTo(RedisAdmin.Mode.CLUSTER);
    assertThat(desired.masters()).isEqualTo(4);
    assertThat(desired.nodes()).isEqualTo(pods(5));
    assertThat(desired.complete()).isTrue();
    assertThat(desired.leaving()).isEqualTo(leaving);
    assertThat(desired.operatorPasswords()).containsExactly("op");
    assertThat(desired.liveConfig()).containsEntry("maxmemory", "1mb");
  }

  @Test
  void sentinelModeAsksForOneMasterWithTheSpecsQuorumAndTheCurrentPasswords() {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Sentinel);
    Credentials rotating = credentials().withPending(NEW_PASSWORD);

    RedisAdmin.Desired desired =
        LifecyclePlanner.desired(
            cache,
            topology(2, true),
            rotating,
            List.of("op"),
            Map.of(),
            List.of(),
            Optional.empty());

    assertThat(desired.mode()).isEqualTo(RedisAdmin.Mode.SENTINEL);
    assertThat(desired.masters()).isEqualTo(1);
    assertThat(desired.quorum()).isEqualTo(cache.getSpec().redis.sentinelOrDefault().quorum);
    assertThat(desired.sentinels()).containsExactly(new Sentinel("10.0.1.0", 26379));
    assertThat(desired.aliases()).containsEntry("10.0.0.1:6379", 1);
    assertThat(desired.replicationPassword()).isEqualTo("_replication-1");
    assertThat(desired.sentinelPassword()).isEqualTo("_sentinel-1");
  }

  @Test
  void theAclUsersAcceptEveryPasswordInTheSecret() {
    Credentials rotating = credentials().withPending(NEW_PASSWORD);
    RedisAdmin.Desired desired =
        LifecyclePlanner.desired(
            Caches.of("orders", RedisMode.Cluster),
            topology(6, true),
            rotating,
            List.of("op"),
            Map.of(),
            List.of(),
            Optional.empty());

    assertThat(desired.users())
        .filteredOn(user -> user.name().equals(AclRules.GATEWAY))
        .singleElement()
        .extracting(AclUser::passwordHashes)
        .asList()
        .containsExactlyInAnyOrder(AclUser.hashPassword("_gateway-1"), AclUser.hashPassword("new"));
  }

  // When a scale-down may go ahead

  @Test
  void clusterModeReleasesAScaleDownOnlyWhenEveryLeavingPodIsRemovable() {
    List<Endpoint> leaving = pods(5).subList(3, 5);
    assertThat(
            LifecyclePlanner.drained(
                RedisMode.Cluster, 3, leaving, seen().cluster(true, leaving).build()))
        .isTrue();
    assertThat(
            LifecyclePlanner.drained(
                RedisMode.Cluster,
                3,
                leaving,
                seen().cluster(false, leaving.subList(0, 1)).build()))
        .isFalse();
    assertThat(LifecyclePlanner.drained(RedisMode.Cluster, 3, leaving, seen().build()))
        .as("no formation step ran")
        .isFalse();
  }

  @Test
  void sentinelModeReleasesAScaleDownOnceTheSentinelsNameAStayingPodMaster() {
    List<Endpoint> leaving = pods(3).subList(2, 3);
    Seen onStaying = seen();
    onStaying.master = Optional.of(1);
    Seen onLeaving = seen();
    onLeaving.master = Optional.of(2);

    assertThat(LifecyclePlanner.drained(RedisMode.Sentinel, 2, leaving, onStaying.build()))
        .isTrue();
    assertThat(LifecyclePlanner.drained(RedisMode.Sentinel, 2, leaving, onLeaving.build()))
        .isFalse();
    assertThat(LifecyclePlanner.drained(RedisMode.Sentinel, 2, leaving, seen().build()))
        .as("no majority of sentinels names a master")
        .isFalse();
  }

  @Test
  void nothingIsReleasedWithoutALookAtRedisOrWithoutLeavingPods() {
    List<Endpoint> leaving = pods(5).subList(3, 5);
    assertThat(LifecyclePlanner.drained(RedisMode.Cluster, 3, leaving, Optional.empty())).isFalse();
    assertThat(
            LifecyclePlanner.drained(
                RedisMode.Cluster, 3, List.of(), seen().cluster(true, List.of()).build()))
        .isFalse();
  }

  // What the rotation machine is told

  @Test
  void aRotationRequestCountsOnceUntilItIsHandled() {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    Stored fresh = new Stored(credentials(), idle(NOW.plusSeconds(60)), null, "1");

    assertThat(LifecyclePlanner.newRotationRequest(cache, fresh)).as("no annotations").isEmpty();
    cache.getMetadata().setAnnotations(Map.of(CredentialStore.ROTATE_ANNOTATION, " "));
    assertThat(LifecyclePlanner.newRotationRequest(cache, fresh)).as("blank").isEmpty();
    cache.getMetadata().setAnnotations(Map.of(CredentialStore.ROTATE_ANNOTATION, "monday"));
    assertThat(LifecyclePlanner.newRotationRequest(cache, fresh)).contains("monday");
    assertThat(LifecyclePlanner.newRotationRequest(cache, fresh.handling("monday"))).isEmpty();
    assertThat(LifecyclePlanner.newRotationRequest(cache, fresh.handling("sunday")))
        .contains("monday");
  }

  @Test
  void aPendingPasswordIsTrustedOnlyOnceEveryPodOfTheCacheHoldsTheUsers() {
    Credentials pending = credentials().withPending(NEW_PASSWORD);
    Seen partly = seen();
    partly.reached = 2;
    Seen outOfSync = seen();
    outOfSync.aclInSync = false;

    Observations all =
        LifecyclePlanner.observations(RedisMode.Cluster, pending, seen().build(), true, false);
    assertThat(all.newPasswordStored()).isTrue();
    assertThat(all.newPasswordTrustedEverywhere()).isTrue();
    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, pending, seen().build(), false, true)
                .newPasswordTrustedEverywhere())
        .as("a pod is not started: it comes back with whatever users.acl it has")
        .isFalse();
    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, pending, partly.build(), true, false)
                .newPasswordTrustedEverywhere())
        .isFalse();
    assertThat(
            LifecyclePlanner.observations(
                    RedisMode.Cluster, pending, outOfSync.build(), true, false)
                .newPasswordTrustedEverywhere())
        .isFalse();
    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, pending, Optional.empty(), true, false)
                .newPasswordTrustedEverywhere())
        .isFalse();
  }

  @Test
  void consumersHaveSwitchedWhenNothingIsPendingAndReplicationUsesTheCurrentPassword() {
    Credentials switched = credentials().withPending(NEW_PASSWORD).switchedToPending();
    Seen stale = seen();
    stale.replicationAuthCurrent = false;

    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, switched, seen().build(), true, false)
                .consumersSwitched())
        .isTrue();
    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, switched, stale.build(), true, false)
                .consumersSwitched())
        .isFalse();
    assertThat(
            LifecyclePlanner.observations(
                    RedisMode.Cluster,
                    credentials().withPending(NEW_PASSWORD),
                    seen().build(),
                    true,
                    false)
                .consumersSwitched())
        .as("a password still pending")
        .isFalse();
  }

  @Test
  void inSentinelModeConsumersHaveSwitchedOnlyOnceEverySentinelHasTheCurrentPassword() {
    Credentials switched = credentials().withPending(NEW_PASSWORD).switchedToPending();
    Seen sentinelsBehind = seen();
    sentinelsBehind.sentinelsCurrent = false;

    assertThat(
            LifecyclePlanner.observations(
                    RedisMode.Sentinel, switched, sentinelsBehind.build(), true, false)
                .consumersSwitched())
        .isFalse();
    assertThat(
            LifecyclePlanner.observations(
                    RedisMode.Cluster, switched, sentinelsBehind.build(), true, false)
                .consumersSwitched())
        .as("Cluster mode has no sentinels")
        .isTrue();
  }

  @Test
  void theOldPasswordIsGoneOnceNothingRetiresAndEveryPodIsInSync() {
    Credentials retiring = credentials().withPending(NEW_PASSWORD).switchedToPending();
    Credentials retired = retiring.retired();

    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, retired, seen().build(), true, false)
                .oldPasswordGoneEverywhere())
        .isTrue();
    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, retiring, seen().build(), true, false)
                .oldPasswordGoneEverywhere())
        .isFalse();
    assertThat(
            LifecyclePlanner.observations(RedisMode.Cluster, retired, seen().build(), false, false)
                .oldPasswordGoneEverywhere())
        .isFalse();
  }

  @Test
  void theRequestIsPassedOn() {
    assertThat(
            LifecyclePlanner.observations(
                    RedisMode.Cluster, credentials(), Optional.empty(), false, true)
                .rotationRequested())
        .isTrue();
  }

  // What the credentials Secret holds after the machine's decision

  @Test
  void startingARotationStoresAPendingPasswordForEveryUserAndMarksTheRequestHandled() {
    Stored stored = new Stored(credentials(), idle(NOW.plusSeconds(60)), null, "1");
    RotationState prepare = in(RotationPhase.Prepare, NOW);

    Stored next =
        LifecyclePlanner.afterDecision(
            stored,
            new Decision(prepare, Action.STORE_NEW_PASSWORD),
            Optional.of("monday"),
            NEW_PASSWORD);

    assertThat(next.rotation()).isEqualTo(prepare);
    assertThat(next.handledRequest()).isEqualTo("monday");
    assertThat(next.credentials()).isEqualTo(credentials().withPending(NEW_PASSWORD));
    assertThat(next.resourceVersion()).isEqualTo("1");
  }

  @Test
  void aRequestIsMarkedHandledOnlyWhenItStartsARotation() {
    Stored stored = new Stored(credentials(), in(RotationPhase.Trust, NOW), "sunday", "1");

    Stored next =
        LifecyclePlanner.afterDecision(
            stored,
            new Decision(stored.rotation(), Action.TRUST_NEW_PASSWORD),
            Optional.of("monday"),
            NEW_PASSWORD);

    assertThat(next).isEqualTo(stored);
  }

  @Test
  void switchingMakesThePendingPasswordsCurrentAndKeepsTheOldOnesAsRetiring() {
    Credentials pending = credentials().withPending(NEW_PASSWORD);
    Stored stored = new Stored(pending, in(RotationPhase.Trust, NOW), null, "1");
    RotationState use = in(RotationPhase.Use, NOW);

    Stored next =
        LifecyclePlanner.afterDecision(
            stored, new Decision(use, Action.SWITCH_CONSUMERS), Optional.empty(), NEW_PASSWORD);

    assertThat(next.rotation()).isEqualTo(use);
    assertThat(next.credentials().current(AclRules.GATEWAY)).isEqualTo("new");
    assertThat(next.credentials().candidates(AclRules.GATEWAY))
        .containsExactly("new", "_gateway-1");
  }

  @Test
  void retiringForgetsTheOldPasswords() {
    Credentials switched = credentials().withPending(NEW_PASSWORD).switchedToPending();
    Stored stored = new Stored(switched, in(RotationPhase.Use, NOW), null, "1");

    Stored next =
        LifecyclePlanner.afterDecision(
            stored,
            new Decision(in(RotationPhase.Retire, NOW), Action.RETIRE_OLD_PASSWORD),
            Optional.empty(),
            NEW_PASSWORD);

    assertThat(next.credentials().anyRetiring()).isFalse();
    assertThat(next.credentials().candidates(AclRules.GATEWAY)).containsExactly("new");
  }

  @Test
  void waitingChangesOnlyTheState() {
    Stored stored = new Stored(credentials(), idle(NOW.plusSeconds(60)), null, "1");
    for (Action waiting : List.of(Action.WAIT, Action.WAIT_GRACE, Action.TRUST_NEW_PASSWORD)) {
      RotationState state = in(RotationPhase.Use, NOW);
      assertThat(
              LifecyclePlanner.afterDecision(
                  stored, new Decision(state, waiting), Optional.empty(), NEW_PASSWORD))
          .isEqualTo(stored.with(state));
    }
  }

  // When to look again

  Duration recheck(RotationState rotation, Action action, Optional<RedisAdmin.Observation> seen) {
    return LifecyclePlanner.recheck(rotation, action, seen, GRACE, DRIFT_CHECK, NOW);
  }

  @Test
  void duringTheGracePeriodTheNextLookIsAtItsEndOrAtTheDriftCheck() {
    assertThat(
            recheck(
                in(RotationPhase.Use, NOW.minus(GRACE).plusSeconds(20)),
                Action.WAIT_GRACE,
                seen().build()))
        .isEqualTo(Duration.ofSeconds(20));
    assertThat(recheck(in(RotationPhase.Use, NOW), Action.WAIT_GRACE, seen().build()))
        .isEqualTo(DRIFT_CHECK);
  }

  @Test
  void aGracePeriodOverIsLookedAtSoon() {
    assertThat(recheck(in(RotationPhase.Use, NOW.minus(GRACE)), Action.WAIT_GRACE, seen().build()))
        .isEqualTo(LifecyclePlanner.BUSY_RECHECK);
  }

  @Test
  void aRotationInFlightIsLookedAtSoon() {
    for (RotationPhase phase :
        List.of(RotationPhase.Prepare, RotationPhase.Trust, RotationPhase.Retire)) {
      assertThat(recheck(in(phase, NOW), Action.TRUST_NEW_PASSWORD, seen().build()))
          .as(phase.name())
          .isEqualTo(LifecyclePlanner.BUSY_RECHECK);
    }
  }

  @Test
  void aRedisSideNotSettledIsLookedAtSoon() {
    RotationState idle = idle(NOW.plusSeconds(3600));
    Seen partly = seen();
    partly.reached = 2;
    Seen liveBehind = seen();
    liveBehind.liveConfigApplied = false;
    Seen problem = seen();
    problem.problems = List.of("cannot reach 10.0.0.2:6379");

    for (Seen unsettled : List.of(partly, liveBehind, problem, seen().cluster(false, List.of()))) {
      assertThat(recheck(idle, Action.WAIT, unsettled.build()))
          .isEqualTo(LifecyclePlanner.BUSY_RECHECK);
    }
  }

  @Test
  void aSettledCacheIsLookedAtAtTheNextRotationOrTheDriftCheckWhicheverComesFirst() {
    assertThat(
            recheck(
                idle(NOW.plusSeconds(3600)), Action.WAIT, seen().cluster(true, List.of()).build()))
        .isEqualTo(DRIFT_CHECK);
    assertThat(recheck(idle(NOW.plusSeconds(15)), Action.WAIT, seen().build()))
        .isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void anOverdueRotationIsLookedAtSoon() {
    assertThat(recheck(idle(NOW.minusSeconds(1)), Action.WAIT, seen().build()))
        .isEqualTo(LifecyclePlanner.BUSY_RECHECK);
  }

  @Test
  void withoutALookAtRedisOnlyTheRotationScheduleCounts() {
    assertThat(recheck(idle(NOW.plusSeconds(3600)), Action.WAIT, Optional.empty()))
        .isEqualTo(DRIFT_CHECK);
  }
}
