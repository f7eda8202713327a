package io.redisgrpc.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.lifecycle.PodRoller;
import io.redisgrpc.operator.lifecycle.RedisEndpoints;
import io.redisgrpc.operator.lifecycle.RedisLifecycle;
import io.redisgrpc.operator.redis.AdminClientResources;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The Redis side of a reconciliation, handed to the reconciler as one collaborator: the round on
 * the pods ({@link RedisLifecycle}: credentials, users, replication, config, formation, rotation)
 * and the operator's rolling update ({@link PodRoller}). Both run on admin clients that share one
 * set of Lettuce resources for the operator's lifetime, released by {@link #close()}.
 */
public final class RedisRound implements AutoCloseable {
  private final AdminClientResources resources = new AdminClientResources();
  private final Clock clock;
  private final Duration driftCheck;
  private final PodRoller roller;

  /**
   * @param driftCheck how often a settled cache is looked at again, to repair drift inside Redis
   */
  public RedisRound(Clock clock, Duration driftCheck) {
    this.clock = clock;
    this.driftCheck = driftCheck;
    this.roller = new PodRoller(resources.get());
  }

  /** One round on the cache's pods; see {@link RedisLifecycle#round}. */
  RedisLifecycle.Outcome run(
      KubernetesClient client, RedisGrpcCache cache, RedisEndpoints.Topology topology) {
    return new RedisLifecycle(client, resources.get(), clock, driftCheck).round(cache, topology);
  }

  /** The rolling update's next step, if a pod is on an outdated template; see {@link PodRoller}. */
  Optional<PodRoller.Result> roll(
      RedisGrpcCache cache,
      Context<RedisGrpcCache> context,
      RedisLifecycle.Outcome outcome,
      RedisEndpoints.Topology topology) {
    return roller.roll(cache, context, outcome, topology);
  }

  @Override
  public void close() {
    resources.close();
  }
}
