package io.redisgrpc.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheStatus;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.tls.CertificatesCondition;
import io.redisgrpc.operator.tls.CertificatesObservation;
import io.redisgrpc.operator.tls.TlsNames;
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
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private final Clock clock;

  public StatusAggregator(Clock clock) {
    this.clock = clock;
  }

  public RedisGrpcCacheStatus aggregate(RedisGrpcCache cache, ObservedState observed) {
    return aggregate(cache, observed, null);
  }

  /** @param certificates what was seen of the cert-manager Certificates (null: not observed) */
  public RedisGrpcCacheStatus aggregate(RedisGrpcCache cache, ObservedState observed, CertificatesObservation certificates) {
    RedisGrpcCacheStatus previous = cache.getStatus() == null ? new RedisGrpcCacheStatus() : cache.getStatus();
    RedisGrpcCacheStatus status = new RedisGrpcCacheStatus();
    status.observedGeneration = cache.getMetadata().getGeneration();

    boolean sentinelMode = cache.getSpec().redis.mode == RedisMode.Sentinel;
    status.redis.desiredPods = observed.redisDesired();
    status.redis.readyPods = Math.max(observed.redisReady(), 0);
    status.redis.summary = status.redis.readyPods + "/" + observed.redisDesired();
    status.gateway.desiredReplicas = observed.gatewayDesired();
    status.gateway.readyReplicas = Math.max(observed.gatewayReady(), 0);
    status.gateway.summary = status.gateway.readyReplicas + "/" + observed.gatewayDesired();
    status.gateway.endpoint = Names.serviceHost(Names.gateway(cache), cache.getMetadata().getNamespace()) + ":"
        + cache.getSpec().gateway.service.port;

    ObservedState.RedisSide side = observed.redisSide();
    fillRedisSide(status, side);
    boolean clusterUnformed = !sentinelMode && side.reached() >= 0 && !Boolean.TRUE.equals(side.clusterFormed());
    // The operator itself has logged in on every node this round: the pods' own readiness says
    // they serve, this says they serve what the spec asks (users, replication, live settings).
    boolean everyNodeSeen = side.reached() >= observed.redisDesired();
    boolean redisReady = observed.redisDesired() > 0 && observed.redisReady() >= observed.redisDesired()
        && (!sentinelMode || observed.sentinelReady() >= observed.sentinelDesired())
        && !clusterUnformed && everyNodeSeen;
    boolean gatewayReplicasReady = observed.gatewayDesired() > 0 && observed.gatewayReady() >= observed.gatewayDesired();
    // Ready must mean a client's first call succeeds: the Service has to route as well.
    String routingProblem = observed.gatewayRouting().problem(Names.gateway(cache));
    boolean gatewayReady = gatewayReplicasReady && routingProblem == null;
    boolean blocked = !observed.missingPullSecrets().isEmpty();
    boolean tlsRequested = Boolean.TRUE.equals(cache.getSpec().tls.enabled);

    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(previous, ConditionTypes.REDIS_READY, redisReady,
        redisReady ? "PodsReady" : clusterUnformed ? "ClusterForming"
            : observed.redisReady() >= observed.redisDesired() ? "NodesNotVerified" : "PodsNotReady",
        "Redis pods ready: " + status.redis.summary + (sentinelMode ? ", sentinels ready: " + Math.max(observed.sentinelReady(), 0) + "/" + observed.sentinelDesired() : "")
            + (clusterUnformed && side.clusterWaiting() != null ? "; cluster forming: " + side.clusterWaiting() : "")));
    conditions.add(condition(previous, ConditionTypes.GATEWAY_READY, gatewayReady,
        gatewayReady ? "ReplicasReady" : gatewayReplicasReady ? "ServiceNotRouting" : "ReplicasNotReady",
        "Gateway replicas ready: " + status.gateway.summary + (gatewayReplicasReady && routingProblem != null ? "; " + routingProblem : "")));
    CertificatesCondition certs = CertificatesCondition.of(certificates);
    boolean certificatesOk = !tlsRequested || certs.ready();
    if (tlsRequested) {
      conditions.add(condition(previous, ConditionTypes.CERTIFICATES_READY, certs.ready(), certs.reason(), certs.message()));
    }
    for (io.redisgrpc.operator.crd.AuthSpec.ClientSpec client : cache.getSpec().auth.clients) {
      RedisGrpcCacheStatus.ClientStatus entry = new RedisGrpcCacheStatus.ClientStatus();
      entry.name = client.name;
      entry.certificateSecret = tlsRequested ? TlsNames.clientCertificate(cache, client.name) : null;
      status.clients.add(entry);
    }
    conditions.add(credentialsCondition(previous, observed.redisSide()));
    String degradedReason;
    String degradedMessage;
    if (blocked) {
      degradedReason = "ImagePullSecretMissing";
      degradedMessage = "image pull secret(s) not found in namespace " + cache.getMetadata().getNamespace() + ": "
          + String.join(", ", observed.missingPullSecrets()) + "; create them or remove them from the spec";
    } else if (tlsRequested && certificates != null && !certificates.certManagerInstalled()) {
      degradedReason = CertificatesCondition.CERT_MANAGER_MISSING;
      degradedMessage = certs.message();
    } else if (!observed.podProblems().isEmpty()) {
      List<PodProblems.Problem> problems = observed.podProblems();
      degradedReason = problems.get(0).kind().reason;
      degradedMessage = String.join("; ", problems.subList(0, Math.min(3, problems.size())).stream().map(PodProblems.Problem::message).toList())
          + (problems.size() > 3 ? "; and " + (problems.size() - 3) + " more" : "");
    } else if (loginRefused(side)) {
      degradedReason = "RedisLoginRefused";
      degradedMessage = "Redis refuses the operator's password: " + side.problems().stream().filter(p -> p.contains("WRONGPASS")).findFirst().orElse("")
          + "; the users of the pods' users.acl no longer match the " + Names.credentials(cache) + " Secret (edited, or restored"
          + " from a backup?). Restarting the Redis pods makes them load the operator's users.acl again";
    } else {
      degradedReason = "AsExpected";
      degradedMessage = "No problems detected";
    }
    boolean degraded = !"AsExpected".equals(degradedReason);
    conditions.add(condition(previous, ConditionTypes.DEGRADED, degraded, degradedReason, degradedMessage));
    boolean ready = redisReady && gatewayReady && !blocked && certificatesOk;
    boolean progressing = !ready && !blocked;
    conditions.add(condition(previous, ConditionTypes.PROGRESSING, progressing,
        progressing ? (observed.workloadsUpToDate() ? "WaitingForPods" : "Reconciling") : (blocked ? "Blocked" : "Converged"),
        progressing ? "Waiting for pods: Redis " + status.redis.summary + ", gateway " + status.gateway.summary
            : (blocked ? "Cannot progress until the problem in Degraded is fixed" : "All resources are up to date")));
    conditions.add(condition(previous, ConditionTypes.READY, ready,
        ready ? "Ready" : (blocked ? "Blocked" : "NotReady"),
        ready ? "The cache serves gRPC at " + status.gateway.endpoint
            : "Not ready yet: Redis " + status.redis.summary + ", gateway " + status.gateway.summary
                + (gatewayReplicasReady && routingProblem != null ? " (" + routingProblem + ")" : "")
                + (degraded ? " (" + degradedReason + ": see the Degraded condition)" : "")));
    status.conditions = conditions;
    return status;
  }

  /**
   * The status after a reconciliation failed with {@code error}: the last status, with Degraded
   * saying what failed (reason ReconcileError) instead of the status going stale. Ready stays as
   * it was: the pods may well still serve; the next reconciliation that succeeds recomputes it all.
   */
  public RedisGrpcCacheStatus reconcileFailed(RedisGrpcCacheStatus last, Throwable error) {
    RedisGrpcCacheStatus status = last == null ? new RedisGrpcCacheStatus() : JSON.convertValue(JSON.valueToTree(last), RedisGrpcCacheStatus.class);
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = String.valueOf(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
    if (message.length() > 400) {
      message = message.substring(0, 400) + "...";
    }
    Condition degraded = condition(status, ConditionTypes.DEGRADED, true, "ReconcileError",
        "The last reconciliation failed: " + message + ". The operator retries with backoff; its log has the details");
    List<Condition> conditions = new ArrayList<>(status.conditions == null ? List.of() : status.conditions);
    conditions.removeIf(c -> ConditionTypes.DEGRADED.equals(c.getType()));
    conditions.add(degraded);
    status.conditions = conditions;
    return status;
  }

  /** The operator's own login is refused: a wrong password is never a passing state. */
  private static boolean loginRefused(ObservedState.RedisSide side) {
    return side.problems().stream().anyMatch(problem -> problem.contains("WRONGPASS"));
  }

  private static void fillRedisSide(RedisGrpcCacheStatus status, ObservedState.RedisSide side) {
    if (side.reached() >= 0) {
      status.redis.nodesReached = side.reached();
      status.redis.aclInSync = side.aclInSync();
      status.redis.liveConfigApplied = side.liveConfigApplied();
    }
    status.redis.liveConfigHash = side.liveConfigHash();
    status.redis.master = side.masterPod();
    status.redis.slotsAssigned = side.slotsAssigned();
    status.redis.masters = side.masters();
    status.redis.minReplicasPerMaster = side.minReplicasPerMaster();
    status.redis.clusterFormed = side.clusterFormed();
    if (side.rotationPhase() != null) {
      RedisGrpcCacheStatus.CredentialsStatus credentials = new RedisGrpcCacheStatus.CredentialsStatus();
      credentials.generation = side.credentialGeneration();
      credentials.phase = side.rotationPhase();
      credentials.phaseSince = side.phaseSince();
      credentials.lastRotationTime = side.lastRotation();
      credentials.nextRotationTime = side.nextRotation();
      status.credentials = credentials;
    }
  }

  private Condition credentialsCondition(RedisGrpcCacheStatus previous, ObservedState.RedisSide side) {
    if (side.reached() < 0) {
      return condition(previous, ConditionTypes.CREDENTIALS_READY, false, "WaitingForRedis",
          "No Redis pod is ready yet; ACL users are applied on every node once they are (pods also load them from the ACL Secret at start)");
    }
    if (side.aclInSync() && side.reached() == side.expected()) {
      boolean rotating = side.rotationPhase() != null && !"Idle".equals(side.rotationPhase());
      return condition(previous, ConditionTypes.CREDENTIALS_READY, true, rotating ? "Rotating" : "UsersApplied",
          rotating ? "ACL users applied on all " + side.reached() + " nodes; rotation to generation " + side.credentialGeneration()
              + " is in phase " + side.rotationPhase()
              : "ACL users applied on all " + side.reached() + " nodes; default user disabled");
    }
    return condition(previous, ConditionTypes.CREDENTIALS_READY, false, "UsersNotApplied",
        "ACL users in sync on " + (side.aclInSync() ? side.reached() : "not all of the " + side.reached() + " reached") + " of "
            + side.expected() + " nodes" + (side.problems().isEmpty() ? "" : ": " + String.join("; ", side.problems().subList(0, Math.min(3, side.problems().size())))));
  }

  /**
   * Whether two statuses would be stored identically: compared as JSON trees, so every field
   * counts without a hand-written equals to keep in step with the class.
   */
  public static boolean same(RedisGrpcCacheStatus a, RedisGrpcCacheStatus b) {
    return JSON.valueToTree(a).equals(JSON.valueToTree(b));
  }

  private Condition condition(RedisGrpcCacheStatus previous, String type, boolean value, String reason, String message) {
    String statusValue = value ? "True" : "False";
    Condition old = previous.conditions == null ? null
        : previous.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    String transition = old != null && Objects.equals(old.getStatus(), statusValue) && old.getLastTransitionTime() != null
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
