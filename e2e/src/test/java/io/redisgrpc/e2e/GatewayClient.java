package io.redisgrpc.e2e;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.PubSubGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC client on the host, calling a cache's gateway through its ClusterIP Service (the host
 * cannot resolve *.svc names; kube-proxy routes the ClusterIP). With mTLS it presents the client
 * certificate from the Secret that status.clients[] names, as an application would. It does not
 * wait for a connection: Ready=True means the Service routes to a gateway (the operator waits for
 * the EndpointSlice and connects to the ClusterIP itself), so the first call after Ready must
 * succeed as it is.
 */
final class GatewayClient implements AutoCloseable {
  final ManagedChannel channel;

  private GatewayClient(ManagedChannel channel) {
    this.channel = channel;
  }

  static GatewayClient plaintext(Service gateway) {
    return new GatewayClient(builder(gateway, InsecureChannelCredentials.create()).build());
  }

  /** mTLS as the client whose certificate Secret (tls.crt, tls.key, ca.crt) is given. */
  static GatewayClient mtls(Service gateway, Secret clientCertificate) {
    try {
      ChannelCredentials credentials =
          TlsChannelCredentials.newBuilder()
              .keyManager(
                  stream(clientCertificate, "tls.crt"), stream(clientCertificate, "tls.key"))
              .trustManager(stream(clientCertificate, "ca.crt"))
              .build();
      // The gateway's certificate names its Service's DNS names, not the ClusterIP.
      String authority =
          gateway.getMetadata().getName() + "." + gateway.getMetadata().getNamespace() + ".svc";
      return new GatewayClient(builder(gateway, credentials).overrideAuthority(authority).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ManagedChannelBuilder<?> builder(Service gateway, ChannelCredentials credentials) {
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
