package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.assertFailsWithCode;
import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetCondition;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value limit above the 16 MiB default message limit, given alone (as the operator passes
 * spec.gateway.limits.maxValueBytes): values above 16 MiB go through, compare-and-set with two of
 * them too; a client that keeps gRPC's default 4 MiB receive limit cannot read them back.
 */
@Integration
class LargeValueTest {
  @TempDir Path dir;

  @Test
  void valuesAboveTheDefaultMessageLimitGoThroughWhenTheValueLimitAllowsThem() throws Exception {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start();
        TestGateway gateway =
            TestGateway.start(
                "--redis-nodes=127.0.0.1:" + redis.port(), "--max-value-bytes=" + (32 << 20))) {
      byte[] raw = new byte[20 << 20];
      Arrays.fill(raw, (byte) 'x');
      ByteString big = ByteString.copyFrom(raw);
      raw[0] = 'y';
      ByteString other = ByteString.copyFrom(raw);
      CacheGrpc.CacheBlockingStub cache = gateway.cache().withDeadlineAfter(60, TimeUnit.SECONDS);

      assertThat(
              cache
                  .set(SetRequest.newBuilder().setKey(bytes("big")).setValue(big).build())
                  .getApplied())
          .isTrue();
      // Two 20 MiB values in one request: 40 MiB, within the derived limit.
      assertThat(
              cache
                  .set(
                      SetRequest.newBuilder()
                          .setKey(bytes("big"))
                          .setValue(other)
                          .setExpected(big)
                          .setCondition(SetCondition.SET_CONDITION_IF_EQUAL)
                          .build())
                  .getApplied())
          .isTrue();
      // The test channel accepts 64 MiB answers.
      assertThat(cache.get(GetRequest.newBuilder().setKey(bytes("big")).build()).getValue())
          .isEqualTo(other);

      ManagedChannel defaults =
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.server.port()).usePlaintext().build();
      try {
        assertFailsWithCode(
            Status.Code.RESOURCE_EXHAUSTED,
            () ->
                CacheGrpc.newBlockingStub(defaults)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().setKey(bytes("big")).build()));
      } finally {
        defaults.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
