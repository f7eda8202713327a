package io.redisgrpc.operator.lifecycle;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.lifecycle.RollingUpdate.PodState;
import io.redisgrpc.operator.lifecycle.RollingUpdate.Step;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.model.RedisWorkloads;
import io.redisgrpc.operator.redis.ReplicationRole;
import io.redisgrpc.operator.redis.admin.RedisAdmin;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries out {@link RollingUpdate}: the Redis StatefulSet uses {@code OnDelete}, so its pods move
 * to a new template only when this deletes them, one per reconciliation, replicas first and each
 * master handed over first. Pods are removed through the Eviction API, so the cache's
 * PodDisruptionBudget (and any other) is honoured: a refused eviction is retried later.
 *
 * <p>Holds no state: every reconciliation looks at the pods, the StatefulSet and Redis again, so an
 * operator restarted mid-update carries on where the cluster is.
 */
public final class PodRoller {
  /** Revision label the StatefulSet controller puts on each pod. */
  static final String REVISION_LABEL = "controller-revision-hash";

  /**
   * What this reconciliation did, for Events and requeueing.
   *
   * @param action what was done (a pod evicted, a hand-over asked for), or empty
   * @param note why nothing was done, when something should have been (an eviction refused)
   */
  public record Result(Step step, Optional<String> action, Optional<String> note) {}

  private final RedisAdmin admin;

  public PodRoller(ClientResources resources) {
    this.admin = new RedisAdmin(resources);
  }

  public Optional<Result> roll(
      RedisGrpcCache cache,
      Context<RedisGrpcCache> context,
      RedisLifecycle.Outcome outcome,
      RedisEndpoints.Topology topology) {
    Optional<StatefulSet> found =
        context
            .getSecondaryResourcesAsStream(StatefulSet.class)
            .filter(set -> Names.redis(cache).equals(set.getMetadata().getName()))
            .findFirst();
    if (found.isEmpty()
        || found.get().getStatus() == null
        || found.get().getStatus().getUpdateRevision() == null) {
      return Optional.empty();
    }
    StatefulSet set = found.get();
    List<Pod> pods =
        context
            .getSecondaryResourcesAsStream(Pod.class)
            .filter(pod -> Labels.REDIS.equals(pod.getMetadata().getLabels().get(Labels.COMPONENT)))
            .toList();
    List<PodState> states =
        pods.stream()
            .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
            .map(
                pod ->
                    new PodState(
                        PodEndpoints.ordinal(pod),
                        !set.getStatus()
                            .getUpdateRevision()
                            .equals(pod.getMetadata().getLabels().get(REVISION_LABEL)),
                        Readiness.isPodReady(pod)))
            .sorted(Comparator.comparingInt(PodState::ordinal))
            .toList();
    if (states.stream().noneMatch(PodState::outdated)) {
      return Optional.empty();
    }
    boolean templateSeen =
        set.getStatus().getObservedGeneration() != null
            && set.getStatus().getObservedGeneration() >= set.getMetadata().getGeneration();
    int expected = Objects.requireNonNullElse(set.getSpec().getReplicas(), 0);
    Optional<Integer> sentinelMaster =
        cache.getSpec().redis.mode == RedisMode.Sentinel
            ? outcome.redis().flatMap(RedisAdmin.Observation::master)
            : Optional.empty();
    Step step =
        RollingUpdate.next(
            states,
            expected,
            settled(cache, outcome, topology, expected) ? roles(outcome) : Map.of(),
            sentinelMaster);
    if (cache.getSpec().redis.mode == RedisMode.Sentinel && !(step instanceof Step.Wait)) {
      // The sentinels roll by themselves (RollingUpdate) when their template changes too (a new
      // image): a hand-over or a restarted data pod needs them all up to agree on a master.
      Optional<String> rolling = sentinelsRolling(cache, context);
      if (rolling.isPresent()) {
        step = new Step.Wait(rolling.get());
      }
    }
    if (cache.getSpec().redis.mode == RedisMode.Sentinel
        && sentinelMaster.isEmpty()
        && step instanceof Step.HandOver) {
      // Mid-failover, or the sentinels disagree: a hand-over now could unpause a master that is
      // being replaced.
      step = new Step.Wait("the sentinels do not name one master");
    }
    if (!templateSeen && !(step instanceof Step.Wait)) {
      step = new Step.Wait("the StatefulSet controller has not seen the new template yet");
    }
    if (pods.size() > states.size() && !(step instanceof Step.Wait)) {
      step = new Step.Wait("a pod is still terminating");
    }
    return Optional.of(carryOut(cache, context, outcome, step));
  }

