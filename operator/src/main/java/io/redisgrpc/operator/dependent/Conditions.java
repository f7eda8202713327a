package io.redisgrpc.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.tls.CertificateModels;
import io.redisgrpc.operator.tls.TlsRendering;

/** Workflow activation conditions: which dependents exist for a given spec. */
public final class Conditions {
  private Conditions() {}

  public static final class SentinelMode implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return primary.getSpec().redis.mode == RedisMode.Sentinel;
    }
  }

  public static final class AutoscalingEnabled implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return primary.getSpec().gateway != null && primary.getSpec().gateway.autoscaling != null;
    }
  }

  /**
   * Activation condition of every cert-manager dependent: TLS is on and the cert-manager.io/v1
   * API is served. JOSDK registers the dependents' informers only once it holds, so the operator
   * starts (and creates nothing of the TLS chain) on a cluster without cert-manager.
   */
  public static final class CertManagerAvailable implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary) && CertManagerApi.available(context.getClient());
    }
  }

  /** The operator runs the CA chain (no spec.tls.issuerRef); otherwise the chain is deleted. */
  public static final class OperatorManagedCa implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return CertificateModels.operatorManagedCa(primary);
    }
  }

  /** A CA rotation is under way: the next CA generation's Certificate exists. */
  public static final class CaRotating implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return CertificateModels.operatorManagedCa(primary) && TlsState.stored(primary, context).rotating();
    }
  }

  /** The CA Issuer signs with the generation the state names, and cert-manager has seen that. */
  public static final class IssuerReady implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return TlsState.issuerSigningGeneration(primary, context).isPresent();
    }
  }

  /**
   * For dependents without an informer (JOSDK activation conditions need one): TLS on,
   * cert-manager served, operator-managed CA.
   */
  public static final class ManagedCaWithCertManager implements Condition<Object, RedisGrpcCache> {
    @Override
    public boolean isMet(DependentResource<Object, RedisGrpcCache> dependent, RedisGrpcCache primary, Context<RedisGrpcCache> context) {
      return TlsRendering.enabled(primary) && CertManagerApi.available(context.getClient()) && CertificateModels.operatorManagedCa(primary);
    }
  }
}
