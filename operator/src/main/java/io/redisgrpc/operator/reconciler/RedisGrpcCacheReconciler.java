package io.redisgrpc.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheStatus;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.rotation.RotationState;
import io.redisgrpc.operator.dependent.*;
import io.redisgrpc.operator.dependent.WorkflowValues;
import io.redisgrpc.operator.lifecycle.PodEndpoints;
import io.redisgrpc.operator.lifecycle.PodRoller;
import io.redisgrpc.operator.lifecycle.RedisEndpoints;
import io.redisgrpc.operator.lifecycle.RedisLifecycle;
import io.redisgrpc.operator.lifecycle.ScaleDownHold;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.RedisWorkloads;
import io.redisgrpc.operator.model.TlsRendering;
import io.redisgrpc.operator.redis.admin.RedisAdmin;
import io.redisgrpc.operator.redis.cluster.ClusterFormation;
import io.redisgrpc.operator.redis.cluster.ClusterPlan;
import io.redisgrpc.operator.redis.cluster.ClusterReport;
import io.redisgrpc.operator.status.ConditionTypes;
import io.redisgrpc.operator.status.GatewayRouting;
import io.redisgrpc.operator.status.ObservedState;
import io.redisgrpc.operator.status.StatusAggregator;
import io.redisgrpc.operator.tls.CertificatesObservation;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a RedisGrpcCache. There is no validation step here: the API server refuses an invalid
 * spec with the CRD's schema and CEL rules (crd/CelRules), so the reconciler only ever sees specs
 * it can build. Each reconciliation:
 *
 * <ol>
 *   <li>the Redis side ({@link RedisLifecycle}): credentials Secrets, then ACL users, replication
 *       credentials, live config, cluster formation or sentinel upkeep on the pods that are ready,
 *       then one step of credential rotation. It runs before the workflow because the workflow
 *       needs what it learns (the Sentinel master for {@code <name>-master}) and the pods need the
 *       Secrets it writes;
 *   <li>the workflow below (invoked explicitly), which creates or server-side-applies every
 *       dependent resource;
 *   <li>status, written only when it changed. Once converged nothing is written.
 * </ol>
 */