  /** Why the sentinels are not all up on their current template yet, or empty when they are. */
  static Optional<String> sentinelsRolling(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    Optional<StatefulSet> sentinels =
        context
            .getSecondaryResourcesAsStream(StatefulSet.class)
            .filter(set -> Names.sentinel(cache).equals(set.getMetadata().getName()))
            .findFirst();
    if (sentinels.isEmpty()) {
      return Optional.of("the sentinel StatefulSet does not exist yet");
    }
    return sentinelRollout(sentinels.get());
  }

  /**
   * Pure: a StatefulSet whose controller has seen its template and rolled every pod to it, all
   * ready.
   */
  static Optional<String> sentinelRollout(StatefulSet set) {
    var status = set.getStatus();
    int replicas = Objects.requireNonNullElse(set.getSpec().getReplicas(), 0);
    if (status == null
        || status.getObservedGeneration() == null
        || status.getObservedGeneration() < set.getMetadata().getGeneration()) {
      return Optional.of("the sentinels' StatefulSet controller has not seen the new template yet");
    }
    boolean rolled =
        Objects.equals(status.getCurrentRevision(), status.getUpdateRevision())
            && Objects.requireNonNullElse(status.getUpdatedReplicas(), 0) >= replicas;
    boolean ready = Objects.requireNonNullElse(status.getReadyReplicas(), 0) >= replicas;
    return rolled && ready
        ? Optional.empty()
        : Optional.of(
            "the sentinels are rolling ("
                + Objects.requireNonNullElse(status.getUpdatedReplicas(), 0)
                + "/"
                + replicas
                + " updated, "
                + Objects.requireNonNullElse(status.getReadyReplicas(), 0)
                + " ready)");
  }

  /**
   * Redis can be judged for a restart: every pod reached, no scaling under way, and in Cluster mode
   * the cluster formed as the spec asks (a restarted node without persistence comes back empty and
   * must be a replica again before the next pod goes).
   */
  private static boolean settled(
      RedisGrpcCache cache,
      RedisLifecycle.Outcome outcome,
      RedisEndpoints.Topology topology,
      int expected) {
    if (!topology.complete()
        || expected != RedisWorkloads.redisPods(cache.getSpec().redis)
        || outcome.redis().isEmpty()) {
      return false;
    }
    RedisAdmin.Observation seen = outcome.redis().get();
    if (!seen.allReached()) {
      return false;
    }
    return cache.getSpec().redis.mode != RedisMode.Cluster
        || seen.cluster() != null && seen.cluster().converged();
  }

  /**
   * With every pod reached in ordinal order (a complete topology), node index and ordinal agree.
   */
  private static Map<Integer, ReplicationRole> roles(RedisLifecycle.Outcome outcome) {
    return outcome.redis().map(RedisAdmin.Observation::roles).orElse(Map.of());
  }

  private Result carryOut(
      RedisGrpcCache cache,
      Context<RedisGrpcCache> context,
      RedisLifecycle.Outcome outcome,
      Step step) {
    if (step instanceof Step.Restart restart) {
      String pod = Names.redis(cache) + "-" + restart.ordinal();
      boolean evicted;
      try {
        evicted =
            context
                .getClient()
                .pods()
                .inNamespace(cache.getMetadata().getNamespace())
                .withName(pod)
                .evict();
      } catch (KubernetesClientException e) {
        return new Result(
            step, Optional.empty(), Optional.of("could not evict " + pod + ": " + e.getMessage()));
      }
      return evicted
          ? new Result(
              step,
              Optional.of("restarting " + pod + " on the new template: " + restart.reason()),
              Optional.empty())
          : new Result(
              step,
              Optional.empty(),
              Optional.of("a PodDisruptionBudget does not allow restarting " + pod + " now"));
    }
    if (step instanceof Step.HandOver handOver && outcome.desired().isPresent()) {
      String master = Names.redis(cache) + "-" + handOver.master();
      return new Result(
          step,
          Optional.of(
              "handing "
                  + master
                  + " over to "
                  + Names.redis(cache)
                  + "-"
                  + handOver.replica()
                  + " before it restarts: "
                  + admin.handOver(outcome.desired().get(), handOver.master(), handOver.replica())),
          Optional.empty());
    }
    return new Result(step, Optional.empty(), Optional.empty());
  }
}
