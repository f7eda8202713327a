package io.redisgrpc.operator.reconciler;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.RedisWorkloads;
import io.redisgrpc.operator.status.GatewayRouting;
import io.redisgrpc.operator.status.ObservedState;
import io.redisgrpc.operator.status.PodProblems;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the cache's workloads from the informer caches (and checks referenced Secrets), and whether
 * the gateway's Service routes ({@link GatewayRouting}).
 */
final class CacheObserver {
  private final Clock clock;
  private final GatewayRouteProbe routeProbe;

  CacheObserver(Clock clock, GatewayRouteProbe routeProbe) {
    this.clock = clock;
    this.routeProbe = routeProbe;
  }

  ObservedState observe(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    ObservedState observed =
        workloads(cache, context)
            .withPodProblems(
                PodProblems.of(
                    context.getSecondaryResources(Pod.class).stream()
                        .filter(
                            pod ->
                                pod.getMetadata().getLabels() != null
                                    && cache
                                        .getMetadata()
                                        .getName()
                                        .equals(pod.getMetadata().getLabels().get(Labels.INSTANCE)))
                        .toList(),
                    clock.instant()));
    return observed.withGatewayRouting(
        routing(cache, context, observed.gateway().ready() >= observed.gateway().desired()));
  }

  /**
   * The probe runs only once the slices list a ready gateway: before that it can only be refused.
   */
  private GatewayRouting routing(
      RedisGrpcCache cache, Context<RedisGrpcCache> context, boolean replicasReady) {
    String service = Names.gateway(cache);
    int endpoints =
        GatewayRouting.readyEndpoints(context.getSecondaryResources(EndpointSlice.class), service);
    if (endpoints == 0 || !replicasReady) {
      return new GatewayRouting(endpoints, GatewayRouting.Probe.NOT_RUN);
    }
    return context
        .getSecondaryResourcesAsStream(Service.class)
        .filter(s -> service.equals(s.getMetadata().getName()))
        .map(s -> s.getSpec() == null ? null : s.getSpec().getClusterIP())
        .filter(ip -> ip != null && !ip.isBlank() && !"None".equals(ip))
        .findFirst()
        .map(
            ip ->
                new GatewayRouting(
                    endpoints, routeProbe.probe(ip, cache.getSpec().gateway.service.port)))
        .orElse(new GatewayRouting(endpoints, GatewayRouting.Probe.NOT_RUN));
  }

  private ObservedState workloads(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    Optional<StatefulSet> redis = statefulSet(context, Names.redis(cache));
    Optional<StatefulSet> sentinel = statefulSet(context, Names.sentinel(cache));
    Optional<Deployment> gateway =
        context
            .getSecondaryResourcesAsStream(Deployment.class)
            .filter(d -> Names.gateway(cache).equals(d.getMetadata().getName()))
            .findFirst();
    boolean sentinelMode = cache.getSpec().redis.mode == RedisMode.Sentinel;
    int gatewayDesired =
        cache.getSpec().gateway.autoscaling != null
            ? gateway
                .map(d -> d.getSpec().getReplicas())
                .filter(Objects::nonNull)
                .orElse(cache.getSpec().gateway.autoscaling.minReplicas)
            : cache.getSpec().gateway.replicas;
    boolean upToDate =
        redis.map(CacheObserver::rolledOut).orElse(false)
            && (!sentinelMode || sentinel.map(CacheObserver::rolledOut).orElse(false))
            && gateway
                .map(
                    d ->
                        d.getStatus() != null
                            && Objects.equals(
                                d.getStatus().getObservedGeneration(),
                                d.getMetadata().getGeneration()))
                .orElse(false);
    return ObservedState.ofWorkloads(
        new ObservedState.Count(
            redis
                .map(
                    s ->
                        readyReplicas(
                            s.getStatus() == null ? null : s.getStatus().getReadyReplicas()))
                .orElse(-1),
            RedisWorkloads.redisPods(cache.getSpec().redis)),
        new ObservedState.Count(
            sentinel
                .map(
                    s ->
                        readyReplicas(
                            s.getStatus() == null ? null : s.getStatus().getReadyReplicas()))
                .orElse(sentinelMode ? -1 : 0),
            sentinelMode ? cache.getSpec().redis.sentinelOrDefault().sentinels : 0),
        new ObservedState.Count(
            gateway
                .map(
                    d ->
                        readyReplicas(
                            d.getStatus() == null ? null : d.getStatus().getReadyReplicas()))
                .orElse(-1),
            gatewayDesired),
        upToDate,
        missingPullSecrets(cache, context));
  }

  private static Optional<StatefulSet> statefulSet(Context<RedisGrpcCache> context, String name) {
    return context
        .getSecondaryResourcesAsStream(StatefulSet.class)
        .filter(s -> name.equals(s.getMetadata().getName()))
        .findFirst();
  }

  private static boolean rolledOut(StatefulSet set) {
    return set.getStatus() != null
        && Objects.equals(
            set.getStatus().getObservedGeneration(), set.getMetadata().getGeneration());
  }

  private static int readyReplicas(Integer ready) {
    return ready == null ? 0 : ready;
  }

  /** Pull secrets named in the spec that do not exist: the pods could never start. */
  private static List<String> missingPullSecrets(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    List<String> missing = new ArrayList<>();
    Stream.concat(
            cache.getSpec().redis.imagePullSecrets.stream(),
            cache.getSpec().gateway.imagePullSecrets.stream())
        .map(LocalObjectReference::getName)
        .distinct()
        .forEach(
            name -> {
              Secret secret =
                  context
                      .getClient()
                      .secrets()
                      .inNamespace(cache.getMetadata().getNamespace())
                      .withName(name)
                      .get();
              if (secret == null) {
                missing.add(name);
              }
            });
    return missing;
  }
}
