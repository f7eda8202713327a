package io.redisgrpc.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.PubSubGrpc;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.gateway.errors.ErrorMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;

/** A real gateway on a loopback port plus a real gRPC channel to it. */
final class TestGateway implements AutoCloseable {
  final GatewayServer server;
  final ManagedChannel channel;

  private TestGateway(GatewayServer server) {
    this.server = server;
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
  }

  static TestGateway start(String... args) {
    List<String> all = new ArrayList<>();
    // Defaults for the tests, unless the test gives the option itself.
    // A gateway that cannot reach Redis fails the test after 30 s instead of retrying forever.
    for (String option :
        List.of(
            "--port=0",
            "--metrics-port=0",
            "--bind=127.0.0.1",
            "--health-interval-ms=200",
            "--redis-connect-timeout-ms=30000")) {
      String name = option.substring(0, option.indexOf('=') + 1);
      if (Arrays.stream(args).noneMatch(arg -> arg.startsWith(name))) {
        all.add(option);
      }
    }
    all.addAll(List.of(args));
    return new TestGateway(GatewayServer.start(GatewayConfig.parse(all.toArray(String[]::new))));
  }

  CacheGrpc.CacheBlockingStub cache() {
    return CacheGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  CacheGrpc.CacheStub cacheAsync() {
    return CacheGrpc.newStub(channel);
  }

  PubSubGrpc.PubSubBlockingStub pubSub() {
    return PubSubGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  PubSubGrpc.PubSubStub pubSubAsync() {
    return PubSubGrpc.newStub(channel);
  }

  /** The sum of the Prometheus samples whose line starts with {@code prefix}, scraped now. */
  double metric(String prefix) {
    try {
      String body =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return body.lines()
          .filter(l -> l.startsWith(prefix))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  /** Asserts the call fails with the code and the ErrorInfo reason, and returns the message. */
  static String assertFails(
      Status.Code code, String reason, ThrowableAssert.ThrowingCallable call) {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(error).as("expected %s/%s", code, reason).isNotNull();
    assertThat(error.getStatus().getCode()).as(error.getStatus().toString()).isEqualTo(code);
    assertThat(reasonOf(StatusProto.fromThrowable(error))).isEqualTo(reason);
    String message = error.getStatus().getDescription();
    assertThat(message)
        .as("readable message")
        .isNotBlank()
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    return message;
  }

  /**
   * For codes the client's own stack may raise (a client-side deadline carries no gateway details).
   */
  static void assertFailsWithCode(Status.Code code, ThrowableAssert.ThrowingCallable call) {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(error).as("expected %s", code).isNotNull();
    assertThat(error.getStatus().getCode()).as(error.getStatus().toString()).isEqualTo(code);
  }

  static String reasonOf(com.google.rpc.Status status) {
    assertThat(status).as("status details").isNotNull();
    return ErrorMapper.reasonOf(status);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
  }
}
