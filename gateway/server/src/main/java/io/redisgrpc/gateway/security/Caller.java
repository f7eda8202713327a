package io.redisgrpc.gateway.security;

import io.grpc.Context;

/**
 * The declared client behind the current call, attached to the gRPC {@link Context} by {@link
 * CallerInterceptor}.
 */
public final class Caller {
  static final Context.Key<ClientPolicy> CLIENT = Context.key("redisgrpc-client");

  private Caller() {}

  /** The calling client, or null when the gateway runs without a policy (no scoping at all). */
  public static ClientPolicy current() {
    return CLIENT.get();
  }
}
