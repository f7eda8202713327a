package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.util.Map;

/** PodDisruptionBudgets and the NetworkPolicy. Pure. */
public final class Policies {
  private Policies() {}

  /** At most one pod of the component down at a time through voluntary disruptions. */
  public static PodDisruptionBudget disruptionBudget(RedisGrpcCache cache, String name, String component) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata().withName(name).withNamespace(cache.getMetadata().getNamespace()).withLabels(Labels.of(cache, component)).endMetadata()
        .withNewSpec()
          .withMaxUnavailable(new IntOrString(1))
          .withNewSelector().withMatchLabels(Labels.selector(cache, component)).endSelector()
        .endSpec()
        .build();
  }

  /**
   * Only the cache's own gateway and Redis/Sentinel pods, and the operator, reach Redis and the
   * sentinels. Everything else (other apps included) must go through the gateway.
   */
  public static NetworkPolicy redisNetworkPolicy(RedisGrpcCache cache) {
    Map<String, String> instance = Map.of(Labels.NAME, Labels.APP_NAME, Labels.INSTANCE, cache.getMetadata().getName());
    NetworkPolicyPeer ownPods = new NetworkPolicyPeerBuilder()
        .withPodSelector(new LabelSelectorBuilder().withMatchLabels(instance).build())
        .build();
    NetworkPolicyPeer operator = new NetworkPolicyPeerBuilder()
        .withNamespaceSelector(new LabelSelectorBuilder().build())
        .withPodSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(Labels.NAME, Labels.OPERATOR_NAME)).build())
        .build();
    return new NetworkPolicyBuilder()
        .withNewMetadata().withName(Names.networkPolicy(cache)).withNamespace(cache.getMetadata().getNamespace()).withLabels(Labels.of(cache)).endMetadata()
        .withNewSpec()
          .withPodSelector(new LabelSelectorBuilder()
              .withMatchLabels(instance)
              .withMatchExpressions(new LabelSelectorRequirementBuilder()
                  .withKey(Labels.COMPONENT).withOperator("In").withValues(Labels.REDIS, Labels.SENTINEL).build())
              .build())
          .withPolicyTypes("Ingress")
          .addNewIngress().withFrom(ownPods, operator).endIngress()
        .endSpec()
        .build();
  }
}
