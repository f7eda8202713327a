package io.redisgrpc.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.TlsRendering;
import io.redisgrpc.operator.tls.CertificateModels;

/** Workflow activation conditions: which dependents exist for a given spec. */
public final class Conditions {
  private Conditions() {}

  public static final class SentinelMode implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return primary.getSpec().redis.mode == RedisMode.Sentinel;
    }
  }

  public static final class AutoscalingEnabled implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return primary.getSpec().gateway != null && primary.getSpec().gateway.autoscaling != null;
    }
  }

  /**
   * Activation condition of every cert-manager dependent: the API server serves {@code
   * cert-manager.io/v1}. JOSDK registers the dependents' informers only once it holds, so the
   * operator starts on a cluster without cert-manager. It must not depend on the cache: JOSDK
   * registers and deregisters the (shared) informers from it, so a per-cache answer would make one
   * cache's reconciliation drop another's informers. Per-cache choices are reconcile preconditions
   * below (false: the dependent's object is deleted, e.g. when TLS is switched off).
   */
  public static final class CertManagerAvailable implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return CertManagerApi.available(context.getClient());
    }
  }

  /** spec.tls.enabled. */
  public static final class TlsEnabled implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary);
    }
  }

  /**
   * TLS on and the operator runs the CA chain (no spec.tls.issuerRef); otherwise the chain is
   * deleted.
   */
  public static final class OperatorManagedCa implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary) && CertificateModels.operatorManagedCa(primary);
    }
  }

  /** TLS on, Sentinel mode. */
  public static final class SentinelTls implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary) && primary.getSpec().redis.mode == RedisMode.Sentinel;
    }
  }

  /** A CA rotation is under way: the next CA generation's Certificate exists. */
  public static final class CaRotating implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary)
          && CertificateModels.operatorManagedCa(primary)
          && TlsState.stored(primary, context).rotating();
    }
  }

  /**
   * For dependents without an informer (JOSDK activation conditions need one): TLS on, cert-manager
   * served, operator-managed CA.
   */
  public static final class ManagedCaWithCertManager implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(
        DependentResource<Object, RedisGrpcCache> dependent,
        RedisGrpcCache primary,
        Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary)
          && CertManagerApi.available(context.getClient())
          && CertificateModels.operatorManagedCa(primary);
    }
  }
}
