package io.redisgrpc.operator.lifecycle;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.dependent.TlsState;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.RedisWorkloads;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Endpoints from the cache's pods (the reconciler's Pod informer): started pods, reached by pod IP
 * (CLUSTER MEET in Redis 7.0 takes an IP) and known by their DNS names too, which is what the nodes
 * announce and what the sentinels report.
 *
 * <p>Started, not Ready: a Redis pod is Ready only once it serves, which in Cluster mode means it
 * has joined the cluster, and joining it is the operator's job. A container is started once its
 * startup probe saw the process answer.
 */
public final class PodEndpoints implements RedisEndpoints {

  @Override
  public Topology resolve(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    List<Pod> pods = context.getSecondaryResourcesAsStream(Pod.class).toList();
    String namespace = cache.getMetadata().getNamespace();
    List<Endpoint> nodes = new ArrayList<>();
    Map<String, Integer> aliases = new LinkedHashMap<>();
    List<Pod> redisPods = ofComponent(pods, Labels.REDIS);
    for (Pod pod : redisPods) {
      int ordinal = ordinal(pod);
      String ip = pod.getStatus().getPodIP();
      nodes.add(new Endpoint(ip, Names.REDIS_PORT, pod.getSpec().getNodeName()));
      aliases.put(ip + ":" + Names.REDIS_PORT, ordinal);
      aliases.put(
          Names.podHost(Names.redis(cache), ordinal, Names.redisHeadless(cache), namespace)
              + ":"
              + Names.REDIS_PORT,
          ordinal);
    }
    List<Sentinel> sentinels =
        ofComponent(pods, Labels.SENTINEL).stream()
            .map(pod -> new Sentinel(pod.getStatus().getPodIP(), Names.SENTINEL_PORT))
            .toList();
    // While scaling down, the StatefulSet still has the leaving pods: all of them count.
    int desired =
        Math.max(
            RedisWorkloads.redisPods(cache.getSpec().redis),
            statefulSetReplicas(cache, context).orElse(0));
    boolean complete =
        nodes.size() == desired
            && redisPods.stream()
                .map(PodEndpoints::ordinal)
                .toList()
                .equals(IntStream.range(0, desired).boxed().toList());
    Optional<String> bundle =
        TlsState.trustBundle(cache, context)
            .map(
                map -> map.getData() == null ? null : map.getData().get(TlsNames.TRUST_BUNDLE_KEY));
    return new Topology(nodes, complete, sentinels, aliases, bundle);
  }

  private static List<Pod> ofComponent(List<Pod> pods, String component) {
    return pods.stream()
        .filter(pod -> component.equals(pod.getMetadata().getLabels().get(Labels.COMPONENT)))
        .filter(PodEndpoints::started)
        .sorted(Comparator.comparingInt(PodEndpoints::ordinal))
        .toList();
  }

  /** Not terminating, has an address, and every container runs and has passed its startup probe. */
  static boolean started(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus() != null
        && pod.getStatus().getPodIP() != null
        && pod.getStatus().getContainerStatuses() != null
        && !pod.getStatus().getContainerStatuses().isEmpty()
        && pod.getStatus().getContainerStatuses().stream()
            .allMatch(
                c ->
                    Boolean.TRUE.equals(c.getStarted())
                        && c.getState() != null
                        && c.getState().getRunning() != null);
  }

  /**
   * The Redis StatefulSet's replica count as it is now (which a scale-down holds above the spec's).
   */
  public static Optional<Integer> statefulSetReplicas(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return context
        .getSecondaryResourcesAsStream(StatefulSet.class)
        .filter(set -> Names.redis(cache).equals(set.getMetadata().getName()))
        .map(set -> set.getSpec().getReplicas())
        .filter(Objects::nonNull)
        .findFirst();
  }

  /** StatefulSet pods are named {@code <set>-<ordinal>}. */
  static int ordinal(Pod pod) {
    String name = pod.getMetadata().getName();
    return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
  }
}
