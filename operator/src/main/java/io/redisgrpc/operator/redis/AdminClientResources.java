package io.redisgrpc.operator.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce resources (threads, event loops) every Redis admin round of the operator shares.
 *
 * <p>A round builds its own {@code RedisClient} (TLS options differ per cache) and shuts it down at
 * its end. Lettuce counts the clients using the shared event loop group and shuts the group down
 * when the last one is shut down; the next client then builds a new group. With caches reconciled
 * in parallel, a connection could be opened or reconnect on a group that was just terminating and
 * fail with "event executor terminated". This class holds one reference to the group for the
 * operator's lifetime, so it lives until {@link #close()}.
 */
public final class AdminClientResources implements AutoCloseable {
  private final ClientResources resources;
  private final EventLoopGroup held;

  public AdminClientResources() {
    this.resources = DefaultClientResources.create();
    // The group class a RedisClient asks for when it connects over TCP.
    this.held = resources.eventLoopGroupProvider().allocate(Transports.eventLoopGroupClass());
  }

  public ClientResources get() {
    return resources;
  }

  /** The event loop group every admin client runs on (for tests). */
  EventLoopGroup eventLoopGroup() {
    return held;
  }

  @Override
  public void close() {
    resources
        .eventLoopGroupProvider()
        .release(held, 0, 2, TimeUnit.SECONDS)
        .awaitUninterruptibly(3, TimeUnit.SECONDS);
    resources.shutdown().awaitUninterruptibly(3, TimeUnit.SECONDS);
  }
}
