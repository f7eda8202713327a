package io.redisgrpc.e2e;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.PubSubGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC client on the host, calling a cache's gateway through its ClusterIP Service (the host
 * cannot resolve *.svc names; kube-proxy routes the ClusterIP). With mTLS it presents the
 * client certificate from the Secret that status.clients[] names, as an application would.
 */
final class GatewayClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayClient.class);
  /**
   * Ready=True means the gateway's pods are ready; kube-proxy programs the ClusterIP from the
   * EndpointSlice a moment later (measured up to about a second on this busy 2-core node), and
   * until then the ClusterIP refuses connections. An application bridges that the gRPC way
   * (waitForReady or a retry on UNAVAILABLE); the tests wait for the connection instead, so that
   * every call they count is one the gateway really answered.
   */
  private static final Duration ROUTE_DEADLINE = Duration.ofSeconds(20);

  final ManagedChannel channel;

  private GatewayClient(ManagedChannel channel) {
    this.channel = channel;
  }

  static GatewayClient plaintext(Service gateway) {
    return new GatewayClient(builder(gateway, InsecureChannelCredentials.create()).build()).awaitConnected(gateway);
  }

  /** mTLS as the client whose certificate Secret (tls.crt, tls.key, ca.crt) is given. */
  static GatewayClient mtls(Service gateway, Secret clientCertificate) {
    try {
      ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
          .keyManager(stream(clientCertificate, "tls.crt"), stream(clientCertificate, "tls.key"))
          .trustManager(stream(clientCertificate, "ca.crt"))
          .build();
      // The gateway's certificate names its Service's DNS names, not the ClusterIP.
      String authority = gateway.getMetadata().getName() + "." + gateway.getMetadata().getNamespace() + ".svc";
      return new GatewayClient(builder(gateway, credentials).overrideAuthority(authority).build()).awaitConnected(gateway);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits (with a deadline) until the channel is connected, i.e. the ClusterIP routes to a gateway pod. */
  private GatewayClient awaitConnected(Service gateway) {
    long start = System.nanoTime();
    try {
      Awaitility.await("a connection to Service " + gateway.getMetadata().getName() + " (" + gateway.getSpec().getClusterIP() + ")")
          .atMost(ROUTE_DEADLINE).pollInterval(Duration.ofMillis(100)).until(() -> {
            ConnectivityState state = channel.getState(true);
            if (state == ConnectivityState.TRANSIENT_FAILURE) {
              channel.resetConnectBackoff(); // try again at the next poll, not after grpc's backoff
            }
            return state == ConnectivityState.READY;
          });
    } catch (ConditionTimeoutException e) {
      channel.shutdownNow();
      throw new AssertionError(e.getMessage() + ": the channel stayed " + channel.getState(false), e);
    }
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    LOG.info("connected to {}/{} after {} ms", gateway.getMetadata().getNamespace(), gateway.getMetadata().getName(), tookMs);
    return this;
  }

  private static io.grpc.ManagedChannelBuilder<?> builder(Service gateway, ChannelCredentials credentials) {
    String ip = gateway.getSpec().getClusterIP();
    int port = gateway.getSpec().getPorts().get(0).getPort();
    return Grpc.newChannelBuilderForAddress(ip, port, credentials);
  }

  private static ByteArrayInputStream stream(Secret secret, String key) {
    String value = secret.getData().get(key);
    if (value == null) {
      throw new AssertionError("Secret " + secret.getMetadata().getName() + " has no " + key);
    }
    return new ByteArrayInputStream(Base64.getDecoder().decode(value));
  }

  /** Blocking stub with a deadline: a call that hangs fails the test instead of the suite. */
  CacheGrpc.CacheBlockingStub cache() {
    return CacheGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  CacheGrpc.CacheStub cacheAsync() {
    return CacheGrpc.newStub(channel);
  }

  PubSubGrpc.PubSubBlockingStub pubSub() {
    return PubSubGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  PubSubGrpc.PubSubStub pubSubAsync() {
    return PubSubGrpc.newStub(channel);
  }

  static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