@ControllerConfiguration(name = "redisgrpccache")
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "service-account", type = ServiceAccountDependent.class),
      @Dependent(name = "config", type = ConfigMapDependent.class),
      @Dependent(name = "redis-headless", type = RedisHeadlessServiceDependent.class),
      @Dependent(name = "redis-service", type = RedisServiceDependent.class),
      @Dependent(
          name = "redis",
          type = RedisStatefulSetDependent.class,
          dependsOn = {"service-account", "config", "redis-headless"}),
      @Dependent(name = "redis-pdb", type = RedisDisruptionBudgetDependent.class),
      @Dependent(name = "redis-network-policy", type = RedisNetworkPolicyDependent.class),
      @Dependent(
          name = "sentinel-headless",
          type = SentinelHeadlessServiceDependent.class,
          activationCondition = Conditions.SentinelMode.class),
      @Dependent(
          name = "sentinel-service",
          type = SentinelServiceDependent.class,
          activationCondition = Conditions.SentinelMode.class),
      @Dependent(
          name = "sentinel",
          type = SentinelStatefulSetDependent.class,
          activationCondition = Conditions.SentinelMode.class,
          dependsOn = {"service-account", "config", "sentinel-headless"}),
      @Dependent(
          name = "redis-master-service",
          type = RedisMasterServiceDependent.class,
          activationCondition = Conditions.SentinelMode.class),
      @Dependent(
          name = "sentinel-pdb",
          type = SentinelDisruptionBudgetDependent.class,
          activationCondition = Conditions.SentinelMode.class),
      @Dependent(name = "gateway-policy", type = GatewayPolicyDependent.class),
      @Dependent(
          name = "gateway",
          type = GatewayDeploymentDependent.class,
          dependsOn = {"service-account", "gateway-policy"}),
      @Dependent(name = "gateway-service", type = GatewayServiceDependent.class),
      @Dependent(name = "gateway-pdb", type = GatewayDisruptionBudgetDependent.class),
      // A reconcile precondition (not an activation condition): when autoscaling is switched off
      // again, JOSDK deletes the HPA.
      @Dependent(
          name = "gateway-autoscaler",
          type = GatewayAutoscalerDependent.class,
          reconcilePrecondition = Conditions.AutoscalingEnabled.class),
      // TLS through cert-manager. The activation condition (cert-manager.io/v1 served,
      // cluster-wide)
      // keeps JOSDK from registering informers for cert-manager types until cert-manager exists;
      // reconcile preconditions decide per cache (false: deleted). The trust bundle carries the CA
      // rotation state (tls/DESIGN.md).
      @Dependent(
          name = "tls-trust-bundle",
          type = TrustBundleDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.TlsEnabled.class),
      @Dependent(
          name = "tls-selfsigned-issuer",
          type = SelfSignedIssuerDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.OperatorManagedCa.class),
      @Dependent(
          name = "tls-ca",
          type = CaCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.OperatorManagedCa.class,
          dependsOn = {"tls-selfsigned-issuer", "tls-trust-bundle"}),
      @Dependent(
          name = "tls-ca-next",
          type = NextCaCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.CaRotating.class,
          dependsOn = {"tls-selfsigned-issuer", "tls-trust-bundle"}),
      @Dependent(
          name = "tls-ca-issuer",
          type = CaIssuerDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.OperatorManagedCa.class,
          dependsOn = {"tls-ca"}),
      @Dependent(
          name = "tls-ca-cleanup",
          type = CaCleanupDependent.class,
          reconcilePrecondition = Conditions.ManagedCaWithCertManager.class,
          dependsOn = {"tls-trust-bundle"}),
      @Dependent(
          name = "tls-redis",
          type = RedisCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.TlsEnabled.class,
          dependsOn = {"tls-trust-bundle"}),
      @Dependent(
          name = "tls-sentinel",
          type = SentinelCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.SentinelTls.class,
          dependsOn = {"tls-trust-bundle"}),
      @Dependent(
          name = "tls-gateway",
          type = GatewayCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.TlsEnabled.class,
          dependsOn = {"tls-trust-bundle"}),
      @Dependent(
          name = "tls-gateway-redis",
          type = GatewayRedisCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.TlsEnabled.class,
          dependsOn = {"tls-trust-bundle"}),
      @Dependent(
          name = "tls-operator",
          type = OperatorCertificateDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.TlsEnabled.class,
          dependsOn = {"tls-trust-bundle"}),
      @Dependent(
          name = "tls-clients",
          type = ClientCertificatesDependent.class,
          activationCondition = Conditions.CertManagerAvailable.class,
          reconcilePrecondition = Conditions.TlsEnabled.class,
          dependsOn = {"tls-trust-bundle"}),
    })
