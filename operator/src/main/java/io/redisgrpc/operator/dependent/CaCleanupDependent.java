package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.tls.CaRotationState;
import java.util.List;

/**
 * Deletes retired CA generations: the Certificate of every CA generation of this cache that the
 * stored rotation state no longer lists. That happens only once the trust bundle without them is
 * stored, i.e. after every leaf moved to the new CA, so nothing trusts the retired CA any more.
 * cert-manager keeps a deleted Certificate's Secret unless it runs with {@code
 * --enable-certificate-owner-ref}; the operator has no right to delete Secrets (least privilege),
 * so the retired CA's Secret stays until then or until removed by hand.
 */
public class CaCleanupDependent implements DependentResource<Certificate, RedisGrpcCache> {
  @Override
  public ReconcileResult<Certificate> reconcile(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    CaRotationState state = TlsState.stored(cache, context);
    if (TlsState.trustBundle(cache, context).isEmpty()) {
      return ReconcileResult.aggregatedResult(List.of());
    }
    KubernetesClient client = context.getClient();
    String namespace = cache.getMetadata().getNamespace();
    String selector =
        Labels.INSTANCE
            + "="
            + cache.getMetadata().getName()
            + ","
            + Labels.COMPONENT
            + "="
            + TlsNames.CA_COMPONENT
            + ","
            + TlsNames.CA_GENERATION_LABEL;
    client
        .resources(Certificate.class)
        .inNamespace(namespace)
        .withLabelSelector(selector)
        .list()
        .getItems()
        .stream()
        .filter(o -> !state.liveGenerations().contains(generation(o)))
        .forEach(o -> client.resource(o).delete());
    return ReconcileResult.aggregatedResult(List.of());
  }

  private static int generation(HasMetadata object) {
    try {
      return Integer.parseInt(object.getMetadata().getLabels().get(TlsNames.CA_GENERATION_LABEL));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public Class<Certificate> resourceType() {
    return Certificate.class;
  }
}
