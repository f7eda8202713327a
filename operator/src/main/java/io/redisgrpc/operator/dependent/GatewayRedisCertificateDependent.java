package io.redisgrpc.operator.dependent;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.tls.CertificateModels;

/**
 * Certificate and Secret <name>-gateway-redis-tls: the gateway's client certificate towards Redis.
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class GatewayRedisCertificateDependent
    extends CRUDKubernetesDependentResource<Certificate, RedisGrpcCache> {
  public GatewayRedisCertificateDependent() {
    super(Certificate.class);
  }

  @Override
  protected Certificate desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return CertificateModels.gatewayRedisCertificate(
        cache, TlsState.leafGeneration(cache, context));
  }
}