public class RedisGrpcCacheReconciler
    implements Reconciler<RedisGrpcCache>, Cleaner<RedisGrpcCache>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisGrpcCacheReconciler.class);

  /**
   * A blocked cache (e.g. missing pull secret) is looked at again this often; nothing watches
   * Secrets.
   */
  static final Duration BLOCKED_RECHECK = Duration.ofSeconds(30);

  /** How soon a gateway Service that refused the operator's probe is probed again... */
  static final Duration ROUTE_RECHECK = Duration.ofMillis(500);

  /** ...for this long; after that, every {@link #ROUTE_RECHECK_SLOW}. */
  static final Duration ROUTE_RECHECK_FAST_FOR = Duration.ofSeconds(30);

  static final Duration ROUTE_RECHECK_SLOW = Duration.ofSeconds(10);

  /** A condition message stays readable in kubectl describe. */
  static final int CLUSTER_WAITING_CHARS = 400;

  private final CacheObserver observer;
  private final CertificatesObserver certificatesObserver = new CertificatesObserver();
  private final CertificateSecrets certificateSecrets = new CertificateSecrets();
  private final StatusAggregator aggregator;
  private final EventRecorder events;
  private final Clock clock;
  private final RedisEndpoints endpoints;
  private final RedisRound redis;
  private final ScaleDownHold scaleDownHold =
      new ScaleDownHold(ScaleDownHold.CLIENT_TOPOLOGY_SETTLE);

  /** Per cache uid, since when its gateway Service has refused the operator's probe. */
  private final Map<String, Instant> routeRefusedSince = new ConcurrentHashMap<>();

  /** Per cache uid, the Redis actions logged last (see logRedisActions). */
  private final Map<String, String> lastActions = new ConcurrentHashMap<>();

  public RedisGrpcCacheReconciler() {
    this(Clock.systemUTC(), new PodEndpoints(), RedisLifecycle.DRIFT_CHECK);
  }

  /**
   * @param endpoints where the Redis pods are reached (tests stand in redis-server processes for
   *     pods)
   * @param driftCheck how often a settled cache is looked at again, to repair drift inside Redis
   */
  public RedisGrpcCacheReconciler(Clock clock, RedisEndpoints endpoints, Duration driftCheck) {
    this(clock, endpoints, driftCheck, GatewayRouteProbe.NONE);
  }

  /**
   * @param routeProbe connects to the gateway's ClusterIP (only from inside the cluster)
   */
  public RedisGrpcCacheReconciler(
      Clock clock, RedisEndpoints endpoints, Duration driftCheck, GatewayRouteProbe routeProbe) {
    this(
        clock,
        endpoints,
        new RedisRound(clock, driftCheck),
        new CacheObserver(clock, routeProbe),
        new StatusAggregator(clock),
        new EventRecorder(clock));
  }

  /**
   * Every collaborator handed in, as Flink's controller receives its observer, reconciler and
   * status recorder: the reconciler only sequences them (observe, Redis round, workflow, roll,
   * aggregate, write).
   *
   * @param redis the Redis side; closed with the reconciler
   */
  RedisGrpcCacheReconciler(
      Clock clock,
      RedisEndpoints endpoints,
      RedisRound redis,
      CacheObserver observer,
      StatusAggregator aggregator,
      EventRecorder events) {
    this.clock = clock;
    this.endpoints = endpoints;
    this.redis = redis;
    this.observer = observer;
    this.aggregator = aggregator;
    this.events = events;
  }

  /** The cache's pods, for {@link PodEndpoints}: ready pods are the ones the operator talks to. */
  @Override
  public List<EventSource<?, RedisGrpcCache>> prepareEventSources(
      EventSourceContext<RedisGrpcCache> context) {
    InformerEventSourceConfiguration<Pod> pods =
        InformerEventSourceConfiguration.from(Pod.class, RedisGrpcCache.class)
            .withName("pods")
            .withLabelSelector(Labels.NAME + "=" + Labels.APP_NAME)
            .withSecondaryToPrimaryMapper(
                pod -> {
                  String instance =
                      pod.getMetadata().getLabels() == null
                          ? null
                          : pod.getMetadata().getLabels().get(Labels.INSTANCE);
                  return instance == null
                      ? Set.of()
                      : Set.of(new ResourceID(instance, pod.getMetadata().getNamespace()));
                })
            .build();
    // The gateway Service's EndpointSlices (the EndpointSlice controller copies the Service's
    // labels onto them): GatewayReady waits until they list a ready gateway.
    InformerEventSourceConfiguration<EndpointSlice> slices =
        InformerEventSourceConfiguration.from(EndpointSlice.class, RedisGrpcCache.class)
            .withName("gateway-endpointslices")
            .withLabelSelector(
                Labels.NAME + "=" + Labels.APP_NAME + "," + Labels.COMPONENT + "=" + Labels.GATEWAY)
            .withSecondaryToPrimaryMapper(
                slice -> {
                  String instance =
                      slice.getMetadata().getLabels() == null
                          ? null
                          : slice.getMetadata().getLabels().get(Labels.INSTANCE);
                  return instance == null
                      ? Set.of()
                      : Set.of(new ResourceID(instance, slice.getMetadata().getNamespace()));
                })
            .build();
    return List.of(
        new InformerEventSource<>(pods, context), new InformerEventSource<>(slices, context));
  }

  @Override
  public UpdateControl<RedisGrpcCache> reconcile(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    RedisEndpoints.Topology topology = endpoints.resolve(cache, context);
    RedisLifecycle.Outcome outcome = redis.run(context.getClient(), cache, topology);
    logRedisActions(cache, outcome);
    if (outcome.credentialsRestored()) {
      events.record(
          context.getClient(),
          cache,
          "Warning",
          "CredentialsRestored",
          "The Secret "
              + Names.credentials(cache)
              + " was deleted by hand; it was written again with the same passwords (Redis knows only those). To change them,"
              + " request a rotation: annotate the cache with "
              + CredentialStore.ROTATE_ANNOTATION);
    }
    String masterPod =
        outcome
            .redis()
            .flatMap(RedisAdmin.Observation::master)
            .map(ordinal -> Names.redis(cache) + "-" + ordinal)
            .orElse(null);
    if (masterPod != null) {
      WorkflowValues.masterPod(context, masterPod);
    }
    Optional<Duration> held = holdScaleDownUntilDrained(cache, context, outcome);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    Optional<PodRoller.Result> rolling = redis.roll(cache, context, outcome, topology);
    // Each pod restarted and each hand-over is an Event (EventRecorder logs nothing else); a
    // refused eviction is only logged, as it is retried every few seconds.
    rolling
        .flatMap(PodRoller.Result::action)
        .ifPresent(
            action -> events.record(context.getClient(), cache, "Normal", "RollingUpdate", action));
    rolling
        .flatMap(PodRoller.Result::note)
        .ifPresent(
            note ->
                LOG.info(
                    "{}/{}: {}",
                    cache.getMetadata().getNamespace(),
                    cache.getMetadata().getName(),
                    note));

    ObservedState observed =
        observer.observe(cache, context).withRedisSide(redisSide(cache, outcome, masterPod));
    CertificatesObservation certificates = certificatesObserver.observe(cache, context);
    if (certificates.certManagerInstalled() && TlsRendering.enabled(cache)) {
      certificateSecrets.adopt(cache, context);
    }
    RedisGrpcCacheStatus status = aggregator.aggregate(cache, observed, certificates);
    boolean blocked = !observed.missingPullSecrets().isEmpty();
    Duration recheck =
        blocked && BLOCKED_RECHECK.compareTo(outcome.recheck()) < 0
            ? BLOCKED_RECHECK
            : outcome.recheck();
    if (held.isPresent() && held.get().compareTo(recheck) < 0) {
      recheck = held.get();
    }
    if (rolling.isPresent() && RedisLifecycle.BUSY_RECHECK.compareTo(recheck) < 0) {
      recheck = RedisLifecycle.BUSY_RECHECK;
    }
    // kube-proxy programs a Service after its EndpointSlice changes and nothing tells the
    // operator when: a refused probe is tried again soon, and less often once that has not
    // helped for a while (a cluster whose pods cannot reach ClusterIPs at all).
    Duration routeRecheck =
        routeRecheck(cache, observed.gatewayRouting().probe() == GatewayRouting.Probe.REFUSED);
    if (routeRecheck != null && routeRecheck.compareTo(recheck) < 0) {
      recheck = routeRecheck;
    }
    if (StatusAggregator.same(status, cache.getStatus())) {
      return wakeForCertificates(
          UpdateControl.<RedisGrpcCache>noUpdate().rescheduleAfter(recheck), cache, certificates);
    }
    announceTransitions(cache, status, context);
    RedisGrpcCache patch = new RedisGrpcCache();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(cache.getMetadata().getName())
            .withNamespace(cache.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    // Patched and cached here, not through UpdateControl: a reconciliation that starts before the
    // informer has seen this patch must still compare with it, or it announces the same
    // transition twice (seen on a real node: two "Ready" events in the same second).
    PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(cache, patch, context);
    return wakeForCertificates(
        UpdateControl.<RedisGrpcCache>noUpdate().rescheduleAfter(recheck), cache, certificates);
  }

  /** When to probe a refusing gateway Service again (null: it did not refuse). */
  private Duration routeRecheck(RedisGrpcCache cache, boolean refused) {
    String uid = String.valueOf(cache.getMetadata().getUid());
    if (!refused) {
      routeRefusedSince.remove(uid);
      return null;
    }
    Instant since = routeRefusedSince.computeIfAbsent(uid, u -> clock.instant());
    return routeRecheck(Duration.between(since, clock.instant()));
  }

  /**
   * @param refusedFor how long the Service has refused the operator's probe
   */
  static Duration routeRecheck(Duration refusedFor) {
    return refusedFor.compareTo(ROUTE_RECHECK_FAST_FOR) < 0 ? ROUTE_RECHECK : ROUTE_RECHECK_SLOW;
  }

  /**
   * Scaling down: the StatefulSet keeps its pods until the leaving ones may go: in Cluster mode
   * every slot drained off them (a pod removed with slots would take keys with it) and then {@link
   * ScaleDownHold} for clients to learn the new slot owners; in Sentinel mode the master moved to a
   * staying pod (removing the master would lose what its replicas had not received yet, and leave
   * clients without a master until the sentinels notice).
   *
   * @return while drained pods are held, how long they must still stay
   */
  private Optional<Duration> holdScaleDownUntilDrained(
      RedisGrpcCache cache, Context<RedisGrpcCache> context, RedisLifecycle.Outcome outcome) {
    int spec = RedisWorkloads.redisPods(cache.getSpec().redis);
    int running = PodEndpoints.statefulSetReplicas(cache, context).orElse(spec);
    if (running <= spec) {
      return Optional.empty();
    }
    Optional<Duration> held =
        cache.getSpec().redis.mode == RedisMode.Cluster
            ? scaleDownHold.remaining(
                cache.getMetadata().getUid(), outcome.drained(), clock.instant())
            : Optional.empty();
    if (!outcome.drained() || held.isPresent()) {
      WorkflowValues.holdRedisReplicas(context, running);
    }
    return outcome.drained() ? held : Optional.empty();
  }

  private static ObservedState.RedisSide redisSide(
      RedisGrpcCache cache, RedisLifecycle.Outcome outcome, String masterPod) {
    RotationState state = outcome.credentials().rotation();
    ObservedState.Rotation rotation =
        new ObservedState.Rotation(
            state.generation(),
            state.phase().name(),
            seconds(state.phaseSince()),
            seconds(state.lastRotation()),
            seconds(state.nextRotation()));
    String previousMaster =
        cache.getStatus() == null || cache.getStatus().redis == null
            ? null
            : cache.getStatus().redis.master;
    boolean sentinelMode = cache.getSpec().redis.mode == RedisMode.Sentinel;
    String master = sentinelMode ? (masterPod != null ? masterPod : previousMaster) : null;
    if (outcome.redis().isEmpty()) {
      return new ObservedState.RedisSide(
          ObservedState.Nodes.NOT_LOOKED,
          new ObservedState.Settings(false, false, outcome.liveConfigHash()),
          null,
          master,
          rotation);
    }
    RedisAdmin.Observation seen = outcome.redis().get();
    ObservedState.ClusterShape shape = null;
    if (seen.cluster() != null) {
      ClusterReport report = seen.cluster().report();
      shape =
          new ObservedState.ClusterShape(
              report.slotsCovered(),
              report.masters(),
              report.replicasPerMaster().values().stream()
                  .mapToInt(Integer::intValue)
                  .min()
                  .orElse(0),
              seen.cluster().converged() && report.complete(),
              clusterWaiting(seen.cluster()));
    }
    return new ObservedState.RedisSide(
        new ObservedState.Nodes(seen.reached(), seen.expected(), seen.problems()),
        new ObservedState.Settings(
            seen.aclInSync(), seen.liveConfigApplied(), outcome.liveConfigHash()),
        shape,
        master,
        rotation);
  }

  /**
   * What the operator did inside Redis (or waits for), logged when it differs from the cache's
   * previous round: a cluster that does not form says why in the log, not only in the status, and a
   * settled cache logs nothing.
   */
  private void logRedisActions(RedisGrpcCache cache, RedisLifecycle.Outcome outcome) {
    List<String> actions = outcome.redis().map(RedisAdmin.Observation::actions).orElse(List.of());
    String uid = cache.getMetadata().getUid();
    String line = String.join("; ", actions);
    String before = uid == null ? null : lastActions.put(uid, line);
    if (!actions.isEmpty() && !line.equals(before)) {
      LOG.info(
          "{}/{}: {}", cache.getMetadata().getNamespace(), cache.getMetadata().getName(), line);
    }
  }

  /**
   * What keeps the cluster from being formed, short enough for a condition message; null once
   * formed.
   */
  static String clusterWaiting(ClusterFormation.Result cluster) {
    ClusterReport report = cluster.report();
    String waiting;
    if (!cluster.actions().isEmpty()) {
      waiting = String.join("; ", cluster.actions());
    } else if (!cluster.converged()) {
      waiting = "pods leaving";
    } else if (!report.complete()) {
      waiting =
          "slots covered "
              + report.slotsCovered()
              + "/"
              + ClusterPlan.SLOTS
              + ", failing nodes "
              + report.failedNodes()
              + ", open migrations "
              + report.migrations().size()
              + (report.stateOk() ? "" : ", cluster_state not ok");
    } else {
      return null;
    }
    return waiting.length() <= CLUSTER_WAITING_CHARS
        ? waiting
        : waiting.substring(0, CLUSTER_WAITING_CHARS) + "...";
  }

  /**
   * Status times to the second, like the conditions' (the Secret annotations keep full precision).
   */
  private static String seconds(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * Deleting a cache: everything it owns goes with it through owner references (the garbage
   * collector), except what cert-manager wrote, which {@link CertificateSecrets} removes first.
   * This runs behind the finalizer JOSDK adds for a Cleaner, so no reconciliation can re-create a
   * Certificate once it has started.
   */
  @Override
  public DeleteControl cleanup(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    if (cache.getMetadata().getUid() != null) {
      lastActions.remove(cache.getMetadata().getUid());
      routeRefusedSince.remove(cache.getMetadata().getUid());
    }
    // The credentials Secret's finalizer guards against a delete by hand, not against this one.
    new CredentialStore(context.getClient()).release(cache);
    RedisLifecycle.forget(cache);
    return certificateSecrets.removeWith(cache, context)
        ? DeleteControl.defaultDelete()
        : DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(1));
  }

  /** A failed reconciliation shows in status (Degraded, ReconcileError) while JOSDK retries. */
  @Override
  public ErrorStatusUpdateControl<RedisGrpcCache> updateErrorStatus(
      RedisGrpcCache cache, Context<RedisGrpcCache> context, Exception e) {
    if (Thread.currentThread().isInterrupted() || stopping(e)) {
      // The operator is stopping (a new leader, a rollout): nothing failed in the cache.
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    RedisGrpcCacheStatus status = aggregator.reconcileFailed(cache.getStatus(), e);
    if (StatusAggregator.same(status, cache.getStatus())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    RedisGrpcCache patch = new RedisGrpcCache();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(cache.getMetadata().getName())
            .withNamespace(cache.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(patch);
  }

  /**
   * Whether {@code error} (its causes, or any dependent's error) comes from the operator stopping.
   */
  static boolean stopping(Throwable error) {
    for (Throwable cause = error;
        cause != null;
        cause = cause.getCause() == cause ? null : cause.getCause()) {
      // Interrupted, or refused by an executor that is shutting down: the operator is stopping.
      if (cause instanceof InterruptedException
          || cause instanceof InterruptedIOException
          || cause instanceof RejectedExecutionException) {
        return true;
      }
      if (cause instanceof AggregatedOperatorException aggregated
          && aggregated.getAggregatedExceptions().values().stream()
              .anyMatch(RedisGrpcCacheReconciler::stopping)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    redis.close();
  }

  /**
   * CA trust propagation and a missing cert-manager need a timed look; nothing else wakes the
   * reconciler.
   */
  private UpdateControl<RedisGrpcCache> wakeForCertificates(
      UpdateControl<RedisGrpcCache> control,
      RedisGrpcCache cache,
      CertificatesObservation certificates) {
    Optional<Duration> wake = certificatesObserver.wakeUp(cache, certificates);
    if (wake.isEmpty()) {
      return control;
    }
    Duration after =
        control
            .getScheduleDelay()
            .map(d -> Duration.ofMillis(Math.min(d, wake.get().toMillis())))
            .orElse(wake.get());
    return control.rescheduleAfter(after);
  }

  /** Events for Ready and Degraded flips (not for the first, expected Ready=False). */
  private void announceTransitions(
      RedisGrpcCache cache, RedisGrpcCacheStatus status, Context<RedisGrpcCache> context) {
    Condition ready = find(status, ConditionTypes.READY).orElseThrow();
    String wasReady =
        find(cache.getStatus(), ConditionTypes.READY).map(Condition::getStatus).orElse("False");
    if (!wasReady.equals(ready.getStatus())) {
      boolean nowReady = "True".equals(ready.getStatus());
      events.record(
          context.getClient(),
          cache,
          nowReady ? "Normal" : "Warning",
          nowReady ? "Ready" : "NotReady",
          ready.getMessage());
    }
    Condition degraded = find(status, ConditionTypes.DEGRADED).orElseThrow();
    String wasDegraded =
        find(cache.getStatus(), ConditionTypes.DEGRADED).map(Condition::getStatus).orElse("False");
    if (!wasDegraded.equals(degraded.getStatus())) {
      boolean nowDegraded = "True".equals(degraded.getStatus());
      events.record(
          context.getClient(),
          cache,
          nowDegraded ? "Warning" : "Normal",
          nowDegraded ? degraded.getReason() : "Recovered",
          degraded.getMessage());
    }
  }

  private static Optional<Condition> find(RedisGrpcCacheStatus status, String type) {
    return status == null || status.conditions == null
        ? Optional.empty()
        : status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
