package io.redisgrpc.operator.lifecycle;

import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.CredentialStore.Stored;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.credentials.rotation.RotationMachine;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Decision;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Observations;
import io.redisgrpc.operator.credentials.rotation.RotationPhase;
import io.redisgrpc.operator.credentials.rotation.RotationState;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.RedisTls;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.admin.RedisAdmin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The decisions of a {@link RedisLifecycle} round, from what the round read: which pods are
 * leaving, what to ask of Redis, whether a scale-down may go ahead, what the rotation machine is
 * told, what the credentials Secret holds after its decision, and when to look again.
 *
 * <p>Pure: no Kubernetes client, no Redis; the caller passes what it read and the time. {@link
 * RedisLifecycle} reads, asks here, and writes.
 */
final class LifecyclePlanner {
  /** How soon to look again while something is in flight (formation, rotation). */
  static final Duration BUSY_RECHECK = Duration.ofSeconds(2);

  private LifecyclePlanner() {}

  /**
   * The pods above the spec's count (a StatefulSet removes the highest ordinals first), once every
   * pod is known: a partial view cannot tell which pods are above the count.
   */
  static List<Endpoint> leaving(RedisEndpoints.Topology topology, int specPods) {
    return topology.complete() && topology.nodes().size() > specPods
        ? topology.nodes().subList(specPods, topology.nodes().size())
        : List.of();
  }

  /**
   * What the operator logs in with: its passwords in the Secret, current first, then the one every
   * node last accepted (a password edited by hand in the Secret is not known to the running pods
   * yet).
   */
  static List<String> operatorPasswords(Credentials credentials, Optional<String> accepted) {
    List<String> passwords = new ArrayList<>(credentials.candidates(AclRules.OPERATOR));
    if (accepted.isPresent() && !passwords.contains(accepted.get())) {
      passwords.add(accepted.get());
    }
    return passwords;
  }

  /**
   * What the round asks of Redis: the spec's mode and masters (Sentinel mode: one), the ACL users
   * the credentials call for, and the replication and sentinel passwords consumers use now.
   */
  static RedisAdmin.Desired desired(
      RedisGrpcCache cache,
      RedisEndpoints.Topology topology,
      Credentials credentials,
      List<String> operatorPasswords,
      Map<String, String> liveConfig,
      List<Endpoint> leaving,
      Optional<RedisTls> tls) {
    boolean cluster = cache.getSpec().redis.mode == RedisMode.Cluster;
    return new RedisAdmin.Desired(
        cluster ? RedisAdmin.Mode.CLUSTER : RedisAdmin.Mode.SENTINEL,
        topology.nodes(),
        topology.sentinels(),
        cluster ? cache.getSpec().redis.clusterOrDefault().shards : 1,
        cache.getSpec().redis.sentinelOrDefault().quorum,
        AclRules.desired(cache.getSpec().auth.clients, credentials.hashes()),
        operatorPasswords,
        credentials.current(AclRules.REPLICATION),
        credentials.current(AclRules.SENTINEL),
        liveConfig,
        topology.aliases(),
        topology.complete(),
        leaving,
        tls);
  }

  /**
   * Every node was reached and holds exactly the users the credentials call for: the operator's
   * current password is accepted everywhere.
   */
  static boolean inSyncEverywhere(RedisAdmin.Observation seen) {
    return seen.allReached() && seen.aclInSync();
  }

  /**
   * Only a look that finds every leaving pod removable releases a scale-down: in Cluster mode they
   * hold no slots any more; in Sentinel mode the master is a staying pod.
   */
  static boolean drained(
      RedisMode mode, int specPods, List<Endpoint> leaving, Optional<RedisAdmin.Observation> seen) {
    return !leaving.isEmpty()
        && seen.map(
                o ->
                    mode == RedisMode.Cluster
                        ? o.cluster() != null && o.cluster().removable().containsAll(leaving)
                        : o.master().map(ordinal -> ordinal < specPods).orElse(false))
            .orElse(false);
  }

