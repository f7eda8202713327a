package io.redisgrpc.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.redisgrpc.operator.crd.AuthSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheStatus;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.tls.CertificatesCondition;
import io.redisgrpc.operator.tls.CertificatesObservation;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes the status from the spec and what was observed, without I/O. A condition keeps its
 * lastTransitionTime unless its status changes (Keycloak's rule), so an unchanged cache yields an
 * identical status and the operator writes nothing.
 */
public final class StatusAggregator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AS_EXPECTED = "AsExpected";
  private final Clock clock;

  public StatusAggregator(Clock clock) {
    this.clock = clock;
  }

  public RedisGrpcCacheStatus aggregate(RedisGrpcCache cache, ObservedState observed) {
    return aggregate(cache, observed, null);
  }

  /**
   * @param certificates what was seen of the cert-manager Certificates (null: not observed)
   */
  public RedisGrpcCacheStatus aggregate(
      RedisGrpcCache cache, ObservedState observed, CertificatesObservation certificates) {
    RedisGrpcCacheStatus previous =
        cache.getStatus() == null ? new RedisGrpcCacheStatus() : cache.getStatus();
    RedisGrpcCacheStatus status = new RedisGrpcCacheStatus();
    status.observedGeneration = cache.getMetadata().getGeneration();
    status.redis.desiredPods = observed.redis().desired();
    status.redis.readyPods = observed.redis().readyOrNone();
    status.redis.summary = observed.redis().summary();
    status.gateway.desiredReplicas = observed.gateway().desired();
    status.gateway.readyReplicas = observed.gateway().readyOrNone();
    status.gateway.summary = observed.gateway().summary();
    status.gateway.endpoint =
        Names.serviceHost(Names.gateway(cache), cache.getMetadata().getNamespace())
            + ":"
            + cache.getSpec().gateway.service.port;
    fillRedisSide(status, observed.redisSide());
    boolean tls = Boolean.TRUE.equals(cache.getSpec().tls.enabled);
    for (AuthSpec.ClientSpec client : cache.getSpec().auth.clients) {
      RedisGrpcCacheStatus.ClientStatus entry = new RedisGrpcCacheStatus.ClientStatus();
      entry.name = client.name;
      entry.certificateSecret = tls ? TlsNames.clientCertificate(cache, client.name) : null;
      status.clients.add(entry);
    }

    Condition redisReady = redisReady(previous, cache, observed);
    String routingProblem = routingProblem(cache, observed);
    Condition gatewayReady = gatewayReady(previous, observed, routingProblem);
    CertificatesCondition certs = CertificatesCondition.of(certificates);
    Condition degraded = degraded(previous, cache, observed, certificates, certs);
    boolean blocked = !observed.missingPullSecrets().isEmpty();
    boolean ready =
        isTrue(redisReady) && isTrue(gatewayReady) && !blocked && (!tls || certs.ready());

    List<Condition> conditions = new ArrayList<>();
    conditions.add(redisReady);
    conditions.add(gatewayReady);
    if (tls) {
      conditions.add(
          condition(
              previous,
              ConditionTypes.CERTIFICATES_READY,
              certs.ready(),
              certs.reason(),
              certs.message()));
    }
    conditions.add(credentialsReady(previous, observed.redisSide()));
    conditions.add(degraded);
    conditions.add(progressing(previous, observed, ready, blocked));
    conditions.add(ready(previous, observed, status, ready, blocked, routingProblem, degraded));
    status.conditions = conditions;
    return status;
  }

  /**
   * RedisReady: every Redis (and Sentinel) pod is ready, the cluster is formed, and the operator
   * itself logged in on every node this round: the pods' readiness says they serve, the login says
   * they serve what the spec asks (users, replication, live settings).
   */
  private Condition redisReady(
      RedisGrpcCacheStatus previous, RedisGrpcCache cache, ObservedState observed) {
    boolean sentinelMode = cache.getSpec().redis.mode == RedisMode.Sentinel;
    ObservedState.RedisSide side = observed.redisSide();
    boolean clusterUnformed =
        !sentinelMode && side.looked() && (side.cluster() == null || !side.cluster().formed());
    boolean everyNodeSeen = side.nodes().reached() >= observed.redis().desired();
    boolean ready =
        observed.redis().allReady()
            && (!sentinelMode || observed.sentinels().ready() >= observed.sentinels().desired())
            && !clusterUnformed
            && everyNodeSeen;
    String reason =
        ready
            ? "PodsReady"
            : clusterUnformed
                ? "ClusterForming"
                : observed.redis().ready() >= observed.redis().desired()
                    ? "NodesNotVerified"
                    : "PodsNotReady";
    String waiting =
        clusterUnformed && side.cluster() != null && side.cluster().waiting() != null
            ? "; cluster forming: " + side.cluster().waiting()
            : "";
    return condition(
        previous,
        ConditionTypes.REDIS_READY,
        ready,
        reason,
        "Redis pods ready: "
            + observed.redis().summary()
            + (sentinelMode ? ", sentinels ready: " + observed.sentinels().summary() : "")
            + waiting);
  }

  /**
   * GatewayReady: Ready must mean a client's first call succeeds, so the Service has to route as
   * well.
   */
  private Condition gatewayReady(
      RedisGrpcCacheStatus previous, ObservedState observed, String routingProblem) {
    boolean replicasReady = observed.gateway().allReady();
    boolean ready = replicasReady && routingProblem == null;
    return condition(
        previous,
        ConditionTypes.GATEWAY_READY,
        ready,
        ready ? "ReplicasReady" : replicasReady ? "ServiceNotRouting" : "ReplicasNotReady",
        "Gateway replicas ready: "
            + observed.gateway().summary()
            + (routingProblem != null ? "; " + routingProblem : ""));
  }

  private Condition credentialsReady(RedisGrpcCacheStatus previous, ObservedState.RedisSide side) {
    if (!side.looked()) {
      return condition(
          previous,
          ConditionTypes.CREDENTIALS_READY,
          false,
          "WaitingForRedis",
          "No Redis pod is ready yet; ACL users are applied on every node once they are (pods also load them from the ACL Secret at start)");
    }
    ObservedState.Nodes nodes = side.nodes();
    if (side.settings().aclInSync() && nodes.reached() == nodes.expected()) {
      boolean rotating = side.rotation() != null && side.rotation().inProgress();
      return condition(
          previous,
          ConditionTypes.CREDENTIALS_READY,
          true,
          rotating ? "Rotating" : "UsersApplied",
          rotating
              ? "ACL users applied on all "
                  + nodes.reached()
                  + " nodes; rotation to generation "
                  + side.rotation().generation()
                  + " is in phase "
                  + side.rotation().phase()
              : "ACL users applied on all " + nodes.reached() + " nodes; default user disabled");
    }
    return condition(
        previous,
        ConditionTypes.CREDENTIALS_READY,
        false,
        "UsersNotApplied",
        "ACL users in sync on "
            + (side.settings().aclInSync()
                ? nodes.reached()
                : "not all of the " + nodes.reached() + " reached")
            + " of "
            + nodes.expected()
            + " nodes"
            + (nodes.problems().isEmpty()
                ? ""
                : ": "
                    + String.join(
                        "; ", nodes.problems().subList(0, Math.min(3, nodes.problems().size())))));
  }

  /** Degraded: the first of the problems a user must act on, most fundamental first. */
  private Condition degraded(
      RedisGrpcCacheStatus previous,
      RedisGrpcCache cache,
      ObservedState observed,
      CertificatesObservation certificates,
      CertificatesCondition certs) {
    String reason;
    String message;
    if (!observed.missingPullSecrets().isEmpty()) {
      reason = "ImagePullSecretMissing";
      message =
          "image pull secret(s) not found in namespace "
              + cache.getMetadata().getNamespace()
              + ": "
              + String.join(", ", observed.missingPullSecrets())
              + "; create them or remove them from the spec";
    } else if (Boolean.TRUE.equals(cache.getSpec().tls.enabled)
        && certificates != null
        && !certificates.certManagerInstalled()) {
      reason = CertificatesCondition.CERT_MANAGER_MISSING;
      message = certs.message();
    } else if (!observed.podProblems().isEmpty()) {
      List<PodProblems.Problem> problems = observed.podProblems();
      reason = problems.get(0).kind().reason;
      message =
          String.join(
                  "; ",
                  problems.subList(0, Math.min(3, problems.size())).stream()
                      .map(PodProblems.Problem::message)
                      .toList())
              + (problems.size() > 3 ? "; and " + (problems.size() - 3) + " more" : "");
    } else if (loginRefused(observed.redisSide())) {
      reason = "RedisLoginRefused";
      message =
          "Redis refuses the operator's password: "
              + observed.redisSide().nodes().problems().stream()
                  .filter(p -> p.contains("WRONGPASS"))
                  .findFirst()
                  .orElse("")
              + "; the users of the pods' users.acl no longer match the "
              + Names.credentials(cache)
              + " Secret (edited, or restored"
              + " from a backup?). Restarting the Redis pods makes them load the operator's users.acl again";
    } else {
      reason = AS_EXPECTED;
      message = "No problems detected";
    }
    return condition(
        previous, ConditionTypes.DEGRADED, !AS_EXPECTED.equals(reason), reason, message);
  }

  private Condition progressing(
      RedisGrpcCacheStatus previous, ObservedState observed, boolean ready, boolean blocked) {
    boolean progressing = !ready && !blocked;
    return condition(
        previous,
        ConditionTypes.PROGRESSING,
        progressing,
        progressing
            ? (observed.workloadsUpToDate() ? "WaitingForPods" : "Reconciling")
            : (blocked ? "Blocked" : "Converged"),
        progressing
            ? "Waiting for pods: Redis "
                + observed.redis().summary()
                + ", gateway "
                + observed.gateway().summary()
            : (blocked
                ? "Cannot progress until the problem in Degraded is fixed"
                : "All resources are up to date"));
  }

  private Condition ready(
      RedisGrpcCacheStatus previous,
      ObservedState observed,
      RedisGrpcCacheStatus status,
      boolean ready,
      boolean blocked,
      String routingProblem,
      Condition degraded) {
    String routing = routingProblem != null ? " (" + routingProblem + ")" : "";
    return condition(
        previous,
        ConditionTypes.READY,
        ready,
        ready ? "Ready" : (blocked ? "Blocked" : "NotReady"),
        ready
            ? "The cache serves gRPC at " + status.gateway.endpoint
            : "Not ready yet: Redis "
                + observed.redis().summary()
                + ", gateway "
                + observed.gateway().summary()
                + routing
                + (isTrue(degraded)
                    ? " (" + degraded.getReason() + ": see the Degraded condition)"
                    : ""));
  }

  /**
   * Why the gateway's Service does not route although every replica is ready; null if it does (or
   * replicas are missing).
   */
  private static String routingProblem(RedisGrpcCache cache, ObservedState observed) {
    return observed.gateway().allReady()
        ? observed.gatewayRouting().problem(Names.gateway(cache))
        : null;
  }

  private static boolean isTrue(Condition condition) {
    return "True".equals(condition.getStatus());
  }

  /**
   * The status after a reconciliation failed with {@code error}: the last status, with Degraded
   * saying what failed (reason ReconcileError) instead of the status going stale. Ready stays as it
   * was: the pods may well still serve; the next reconciliation that succeeds recomputes it all.
   */
  public RedisGrpcCacheStatus reconcileFailed(RedisGrpcCacheStatus last, Throwable error) {
    RedisGrpcCacheStatus status =
        last == null
            ? new RedisGrpcCacheStatus()
            : JSON.convertValue(JSON.valueToTree(last), RedisGrpcCacheStatus.class);
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message =
        String.valueOf(
            cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
    if (message.length() > 400) {
      message = message.substring(0, 400) + "...";
    }
    Condition degraded =
        condition(
            status,
            ConditionTypes.DEGRADED,
            true,
            "ReconcileError",
            "The last reconciliation failed: "
                + message
                + ". The operator retries with backoff; its log has the details");
    List<Condition> conditions =
        new ArrayList<>(status.conditions == null ? List.of() : status.conditions);
    conditions.removeIf(c -> ConditionTypes.DEGRADED.equals(c.getType()));
    conditions.add(degraded);
    status.conditions = conditions;
    return status;
  }

  /** The operator's own login is refused: a wrong password is never a passing state. */
  private static boolean loginRefused(ObservedState.RedisSide side) {
    return side.nodes().problems().stream().anyMatch(problem -> problem.contains("WRONGPASS"));
  }

  private static void fillRedisSide(RedisGrpcCacheStatus status, ObservedState.RedisSide side) {
    if (side.looked()) {
      status.redis.nodesReached = side.nodes().reached();
      status.redis.aclInSync = side.settings().aclInSync();
      status.redis.liveConfigApplied = side.settings().liveConfigApplied();
    }
    status.redis.liveConfigHash = side.settings().liveConfigHash();
    status.redis.master = side.masterPod();
    ObservedState.ClusterShape cluster = side.cluster();
    if (cluster != null) {
      status.redis.slotsAssigned = cluster.slotsAssigned();
      status.redis.masters = cluster.masters();
      status.redis.minReplicasPerMaster = cluster.minReplicasPerMaster();
      status.redis.clusterFormed = cluster.formed();
    }
    ObservedState.Rotation rotation = side.rotation();
    if (rotation != null) {
      RedisGrpcCacheStatus.CredentialsStatus credentials =
          new RedisGrpcCacheStatus.CredentialsStatus();
      credentials.generation = rotation.generation();
      credentials.phase = rotation.phase();
      credentials.phaseSince = rotation.phaseSince();
      credentials.lastRotationTime = rotation.lastRotation();
      credentials.nextRotationTime = rotation.nextRotation();
      status.credentials = credentials;
    }
  }

  /**
   * Whether two statuses would be stored identically: compared as JSON trees, so every field counts
   * without a hand-written equals to keep in step with the class.
   */
  public static boolean same(RedisGrpcCacheStatus a, RedisGrpcCacheStatus b) {
    return JSON.valueToTree(a).equals(JSON.valueToTree(b));
  }

  private Condition condition(
      RedisGrpcCacheStatus previous, String type, boolean value, String reason, String message) {
    String statusValue = value ? "True" : "False";
    Condition old =
        previous.conditions == null
            ? null
            : previous.conditions.stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElse(null);
    String transition =
        old != null
                && Objects.equals(old.getStatus(), statusValue)
                && old.getLastTransitionTime() != null
            ? old.getLastTransitionTime()
            : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    return new ConditionBuilder()
        .withType(type)
        .withStatus(statusValue)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(transition)
        .build();
  }
}
