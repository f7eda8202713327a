package io.redisgrpc.gateway.redis;

import io.grpc.Context;
import io.grpc.Deadline;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Gives every Redis command the caller's remaining gRPC deadline as its timeout (capped by the
 * configured command timeout), so a command never outlives the call that asked for it.
 *
 * <p>Lettuce asks this source while the command is written, on the thread that issues it, which for
 * a gRPC handler is the thread where {@link Context#current()} carries the call's deadline.
 * Commands issued from other threads (callbacks, redirects) get the command timeout. Blocking list
 * commands carry their own server-side timeout, and the executor bounds them.
 */
final class DeadlineTimeoutSource extends TimeoutOptions.TimeoutSource {
  /**
   * A connection that has not been made yet counts as connected (the first connect has its own
   * bound).
   */
  static final BooleanSupplier ALWAYS_CONNECTED = () -> true;

  private static final Set<CommandType> BLOCKING =
      EnumSet.of(
          CommandType.BLPOP,
          CommandType.BRPOP,
          CommandType.BLMOVE,
          CommandType.BRPOPLPUSH,
          CommandType.BLMPOP,
          CommandType.BZPOPMIN,
          CommandType.BZPOPMAX,
          CommandType.BZMPOP);

  private final long commandTimeoutMs;
  private final long reconnectWaitMs;
  private final BooleanSupplier connected;

  DeadlineTimeoutSource(long commandTimeoutMs) {
    this(commandTimeoutMs, 0, ALWAYS_CONNECTED);
  }

  /**
   * @param reconnectWaitMs while {@code connected} says no, a command waits at most this long for
   *     the reconnect (it sits in Lettuce's buffer meanwhile); 0 = no such cap
   */
  DeadlineTimeoutSource(long commandTimeoutMs, long reconnectWaitMs, BooleanSupplier connected) {
    this.commandTimeoutMs = commandTimeoutMs;
    this.reconnectWaitMs = reconnectWaitMs;
    this.connected = connected;
  }

  @Override
  public long getTimeout(RedisCommand<?, ?, ?> command) {
    ProtocolKeyword type = command.getType();
    if (type instanceof CommandType commandType && BLOCKING.contains(commandType)) {
      return -1;
    }
    long limit =
        reconnectWaitMs > 0 && !connected.getAsBoolean()
            ? Math.min(commandTimeoutMs, reconnectWaitMs)
            : commandTimeoutMs;
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return limit;
    }
    // At least 1 ms: 0 or less would mean "never expire" to Lettuce.
    return Math.max(1, Math.min(limit, deadline.timeRemaining(TimeUnit.MILLISECONDS)));
  }

  @Override
  public TimeUnit getTimeUnit() {
    return TimeUnit.MILLISECONDS;
  }
}
