package io.redisgrpc.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheStatus;
import io.redisgrpc.operator.dependent.*;
import io.redisgrpc.operator.status.ConditionTypes;
import io.redisgrpc.operator.status.ObservedState;
import io.redisgrpc.operator.status.StatusAggregator;
import io.redisgrpc.operator.tls.CertificatesObservation;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Reconciles a RedisGrpcCache: the workflow below creates or server-side-applies every
 * dependent resource (JOSDK runs it before {@link #reconcile}); then the reconciler observes the
 * workloads and writes the status, but only when it changed. Once converged nothing is written.
 */
@ControllerConfiguration(name = "redisgrpccache")
@Workflow(dependents = {
    @Dependent(name = "service-account", type = ServiceAccountDependent.class),
    @Dependent(name = "config", type = ConfigMapDependent.class),
    @Dependent(name = "redis-headless", type = RedisHeadlessServiceDependent.class),
    @Dependent(name = "redis-service", type = RedisServiceDependent.class),
    @Dependent(name = "redis", type = RedisStatefulSetDependent.class,
        dependsOn = {"service-account", "config", "redis-headless"}),
    @Dependent(name = "redis-pdb", type = RedisDisruptionBudgetDependent.class),
    @Dependent(name = "redis-network-policy", type = RedisNetworkPolicyDependent.class),
    @Dependent(name = "sentinel-headless", type = SentinelHeadlessServiceDependent.class,
        activationCondition = Conditions.SentinelMode.class),
    @Dependent(name = "sentinel-service", type = SentinelServiceDependent.class,
        activationCondition = Conditions.SentinelMode.class),
    @Dependent(name = "sentinel", type = SentinelStatefulSetDependent.class,
        activationCondition = Conditions.SentinelMode.class,
        dependsOn = {"service-account", "config", "sentinel-headless"}),
    @Dependent(name = "sentinel-pdb", type = SentinelDisruptionBudgetDependent.class,
        activationCondition = Conditions.SentinelMode.class),
    @Dependent(name = "gateway", type = GatewayDeploymentDependent.class, dependsOn = {"service-account"}),
    @Dependent(name = "gateway-service", type = GatewayServiceDependent.class),
    @Dependent(name = "gateway-pdb", type = GatewayDisruptionBudgetDependent.class),
    // A reconcile precondition (not an activation condition): when autoscaling is switched off
    // again, JOSDK deletes the HPA.
    @Dependent(name = "gateway-autoscaler", type = GatewayAutoscalerDependent.class,
        reconcilePrecondition = Conditions.AutoscalingEnabled.class),
    // TLS through cert-manager. The activation condition (cert-manager.io/v1 served, cluster-wide)
    // keeps JOSDK from registering informers for cert-manager types until cert-manager exists;
    // reconcile preconditions decide per cache (false: deleted). The trust bundle carries the CA
    // rotation state (tls/DESIGN.md).
    @Dependent(name = "tls-trust-bundle", type = TrustBundleDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.TlsEnabled.class),
    @Dependent(name = "tls-selfsigned-issuer", type = SelfSignedIssuerDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.OperatorManagedCa.class),
    @Dependent(name = "tls-ca", type = CaCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.OperatorManagedCa.class,
        dependsOn = {"tls-selfsigned-issuer", "tls-trust-bundle"}),
    @Dependent(name = "tls-ca-next", type = NextCaCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.CaRotating.class,
        dependsOn = {"tls-selfsigned-issuer", "tls-trust-bundle"}),
    @Dependent(name = "tls-ca-issuer", type = CaIssuerDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.OperatorManagedCa.class,
        dependsOn = {"tls-ca"}),
    @Dependent(name = "tls-ca-cleanup", type = CaCleanupDependent.class,
        reconcilePrecondition = Conditions.ManagedCaWithCertManager.class, dependsOn = {"tls-trust-bundle"}),
    @Dependent(name = "tls-redis", type = RedisCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.TlsEnabled.class,
        dependsOn = {"tls-trust-bundle"}),
    @Dependent(name = "tls-sentinel", type = SentinelCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.SentinelTls.class,
        dependsOn = {"tls-trust-bundle"}),
    @Dependent(name = "tls-gateway", type = GatewayCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.TlsEnabled.class,
        dependsOn = {"tls-trust-bundle"}),
    @Dependent(name = "tls-gateway-redis", type = GatewayRedisCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.TlsEnabled.class,
        dependsOn = {"tls-trust-bundle"}),
    @Dependent(name = "tls-operator", type = OperatorCertificateDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.TlsEnabled.class,
        dependsOn = {"tls-trust-bundle"}),
    @Dependent(name = "tls-clients", type = ClientCertificatesDependent.class,
        activationCondition = Conditions.CertManagerAvailable.class, reconcilePrecondition = Conditions.TlsEnabled.class,
        dependsOn = {"tls-trust-bundle"}),
})
public class RedisGrpcCacheReconciler implements Reconciler<RedisGrpcCache> {
  /** A blocked cache (e.g. missing pull secret) is looked at again this often; nothing watches Secrets. */
  static final Duration BLOCKED_RECHECK = Duration.ofSeconds(30);

  private final CacheObserver observer = new CacheObserver();
  private final CertificatesObserver certificatesObserver = new CertificatesObserver();
  private final StatusAggregator aggregator;
  private final EventRecorder events;

  public RedisGrpcCacheReconciler() {
    this(Clock.systemUTC());
  }

  public RedisGrpcCacheReconciler(Clock clock) {
    this.aggregator = new StatusAggregator(clock);
    this.events = new EventRecorder(clock);
  }

  @Override
  public UpdateControl<RedisGrpcCache> reconcile(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    ObservedState observed = observer.observe(cache, context);
    CertificatesObservation certificates = certificatesObserver.observe(cache, context);
    RedisGrpcCacheStatus status = aggregator.aggregate(cache, observed, certificates);
    boolean blocked = !observed.missingPullSecrets().isEmpty();
    if (StatusAggregator.same(status, cache.getStatus())) {
      UpdateControl<RedisGrpcCache> none = blocked ? UpdateControl.<RedisGrpcCache>noUpdate().rescheduleAfter(BLOCKED_RECHECK) : UpdateControl.noUpdate();
      return wakeForCertificates(none, cache, certificates);
    }
    announceTransitions(cache, status, context);
    RedisGrpcCache patch = new RedisGrpcCache();
    patch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(cache.getMetadata().getName()).withNamespace(cache.getMetadata().getNamespace()).build());
    patch.setStatus(status);
    UpdateControl<RedisGrpcCache> control = UpdateControl.patchStatus(patch);
    return wakeForCertificates(blocked ? control.rescheduleAfter(BLOCKED_RECHECK) : control, cache, certificates);
  }

  /** CA trust propagation and a missing cert-manager need a timed look; nothing else wakes the reconciler. */
  private UpdateControl<RedisGrpcCache> wakeForCertificates(UpdateControl<RedisGrpcCache> control, RedisGrpcCache cache,
      CertificatesObservation certificates) {
    Optional<Duration> wake = certificatesObserver.wakeUp(cache, certificates);
    if (wake.isEmpty()) {
      return control;
    }
    Duration after = control.getScheduleDelay().map(d -> Duration.ofMillis(Math.min(d, wake.get().toMillis()))).orElse(wake.get());
    return control.rescheduleAfter(after);
  }

  /** Events for Ready and Degraded flips (not for the first, expected Ready=False). */
  private void announceTransitions(RedisGrpcCache cache, RedisGrpcCacheStatus status, Context<RedisGrpcCache> context) {
    Condition ready = find(status, ConditionTypes.READY).orElseThrow();
    String wasReady = find(cache.getStatus(), ConditionTypes.READY).map(Condition::getStatus).orElse("False");
    if (!wasReady.equals(ready.getStatus())) {
      boolean nowReady = "True".equals(ready.getStatus());
      events.record(context.getClient(), cache, nowReady ? "Normal" : "Warning", nowReady ? "Ready" : "NotReady", ready.getMessage());
    }
    Condition degraded = find(status, ConditionTypes.DEGRADED).orElseThrow();
    String wasDegraded = find(cache.getStatus(), ConditionTypes.DEGRADED).map(Condition::getStatus).orElse("False");
    if (!wasDegraded.equals(degraded.getStatus())) {
      boolean nowDegraded = "True".equals(degraded.getStatus());
      events.record(context.getClient(), cache, nowDegraded ? "Warning" : "Normal", nowDegraded ? degraded.getReason() : "Recovered",
          degraded.getMessage());
    }
  }

  private static Optional<Condition> find(RedisGrpcCacheStatus status, String type) {
    return status == null || status.conditions == null ? Optional.empty()
        : status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
