package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.assertFails;
import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.redisgrpc.api.v1.PublishRequest;
import io.redisgrpc.api.v1.SubscribeEvent;
import io.redisgrpc.api.v1.SubscribeRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Integration
class PubSubTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    redis = RedisProcess.server(dir, List.of()).start();
    gateway =
        TestGateway.start(
            "--redis-nodes=127.0.0.1:" + redis.port(),
            "--subscriber-buffer=8",
            "--max-value-bytes=65536");
  }

  @AfterAll
  static void stop() {
    gateway.close();
    redis.stop();
  }

  @Test
  void channelsAndPatternsDeliverInOrderWithSequenceNumbers() {
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<SubscribeEvent> events =
                gateway
                    .pubSub()
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .subscribe(
                        SubscribeRequest.newBuilder()
                            .addChannels(bytes("news"))
                            .addPatterns(bytes("orders.*"))
                            .build());
            SubscribeEvent first = events.next();
            assertThat(first.hasSubscribed()).isTrue();
            assertThat(first.getSubscribed().getChannelsList()).containsExactly(bytes("news"));
            assertThat(publish("news", "hello")).isEqualTo(1);
            publish("orders.created", "o1");
            publish("unrelated", "x");
            publish("news", "bye");
            SubscribeEvent m1 = events.next();
            SubscribeEvent m2 = events.next();
            SubscribeEvent m3 = events.next();
            assertThat(List.of(m1, m2, m3)).allMatch(SubscribeEvent::hasMessage);
            assertThat(m1.getMessage().getSequence()).isEqualTo(1);
            assertThat(m1.getMessage().getPayload().toStringUtf8()).isEqualTo("hello");
            assertThat(m2.getMessage().getSequence()).isEqualTo(2);
            assertThat(m2.getMessage().getChannel().toStringUtf8()).isEqualTo("orders.created");
            assertThat(m2.getMessage().getPattern().toStringUtf8()).isEqualTo("orders.*");
            assertThat(m3.getMessage().getSequence()).isEqualTo(3);
            assertThat(m3.getMessage().getPayload().toStringUtf8()).isEqualTo("bye");
          });
    } finally {
      call.cancel(null);
    }
  }

  @Test
  void heartbeatsKeepAnIdleSubscriptionAlive() {
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<SubscribeEvent> events =
                gateway
                    .pubSub()
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .subscribe(
                        SubscribeRequest.newBuilder()
                            .addChannels(bytes("quiet"))
                            .setHeartbeatIntervalMs(150)
                            .build());
            assertThat(events.next().hasSubscribed()).isTrue();
            SubscribeEvent heartbeat = events.next();
            assertThat(heartbeat.hasHeartbeat()).isTrue();
            assertThat(heartbeat.getHeartbeat().getLastSequence()).isZero();
          });
    } finally {
      call.cancel(null);
    }
  }

  /**
   * An idle subscription at 250 ms: about 12 heartbeats in 3 s. Each heartbeat used to count as
   * "sent since the last tick", so every other tick was skipped and only about 6 came.
   */
  @Test
  void heartbeatsComeAtTheRequestedIntervalNotTwiceIt() {
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<SubscribeEvent> events =
                gateway
                    .pubSub()
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .subscribe(
                        SubscribeRequest.newBuilder()
                            .addChannels(bytes("idle"))
                            .setHeartbeatIntervalMs(250)
                            .build());
            assertThat(events.next().hasSubscribed()).isTrue();
            long windowEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            int heartbeats = 0;
            while (System.nanoTime() - windowEnd < 0) {
              SubscribeEvent event = events.next();
              assertThat(event.hasHeartbeat())
                  .as("only heartbeats on an idle channel: %s", event)
                  .isTrue();
              heartbeats++;
            }
            assertThat(heartbeats).as("heartbeats in 3 s at 250 ms").isGreaterThanOrEqualTo(9);
          });
    } finally {
      call.cancel(null);
    }
  }

  /**
   * A subscriber that does not read: the transport fills, the gateway's bounded buffer (8)
   * overflows, messages are dropped, and once it reads again every gap is announced exactly.
   */
  @Test
  void slowSubscriberGetsAnExactDiscontinuityAndRedisIsNeverStalled() {
    int published = 600;
    ByteString payload = ByteString.copyFrom(new byte[32 * 1024]);
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<SubscribeEvent> events =
                gateway
                    .pubSub()
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .subscribe(
                        SubscribeRequest.newBuilder().addChannels(bytes("firehose")).build());
            assertThat(events.next().hasSubscribed()).isTrue();
            // Not reading while 600 x 32 KiB are published: far more than transport windows and
            // buffer hold.
            for (int i = 0; i < published; i++) {
              gateway
                  .pubSub()
                  .publish(
                      PublishRequest.newBuilder()
                          .setChannel(bytes("firehose"))
                          .setMessage(payload)
                          .build());
            }
            // Other traffic is unaffected while the subscriber is stuck.
            assertThat(publish("elsewhere", "still fast")).isZero();

            long expectedSequence = 1;
            long received = 0;
            long missed = 0;
            List<Long> gaps = new ArrayList<>();
            while (received + missed < published) {
              SubscribeEvent event = events.next();
              if (event.hasDiscontinuity()) {
                assertThat(event.getDiscontinuity().getFirstMissedSequence())
                    .isEqualTo(expectedSequence);
                missed += event.getDiscontinuity().getMissedCount();
                expectedSequence += event.getDiscontinuity().getMissedCount();
                gaps.add(event.getDiscontinuity().getMissedCount());
              } else if (event.hasMessage()) {
                assertThat(event.getMessage().getSequence())
                    .as("no silent gap")
                    .isEqualTo(expectedSequence);
                expectedSequence++;
                received++;
              }
            }
            assertThat(gaps).as("the buffer overflowed at least once").isNotEmpty();
            assertThat(received + missed).isEqualTo(published);
            assertThat(received).isGreaterThanOrEqualTo(8);
          });
    } finally {
      call.cancel(null);
    }
  }

  @Test
  void badSubscriptionsAreRejected() {
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        () -> gateway.pubSub().subscribe(SubscribeRequest.getDefaultInstance()).next());
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "KEY_EMPTY",
        () -> gateway.pubSub().publish(PublishRequest.newBuilder().setMessage(bytes("x")).build()));
  }

  private static long publish(String channel, String message) {
    return gateway
        .pubSub()
        .publish(
            PublishRequest.newBuilder()
                .setChannel(bytes(channel))
                .setMessage(bytes(message))
                .build())
        .getReceivers();
  }
}
