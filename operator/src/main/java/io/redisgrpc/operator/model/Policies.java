package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** PodDisruptionBudgets and the NetworkPolicy. Pure. */
public final class Policies {
  private Policies() {}

  /**
   * At most one pod of the component down at a time through voluntary disruptions. A pod that is
   * not Ready serves nothing, so it may always be evicted ({@code AlwaysAllow}): otherwise a pod
   * stuck on a broken template, or pods still starting, would block the operator's rolling update
   * (lifecycle/PodRoller) and node drains for good.
   */
  public static PodDisruptionBudget disruptionBudget(
      RedisGrpcCache cache, String name, String component) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache, component))
        .endMetadata()
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withUnhealthyPodEvictionPolicy("AlwaysAllow")
        .withNewSelector()
        .withMatchLabels(Labels.selector(cache, component))
        .endSelector()
        .endSpec()
        .build();
  }

  /**
   * Only the cache's own gateway and Redis/Sentinel pods, and the operator, reach Redis and the
   * sentinels, and only on their ports: Redis (6379) and, in Sentinel mode, the sentinels (26379);
   * the cluster bus (16379) only from the cache's own Redis pods. Everything else (other apps
   * included) must go through the gateway.
   */
  public static NetworkPolicy redisNetworkPolicy(RedisGrpcCache cache) {
    Map<String, String> instance =
        Map.of(Labels.NAME, Labels.APP_NAME, Labels.INSTANCE, cache.getMetadata().getName());
    NetworkPolicyPeer ownPods =
        new NetworkPolicyPeerBuilder()
            .withPodSelector(new LabelSelectorBuilder().withMatchLabels(instance).build())
            .build();
    NetworkPolicyPeer operator =
        new NetworkPolicyPeerBuilder()
            .withNamespaceSelector(new LabelSelectorBuilder().build())
            .withPodSelector(
                new LabelSelectorBuilder()
                    .withMatchLabels(Map.of(Labels.NAME, Labels.OPERATOR_NAME))
                    .build())
            .build();
    boolean sentinel = cache.getSpec().redis.mode == RedisMode.Sentinel;
    List<NetworkPolicyPort> clientPorts = new ArrayList<>(List.of(port(Names.REDIS_PORT)));
    if (sentinel) {
      clientPorts.add(port(Names.SENTINEL_PORT));
    }
    List<NetworkPolicyIngressRule> rules = new ArrayList<>();
    rules.add(
        new NetworkPolicyIngressRuleBuilder()
            .withFrom(ownPods, operator)
            .withPorts(clientPorts)
            .build());
    if (!sentinel) {
      Map<String, String> redisPods = new HashMap<>(instance);
      redisPods.put(Labels.COMPONENT, Labels.REDIS);
      rules.add(
          new NetworkPolicyIngressRuleBuilder()
              .withFrom(
                  new NetworkPolicyPeerBuilder()
                      .withPodSelector(
                          new LabelSelectorBuilder().withMatchLabels(redisPods).build())
                      .build())
              .withPorts(port(Names.CLUSTER_BUS_PORT))
              .build());
    }
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(Names.networkPolicy(cache))
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache))
        .endMetadata()
        .withNewSpec()
        .withPodSelector(
            new LabelSelectorBuilder()
                .withMatchLabels(instance)
                .withMatchExpressions(
                    new LabelSelectorRequirementBuilder()
                        .withKey(Labels.COMPONENT)
                        .withOperator("In")
                        .withValues(Labels.REDIS, Labels.SENTINEL)
                        .build())
                .build())
        .withPolicyTypes("Ingress")
        .withIngress(rules)
        .endSpec()
        .build();
  }

  private static NetworkPolicyPort port(int number) {
    return new NetworkPolicyPortBuilder()
        .withProtocol("TCP")
        .withPort(new IntOrString(number))
        .build();
  }
}
