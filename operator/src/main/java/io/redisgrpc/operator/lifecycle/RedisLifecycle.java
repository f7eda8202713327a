package io.redisgrpc.operator.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.CredentialStore.Stored;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.credentials.rotation.RotationMachine;
import io.redisgrpc.operator.credentials.rotation.RotationMachine.Decision;
import io.redisgrpc.operator.model.GoDuration;
import io.redisgrpc.operator.model.Hashes;
import io.redisgrpc.operator.model.RedisConfig;
import io.redisgrpc.operator.model.RedisWorkloads;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.model.TlsRendering;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.RedisTls;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.admin.RedisAdmin;
import io.redisgrpc.operator.redis.config.LiveConfig;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The Redis side of one reconciliation, in this order:
 *
 * <ol>
 *   <li>credentials: the {@code <name>-credentials} Secret gets a password for every user the spec
 *       needs (new clients get one, removed clients lose theirs);
 *   <li>Redis: {@link RedisAdmin#round} with the ACL users those credentials call for;
 *   <li>rotation: one {@link RotationMachine} decision from what steps 1 and 2 saw, stored with the
 *       credentials in one Secret update;
 *   <li>the derived Secrets (users.acl, the gateway's passwords) from the credentials as now
 *       stored.
 * </ol>
 *
 * Everything it needs to resume is in the cluster: the credentials Secret's data and annotations.
 * An operator restarted anywhere in a round re-reads them and does the same round again.
 *
 * <p>It only reads and writes (the API server, Redis through {@link RedisAdmin}); every decision of
 * the round is {@link LifecyclePlanner}'s, which is unit-tested without either.
 */
public final class RedisLifecycle {
  /** How soon to look again while something is in flight (formation, rotation). */
  public static final Duration BUSY_RECHECK = LifecyclePlanner.BUSY_RECHECK;

  /**
   * How soon to look again when all is well: drift (a user changed by hand) is repaired this often.
   */
  public static final Duration DRIFT_CHECK = Duration.ofSeconds(60);

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Per cache uid, the operator's password every node last accepted. A password edited by hand in
   * the credentials Secret is not known to the running pods yet; with this one the operator still
   * logs in and pushes the edited one (docs/security.md, "Changed by hand").
   */
  private static final Map<String, String> ACCEPTED_OPERATOR_PASSWORD = new ConcurrentHashMap<>();

  private final KubernetesClient client;
  private final CredentialStore store;
  private final RedisAdmin admin;
  private final Clock clock;
  private final Supplier<String> passwords;
  private final Duration driftCheck;

  /**
   * @param driftCheck how often a settled cache is looked at again (drift repair); see {@link
   *     #DRIFT_CHECK}
   */
  public RedisLifecycle(
      KubernetesClient client, ClientResources resources, Clock clock, Duration driftCheck) {
    this.client = client;
    this.store = new CredentialStore(client);
    this.admin = new RedisAdmin(resources);
    this.clock = clock;
    this.passwords = RedisLifecycle::newPassword;
    this.driftCheck = driftCheck;
  }

  /**
   * What a round left behind, for status and requeueing.
   *
   * @param drained scaling down: every pod above the spec's count was seen and may go (Cluster
   *     mode: it holds no slots; Sentinel mode: the master is not among them), so the StatefulSet
   *     may shrink to the spec
   * @param desired what the round asked of Redis (empty when no node could be reached), for
   *     follow-up work on the same nodes ({@link PodRoller})
   * @param credentialsRestored the credentials Secret had been deleted by hand and was written
   *     again with the same passwords
   */
  public record Outcome(
      Stored credentials,
      Optional<RedisAdmin.Observation> redis,
      String liveConfigHash,
      Duration recheck,
      boolean drained,
      Optional<RedisAdmin.Desired> desired,
      boolean credentialsRestored) {}

  public Outcome round(RedisGrpcCache cache, RedisEndpoints.Topology topology) {
    Instant now = clock.instant();
    Duration interval = GoDuration.parse(cache.getSpec().auth.rotation.interval);
    Duration grace = GoDuration.parse(cache.getSpec().auth.rotation.gracePeriod);
    RedisMode mode = cache.getSpec().redis.mode;

    // 1. credentials for every user the spec needs
    CredentialStore.Loaded loaded = store.load(cache, now, interval);
    Stored stored = loaded.stored();
    Credentials wanted = stored.credentials().withUsers(CredentialStore.users(cache), passwords);
    if (!stored.exists() || !wanted.equals(stored.credentials())) {
      stored = store.save(cache, stored.with(wanted));
    }

    // 2. Redis
    Map<String, String> live = LiveConfig.directives(RedisConfig.live(cache.getSpec().redis));
    Optional<RedisAdmin.Observation> seen = Optional.empty();
    Optional<RedisAdmin.Desired> desired = Optional.empty();
    int specPods = RedisWorkloads.redisPods(cache.getSpec().redis);
    List<Endpoint> leaving = LifecyclePlanner.leaving(topology, specPods);
    Optional<RedisTls> tls = Optional.empty();
    boolean tlsMissing = false;
    if (TlsRendering.enabled(cache)) {
      tls = tls(cache, topology.trustBundle());
      tlsMissing = tls.isEmpty();
    }
    if (!topology.nodes().isEmpty() && !tlsMissing) {
      Credentials credentials = stored.credentials();
      desired =
          Optional.of(
              LifecyclePlanner.desired(
                  cache,
                  topology,
                  credentials,
                  operatorPasswords(cache, credentials),
                  live,
                  leaving,
                  tls));
      seen = Optional.of(admin.round(desired.get()));
      if (cache.getMetadata().getUid() != null && LifecyclePlanner.inSyncEverywhere(seen.get())) {
        ACCEPTED_OPERATOR_PASSWORD.put(
            cache.getMetadata().getUid(), credentials.current(AclRules.OPERATOR));
      }
    }
    boolean drained = LifecyclePlanner.drained(mode, specPods, leaving, seen);

    // 3. rotation
    RotationMachine machine = new RotationMachine(clock, interval, grace);
    Optional<String> request = LifecyclePlanner.newRotationRequest(cache, stored);
    Decision decision =
        machine.next(
            stored.rotation(),
            LifecyclePlanner.observations(
                mode, stored.credentials(), seen, topology.complete(), request.isPresent()));
    Stored next = LifecyclePlanner.afterDecision(stored, decision, request, passwords);
    if (!next.equals(stored)) {
      next = store.save(cache, next);
    }

    // 4. what consumers read
    store.applyDerived(cache, next.credentials());

    return new Outcome(
        next,
        seen,
        Hashes.sha256(live.toString()),
        LifecyclePlanner.recheck(next.rotation(), decision.action(), seen, grace, driftCheck, now),
        drained,
        desired,
        loaded.restored());
  }

  /**
   * What the operator logs in with: its passwords in the Secret, current first, then the one last
   * accepted ({@link LifecyclePlanner#operatorPasswords}).
   */
  static List<String> operatorPasswords(RedisGrpcCache cache, Credentials credentials) {
    return LifecyclePlanner.operatorPasswords(
        credentials,
        Optional.ofNullable(
            cache.getMetadata().getUid() == null
                ? null
                : ACCEPTED_OPERATOR_PASSWORD.get(cache.getMetadata().getUid())));
  }

  /** The cache is gone: forget what was kept for it. */
  public static void forget(RedisGrpcCache cache) {
    if (cache.getMetadata().getUid() != null) {
      ACCEPTED_OPERATOR_PASSWORD.remove(cache.getMetadata().getUid());
    }
  }

  /**
   * The operator's client certificate and the trust bundle, once cert-manager has issued them;
   * empty before (Redis runs TLS only, so there is nothing to talk to Redis with yet). The bundle
   * comes with the topology (an informer cache); the certificate Secret, written by cert-manager
   * and watched by no informer of ours, is read here.
   */
  private Optional<RedisTls> tls(RedisGrpcCache cache, Optional<String> trustBundle) {
    if (trustBundle.isEmpty()) {
      return Optional.empty();
    }
    var secret =
        client
            .secrets()
            .inNamespace(cache.getMetadata().getNamespace())
            .withName(TlsNames.operatorCertificate(cache))
            .get();
    if (secret == null
        || secret.getData() == null
        || !secret.getData().containsKey("tls.crt")
        || !secret.getData().containsKey("tls.key")) {
      return Optional.empty();
    }
    Base64.Decoder base64 = Base64.getDecoder();
    return Optional.of(
        new RedisTls(
            new String(base64.decode(secret.getData().get("tls.crt")), StandardCharsets.US_ASCII),
            new String(base64.decode(secret.getData().get("tls.key")), StandardCharsets.US_ASCII),
            trustBundle.get()));
  }

  /**
   * 32 random bytes, URL-safe Base64: printable, and no character a redis.conf or shell would
   * mangle.
   */
  static String newPassword() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
