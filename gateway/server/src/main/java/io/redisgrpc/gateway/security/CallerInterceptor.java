package io.redisgrpc.gateway.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.Failures;
import io.redisgrpc.gateway.errors.GatewayException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Identifies the caller of every Cache and PubSub call from its verified client certificate and the
 * policy in force, and attaches the client to the call's {@link Context}; an identity that no
 * client declares ends the call with UNAUTHENTICATED ({@code UNKNOWN_IDENTITY}).
 *
 * <p>The identity candidates of a TLS session are computed once and kept in the session; the policy
 * lookup is done per call, so a policy change applies to the next call on an open connection.
 */
public final class CallerInterceptor implements ServerInterceptor {
  private static final String SESSION_KEY = "io.redisgrpc.identity-candidates";

  private final PolicyHolder policy;
  private final Failures failures;

  public CallerInterceptor(PolicyHolder policy, Failures failures) {
    this.policy = policy;
    this.failures = failures;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<ClientPolicy> client;
    List<String> candidates;
    try {
      candidates = candidates(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
      client = policy.get().resolve(candidates);
    } catch (GatewayException e) {
      return refuse(call, e);
    }
    if (client.isEmpty()) {
      return refuse(
          call,
          new GatewayException(
              Status.Code.UNAUTHENTICATED,
              ErrorReason.UNKNOWN_IDENTITY,
              "the client certificate's identities "
                  + candidates
                  + " are not declared for any client in the gateway policy"));
    }
    return Contexts.interceptCall(
        Context.current().withValue(Caller.CLIENT, client.get()), call, headers, next);
  }

  @SuppressWarnings("unchecked")
  static List<String> candidates(SSLSession session) {
    if (session == null) {
      throw new GatewayException(
          Status.Code.UNAUTHENTICATED,
          ErrorReason.UNKNOWN_IDENTITY,
          "this gateway identifies callers by their TLS client certificate; connect with mTLS");
    }
    Object cached = session.getValue(SESSION_KEY);
    if (cached instanceof List<?> list) {
      return (List<String>) list;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      chain = null;
    }
    if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      throw new GatewayException(
          Status.Code.UNAUTHENTICATED,
          ErrorReason.UNKNOWN_IDENTITY,
          "the connection carries no client certificate");
    }
    List<String> candidates = CallerIdentity.candidates(leaf);
    session.putValue(SESSION_KEY, candidates);
    return candidates;
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, GatewayException error) {
    StatusRuntimeException status = failures.exception(error);
    call.close(
        status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