  /**
   * The rotation request on the cache ({@link CredentialStore#ROTATE_ANNOTATION}), when it is one
   * not acted on yet.
   */
  static Optional<String> newRotationRequest(RedisGrpcCache cache, Stored stored) {
    String request =
        cache.getMetadata().getAnnotations() == null
            ? null
            : cache.getMetadata().getAnnotations().get(CredentialStore.ROTATE_ANNOTATION);
    return request != null && !request.isBlank() && !request.equals(stored.handledRequest())
        ? Optional.of(request)
        : Optional.empty();
  }

  /**
   * What the rotation machine is told. "Everywhere" means every pod of the cache, not only the
   * ready ones: a pod that is down now would come back with whatever users.acl the kubelet had
   * synced, so a rotation waits for it.
   *
   * @param allPods every pod of the cache was among the nodes the round talked to
   */
  static Observations observations(
      RedisMode mode,
      Credentials credentials,
      Optional<RedisAdmin.Observation> seen,
      boolean allPods,
      boolean requested) {
    boolean everywhere = allPods && seen.map(LifecyclePlanner::inSyncEverywhere).orElse(false);
    boolean sentinelMode = mode == RedisMode.Sentinel;
    boolean consumersOnCurrent =
        allPods
            && seen.map(
                    o ->
                        o.allReached()
                            && o.replicationAuthCurrent()
                            && (!sentinelMode || o.sentinelsCurrent()))
                .orElse(false);
    return new Observations(
        requested,
        credentials.allPending(),
        credentials.allPending() && everywhere,
        !credentials.anyPending() && consumersOnCurrent,
        !credentials.anyRetiring() && everywhere);
  }

  /**
   * The credentials Secret after the machine's decision: its state, the request it started (if it
   * started one), and the passwords its action calls for.
   *
   * @param request a rotation request not acted on yet
   * @param passwords where new passwords come from
   */
  static Stored afterDecision(
      Stored stored, Decision decision, Optional<String> request, Supplier<String> passwords) {
    Stored next = stored.with(decision.state());
    if (request.isPresent() && decision.state().phase() == RotationPhase.Prepare) {
      next = next.handling(request.get());
    }
    return switch (decision.action()) {
      case STORE_NEW_PASSWORD -> next.with(next.credentials().withPending(passwords));
      case SWITCH_CONSUMERS -> next.with(next.credentials().switchedToPending());
      case RETIRE_OLD_PASSWORD -> next.with(next.credentials().retired());
      case TRUST_NEW_PASSWORD, WAIT_GRACE, WAIT -> next;
    };
  }

  /**
   * When to look again: soon while a rotation or the Redis side is in flight, at the end of the
   * grace period, otherwise at the next rotation, and never later than {@code driftCheck}.
   *
   * @param rotation the rotation state as stored after this round
   */
  static Duration recheck(
      RotationState rotation,
      RotationMachine.Action action,
      Optional<RedisAdmin.Observation> seen,
      Duration grace,
      Duration driftCheck,
      Instant now) {
    if (action == RotationMachine.Action.WAIT_GRACE) {
      Duration left = Duration.between(now, rotation.phaseSince().plus(grace));
      return left.isNegative() || left.isZero() ? BUSY_RECHECK : min(left, driftCheck);
    }
    if (rotation.phase() != RotationPhase.Idle) {
      return BUSY_RECHECK;
    }
    boolean settled =
        seen.map(
                o ->
                    o.allReached()
                        && o.aclInSync()
                        && o.liveConfigApplied()
                        && o.replicationAuthCurrent()
                        && (o.cluster() == null || o.cluster().converged())
                        && o.problems().isEmpty())
            .orElse(true);
    if (!settled) {
      return BUSY_RECHECK;
    }
    Duration untilRotation = Duration.between(now, rotation.nextRotation());
    return untilRotation.isNegative() ? BUSY_RECHECK : min(untilRotation, driftCheck);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
