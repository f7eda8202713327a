package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.PipelineRequest;
import io.redisgrpc.api.v1.PipelineResponse;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Pipeline client that stops reading its responses holds a bounded amount of gateway memory: once
 * its unread responses fill the transport, the gateway reads no more of its requests, and it goes
 * on when the client reads again.
 *
 * <p>What the gateway has read and answered is observed through its own gRPC meters ({@code
 * grpc.server.requests.received} counts a request when the service takes it from the stream, {@code
 * grpc.server.responses.sent} each answer), never through timing.
 */
@Integration
class PipelineFlowControlTest {
  /** Every request reads this many bytes back. */
  private static final int VALUE_BYTES = 16 * 1024;

  /** The client's HTTP/2 receive window: what the gateway can send it while it reads nothing. */
  private static final int CLIENT_WINDOW_BYTES = 64 * 1024;

  /** grpc-java's default: a stream stops being ready with this many bytes queued for sending. */
  private static final int ON_READY_THRESHOLD_BYTES = 32 * 1024;

  private static final int MAX_IN_FLIGHT = 8;
  private static final int REQUESTS = 400;

  private static final String READ =
      "grpc_server_requests_received_messages_total{method=\"Pipeline\"";
  private static final String ANSWERED =
      "grpc_server_responses_sent_messages_total{method=\"Pipeline\"";

  @TempDir Path dir;

  @Test
  void aClientThatStopsReadingStopsTheGatewayFromReadingItsRequests() throws Exception {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start();
        TestGateway gateway =
            TestGateway.start(
                "--redis-nodes=127.0.0.1:" + redis.port(),
                "--max-pipeline-in-flight=" + MAX_IN_FLIGHT)) {
      ByteString value = ByteString.copyFrom(new byte[VALUE_BYTES]);
      gateway.cache().set(SetRequest.newBuilder().setKey(bytes("big")).setValue(value).build());

      // A client with a fixed receive window (no automatic window tuning) that asks for no
      // response.
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.server.port())
              .usePlaintext()
              .flowControlWindow(CLIENT_WINDOW_BYTES)
              .build();
      try {
        Map<Long, PipelineResponse> answers = new ConcurrentHashMap<>();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCall<PipelineRequest, PipelineResponse> call =
            channel.newCall(
                CacheGrpc.getPipelineMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
        call.start(
            new ClientCall.Listener<>() {
              @Override
              public void onMessage(PipelineResponse response) {
                assertThat(answers.put(response.getId(), response))
                    .as("id %d answered twice", response.getId())
                    .isNull();
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
              }
            },
            new Metadata());
        Operation get =
            Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(bytes("big"))).build();
        for (long id = 0; id < REQUESTS; id++) {
          call.sendMessage(PipelineRequest.newBuilder().setId(id).setOperation(get).build());
        }
        call.halfClose();

        // The gateway answers until the client's window is full and then its own send queue;
        // then it reads only what is already in flight, answers that and stops. Without flow
        // control it would read all the requests and queue every answer (REQUESTS x VALUE_BYTES).
        int fitInWindow = CLIENT_WINDOW_BYTES / VALUE_BYTES;
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  double read = gateway.metric(READ);
                  return read >= fitInWindow && read == gateway.metric(ANSWERED);
                });
        long bound = fitInWindow + 1 + ON_READY_THRESHOLD_BYTES / VALUE_BYTES + 1 + MAX_IN_FLIGHT;
        double read = gateway.metric(READ);
        assertThat(read)
            .as(
                "requests the gateway read from a stream whose responses are not read (bound %d of %d)",
                bound, REQUESTS)
            .isLessThanOrEqualTo(bound);
        assertThat(answers).as("the client read nothing").isEmpty();

        // The client reads again: the gateway goes on (onReady) and answers every request once.
        call.request(Integer.MAX_VALUE);
        assertThat(closed.get(60, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(answers).hasSize(REQUESTS);
        assertThat(answers.values())
            .allSatisfy(
                answer -> assertThat(answer.getResult().getGet().getValue()).isEqualTo(value));
        assertThat(gateway.metric(READ)).isEqualTo(REQUESTS);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
