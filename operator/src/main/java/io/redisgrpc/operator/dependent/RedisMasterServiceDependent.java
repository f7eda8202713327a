package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sentinel mode: {@code <name>-master} selects the one pod the sentinels name master, so a client
 * that cannot speak the Sentinel protocol still reaches the master by one stable name. The
 * reconciler learns the master from a majority of sentinels before the workflow runs and hands it
 * over in the context; with no majority the last known master (from status) stays selected. A cache
 * whose master was never learned selects no pod: better no endpoint than a guessed one.
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class RedisMasterServiceDependent
    extends CRUDKubernetesDependentResource<Service, RedisGrpcCache> {
  /** The label every StatefulSet pod carries with its own name. */
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

  static final String NO_MASTER = "none";

  public RedisMasterServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    String master =
        WorkflowValues.masterPod(context)
            .orElse(
                cache.getStatus() != null
                        && cache.getStatus().redis != null
                        && cache.getStatus().redis.master != null
                    ? cache.getStatus().redis.master
                    : NO_MASTER);
    Service service =
        Services.clusterIp(
            cache,
            Names.redisMaster(cache),
            Labels.REDIS,
            "ClusterIP",
            List.of(Services.port("redis", Names.REDIS_PORT, "redis")));
    Map<String, String> selector = new TreeMap<>(Labels.selector(cache, Labels.REDIS));
    selector.put(POD_NAME_LABEL, master);
    service.getSpec().setSelector(selector);
    return service;
  }
}
