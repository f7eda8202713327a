package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.tls.CaPhase;
import io.redisgrpc.operator.tls.CaRotationState;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Reads the CA rotation state the trust-bundle dependent stored, from the informer caches. */
public final class TlsState {
  private TlsState() {}

  public static Optional<ConfigMap> trustBundle(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    String name = TlsNames.trustBundle(cache);
    return context
        .getSecondaryResourcesAsStream(ConfigMap.class)
        .filter(c -> name.equals(c.getMetadata().getName()))
        .findFirst();
  }

  /** The stored state; generation 1, Idle, before the trust bundle exists. */
  public static CaRotationState stored(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return trustBundle(cache, context)
        .map(c -> CaRotationState.fromAnnotations(c.getMetadata().getAnnotations()))
        .orElse(new CaRotationState(1, CaPhase.Idle, Instant.EPOCH, null));
  }

  /**
   * The CA generation the CA Issuer signs with, if cert-manager has processed its current spec and
   * reports it Ready.
   */
  public static Optional<Integer> issuerSigningGeneration(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    String name = TlsNames.caIssuer(cache);
    CaRotationState state = stored(cache, context);
    return context
        .getSecondaryResourcesAsStream(Issuer.class)
        .filter(i -> name.equals(i.getMetadata().getName()))
        .filter(
            i ->
                i.getSpec() != null
                    && i.getSpec().getCa() != null
                    && i.getStatus() != null
                    && i.getStatus().getConditions() != null)
        .filter(
            i ->
                i.getStatus().getConditions().stream()
                    .anyMatch(
                        c ->
                            "Ready".equals(c.getType())
                                && "True".equals(c.getStatus())
                                && Objects.equals(
                                    c.getObservedGeneration(), i.getMetadata().getGeneration())))
        .map(i -> i.getSpec().getCa().getSecretName())
        .flatMap(
            secret ->
                state.liveGenerations().stream()
                    .filter(g -> TlsNames.caCertificate(cache, g).equals(secret)))
        .findFirst();
  }

  /**
   * The generation leaves are requested from: the state's signing generation once the Issuer signs
   * with it, else the current generation. So cert-manager never re-issues a leaf for the new
   * generation while the Issuer still signs with the old CA.
   */
  public static int leafGeneration(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    CaRotationState state = stored(cache, context);
    int wanted = state.signingGeneration();
    if (wanted == state.generation()) {
      return wanted;
    }
    return issuerSigningGeneration(cache, context).filter(g -> g == wanted).isPresent()
        ? wanted
        : state.generation();
  }
}
