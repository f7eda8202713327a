package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Issuer;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.tls.CertificateModels;

/** Issuer <name>-ca: signs every leaf with the CA generation the rotation state names. */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class CaIssuerDependent extends CRUDKubernetesDependentResource<Issuer, RedisGrpcCache> {
  public CaIssuerDependent() {
    super(Issuer.class);
  }

  @Override
  protected Issuer desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return CertificateModels.caIssuer(cache, TlsState.stored(cache, context).signingGeneration());
  }
}
