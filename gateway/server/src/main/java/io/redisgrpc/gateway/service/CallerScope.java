package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.gateway.security.Caller;
import io.redisgrpc.gateway.security.ClientPolicy;
import io.redisgrpc.gateway.security.Permission;
import java.util.Set;

/**
 * The caller of the current RPC as the gateway scopes it: its permissions checked for the RPC, its
 * keys moved under its key prefix and its channels under its channel prefix. The one place where
 * the Cache and PubSub RPCs scope a caller. Without a policy there is no caller: the scope is then
 * empty and every name passes through unchanged.
 */
public final class CallerScope {
  private static final CallerScope UNSCOPED = new CallerScope(null);

  private final ClientPolicy client;

  private CallerScope(ClientPolicy client) {
    this.client = client;
  }

  /**
   * The scope of the current call's caller, after checking that it holds every permission in {@code
   * needed}; without a policy, the empty scope.
   *
   * @throws io.redisgrpc.gateway.errors.GatewayException PERMISSION_DENIED, naming {@code rpc}
   */
  public static CallerScope authorize(String rpc, Set<Permission> needed) {
    ClientPolicy client = Caller.current();
    if (client == null) {
      return UNSCOPED;
    }
    client.authorize(needed, rpc);
    return new CallerScope(client);
  }

  /** False when the gateway runs without a policy. */
  public boolean isScoped() {
    return client != null;
  }

  /** The calling client; only when {@link #isScoped()}. */
  public ClientPolicy client() {
    if (client == null) {
      throw new IllegalStateException(
          "the gateway runs without a policy: there is no calling client");
    }
    return client;
  }

  /**
   * A key as stored in Redis, checked against {@code limits} before the prefix goes in front so
   * that an error talks about the caller's own key. Unscoped, the key is returned unchecked: the
   * code that uses it checks it.
   */
  public ByteString key(ByteString key, RequestLimits limits) {
    return client == null ? key : client.keys().scope(limits.key(key));
  }

  /** The operation with every key in the caller's key space (see {@link OperationRules#scope}). */
  Operation operation(Operation op, RequestLimits limits) {
    return client == null ? op : OperationRules.scope(op, client.keys(), limits);
  }

  /** A channel as named in Redis. */
  public ByteString channel(ByteString channel) {
    return client == null ? channel : client.channels().channel(channel);
  }

  /** A pattern as subscribed in Redis: it can only match the caller's channels. */
  public ByteString pattern(ByteString pattern) {
    return client == null ? pattern : client.channels().pattern(pattern);
  }

  /** A channel as Redis reported it, back in the caller's own name. */
  public ByteString unscopeChannel(ByteString channel) {
    return client == null ? channel : client.channels().unscope(channel);
  }
}
