package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.tls.CaRotationState;
import io.redisgrpc.operator.tls.TlsNames;
import java.util.List;
import java.util.stream.Stream;

/**
 * Deletes retired CA generations: the Certificate and the Secret (with its private key) of every
 * CA generation of this cache that the stored rotation state no longer lists. That happens only
 * once the trust bundle without them is stored, i.e. after every leaf moved to the new CA.
 * (cert-manager leaves a Certificate's Secret behind when the Certificate goes.)
 */
public class CaCleanupDependent implements DependentResource<Certificate, RedisGrpcCache> {
  @Override
  public ReconcileResult<Certificate> reconcile(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    CaRotationState state = TlsState.stored(cache, context);
    if (TlsState.trustBundle(cache, context).isEmpty()) {
      return ReconcileResult.aggregatedResult(List.of());
    }
    KubernetesClient client = context.getClient();
    String namespace = cache.getMetadata().getNamespace();
    String selector = Labels.INSTANCE + "=" + cache.getMetadata().getName() + "," + Labels.COMPONENT + "=" + TlsNames.CA_COMPONENT
        + "," + TlsNames.CA_GENERATION_LABEL;
    Stream.<List<? extends HasMetadata>>of(
            client.resources(Certificate.class).inNamespace(namespace).withLabelSelector(selector).list().getItems(),
            client.secrets().inNamespace(namespace).withLabelSelector(selector).list().getItems())
        .flatMap(List::stream)
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
