package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.assertFails;
import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.IncrementRequest;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.PipelineRequest;
import io.redisgrpc.api.v1.PipelineResponse;
import io.redisgrpc.api.v1.PubSubGrpc;
import io.redisgrpc.api.v1.PublishRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.api.v1.SubscribeEvent;
import io.redisgrpc.api.v1.SubscribeRequest;
import io.redisgrpc.gateway.errors.MalformedRequests;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.LongStream;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request bytes that are no valid protobuf message, sent for real: a gRPC client whose marshaller
 * writes the given bytes as they are, on the gateway's real method names.
 */
@Integration
class MalformedRequestTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;

  /** A valid SetRequest with its last two bytes cut off. */
  static final byte[] TRUNCATED;

  /** Field 1 with wire type 7, which does not exist. */
  static final byte[] WRONG_WIRE_TYPE = {0x0F, 0x01};

  /** Field 1 announces 100 bytes; one follows. */
  static final byte[] LENGTH_PAST_END = {0x0A, 0x64, 'a'};

  /** An end-group tag that closes no group. */
  static final byte[] STRAY_END_GROUP = {0x0C};

  static final Map<String, byte[]> BAD = new LinkedHashMap<>();

  static {
    byte[] set =
        SetRequest.newBuilder()
            .setKey(bytes("key"))
            .setValue(bytes("a value"))
            .build()
            .toByteArray();
    TRUNCATED = Arrays.copyOf(set, set.length - 2);
    BAD.put("truncated", TRUNCATED);
    BAD.put("wrong wire type", WRONG_WIRE_TYPE);
    BAD.put("length past the end", LENGTH_PAST_END);
    BAD.put("stray end-group", STRAY_END_GROUP);
  }

  static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  @BeforeAll
  static void start() {
    redis = RedisProcess.server(dir, List.of()).start();
    gateway = TestGateway.start("--redis-nodes=127.0.0.1:" + redis.port());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    redis.stop();
  }

  static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> real) {
    return MethodDescriptor.newBuilder(RAW, RAW)
        .setType(real.getType())
        .setFullMethodName(real.getFullMethodName())
        .build();
  }

  static byte[] unary(MethodDescriptor<?, ?> method, byte[] request) {
    return ClientCalls.blockingUnaryCall(
        gateway.channel,
        raw(method),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        request);
  }

  /**
   * Opens a raw stream, sends the messages, half-closes, and returns how the call ended: the error
   * (with its trailers), or null when it completed normally.
   */
  static CompletableFuture<StatusRuntimeException> rawStream(
      MethodDescriptor<?, ?> method, byte[]... messages) {
    CompletableFuture<StatusRuntimeException> ended = new CompletableFuture<>();
    StreamObserver<byte[]> out =
        ClientCalls.asyncBidiStreamingCall(
            gateway.channel.newCall(
                raw(method), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {}

              @Override
              public void onError(Throwable t) {
                ended.complete((StatusRuntimeException) t);
              }

              @Override
              public void onCompleted() {
                ended.complete(null);
              }
            });
    for (byte[] message : messages) {
      out.onNext(message);
    }
    out.onCompleted();
    return ended;
  }

  static Status.Code code(StatusRuntimeException ended) {
    return ended == null ? Status.Code.OK : ended.getStatus().getCode();
  }

  static void rethrow(StatusRuntimeException ended) {
    if (ended != null) {
      throw ended;
    }
  }

  @Test
  void unaryMethodsAnswerInvalidArgumentNamingTheMessageType() {
    BAD.forEach(
        (what, bytes) -> {
          String message =
              assertFails(
                  Status.Code.INVALID_ARGUMENT,
                  "MALFORMED_REQUEST",
                  () -> unary(CacheGrpc.getGetMethod(), bytes));
          assertThat(message)
              .as(what)
              .startsWith("the request is not a valid redisgrpc.v1.GetRequest: ")
              .hasSizeGreaterThan(60);
        });
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST",
                () -> unary(CacheGrpc.getSetMethod(), TRUNCATED)))
        .contains("redisgrpc.v1.SetRequest")
        .contains("truncated");
    // An embedded message that announces more bytes than its parent holds.
    byte[] badOperation = {0x0A, 0x32, 'a', 'b'};
    byte[] batch = new byte[2 + badOperation.length];
    batch[0] = 0x0A;
    batch[1] = (byte) badOperation.length;
    System.arraycopy(badOperation, 0, batch, 2, badOperation.length);
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST",
                () -> unary(CacheGrpc.getBatchMethod(), batch)))
        .contains("redisgrpc.v1.BatchRequest");
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST",
                () -> unary(PubSubGrpc.getPublishMethod(), LENGTH_PAST_END)))
        .contains("redisgrpc.v1.PublishRequest");
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST",
                () -> unary(HealthGrpc.getCheckMethod(), WRONG_WIRE_TYPE)))
        .contains("grpc.health.v1.HealthCheckRequest");
    // A known field with another (valid) wire type is an unknown field to protobuf: the request
    // parses, and the gateway's own validation answers.
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "KEY_EMPTY",
        () -> unary(CacheGrpc.getGetMethod(), new byte[] {0x08, 0x01}));
  }

  @Test
  void streamingMethodsAnswerInvalidArgument() throws Exception {
    // Server streaming: the one request is parsed when the client half-closes.
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<byte[]> events =
                ClientCalls.blockingServerStreamingCall(
                    gateway.channel,
                    raw(PubSubGrpc.getSubscribeMethod()),
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    LENGTH_PAST_END);
            assertThat(assertFails(Status.Code.INVALID_ARGUMENT, "MALFORMED_REQUEST", events::next))
                .contains("redisgrpc.v1.SubscribeRequest");
          });
    } finally {
      call.cancel(null);
    }
    // Bidi: a good request, then a bad one, on the same stream.
    byte[] good =
        PipelineRequest.newBuilder()
            .setId(1)
            .setOperation(Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(bytes("k"))))
            .build()
            .toByteArray();
    for (Map.Entry<String, byte[]> bad : BAD.entrySet()) {
      StatusRuntimeException ended =
          rawStream(CacheGrpc.getPipelineMethod(), good, bad.getValue()).get(10, TimeUnit.SECONDS);
      assertThat(
              assertFails(Status.Code.INVALID_ARGUMENT, "MALFORMED_REQUEST", () -> rethrow(ended)))
          .as(bad.getKey())
          .startsWith("the request is not a valid redisgrpc.v1.PipelineRequest: ");
    }
    StatusRuntimeException reflection =
        rawStream(ServerReflectionGrpc.getServerReflectionInfoMethod(), TRUNCATED)
            .get(10, TimeUnit.SECONDS);
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT, "MALFORMED_REQUEST", () -> rethrow(reflection)))
        .contains("grpc.reflection.v1.ServerReflectionRequest");
  }

  /**
   * A message above the limit is refused by grpc-java's transport before the gateway sees the call:
   * RESOURCE_EXHAUSTED to the caller, counted, and no stack trace per message in the log
   * (grpc-java's Netty transport logged each one as a WARNING with its stack; found by
   * GatewayFuzzTest).
   */
  @Test
  void messagesAboveTheLimitAreRefusedCountedAndNotLoggedEach() {
    List<LogRecord> grpcWarnings = new CopyOnWriteArrayList<>();
    Logger grpcLog = Logger.getLogger("io.grpc");
    Handler grpcHandler = warningsInto(grpcWarnings);
    grpcLog.addHandler(grpcHandler);
    try (CapturedLog gatewayLog = new CapturedLog(MalformedRequests.class.getName())) {
      String counter =
          "redisgrpc_errors_total{code=\"RESOURCE_EXHAUSTED\",reason=\"MESSAGE_TOO_LARGE\"}";
      double before = gateway.metric(counter);
      byte[] huge =
          SetRequest.newBuilder()
              .setKey(bytes("k"))
              .setValue(ByteString.copyFrom(new byte[17 * 1024 * 1024]))
              .build()
              .toByteArray();
      for (int i = 0; i < 3; i++) {
        Status.Code code;
        try {
          unary(CacheGrpc.getSetMethod(), huge);
          code = Status.Code.OK;
        } catch (StatusRuntimeException e) {
          code = e.getStatus().getCode();
          assertThat(e.getStatus().getDescription()).contains("exceeds maximum size");
        }
        assertThat(code).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> gateway.metric(counter) - before >= 3);
      assertThat(grpcWarnings)
          .extracting(LogRecord::getMessage)
          .as("grpc-java logged no warning or stack trace")
          .isEmpty();
      assertThat(gatewayLog.events)
          .as("at most one line for 3 refused messages")
          .hasSizeLessThanOrEqualTo(1);
      assertThat(
              gateway
                  .cache()
                  .set(
                      SetRequest.newBuilder()
                          .setKey(bytes("after-huge"))
                          .setValue(bytes("v"))
                          .build())
                  .getApplied())
          .as("the connection still serves")
          .isTrue();
    } finally {
      grpcLog.removeHandler(grpcHandler);
    }
  }

  /** Random bytes: whatever they parse as, the answer is never UNKNOWN or INTERNAL. */
  @Test
  void noiseIsAnsweredWithAProperStatus() throws Exception {
    Random random = new Random(20261201);
    int malformed = 0;
    for (int i = 0; i < 300; i++) {
      byte[] noise = new byte[1 + random.nextInt(64)];
      random.nextBytes(noise);
      Status status;
      try {
        unary(CacheGrpc.getGetMethod(), noise);
        status = Status.OK;
      } catch (StatusRuntimeException e) {
        status = e.getStatus();
      }
      assertThat(status.getCode())
          .as("noise %s: %s", Arrays.toString(noise), status)
          .isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
      if (status.getDescription() != null
          && status.getDescription().startsWith("the request is not a valid")) {
        malformed++;
      }
    }
    assertThat(malformed).as("most noise is no valid message").isGreaterThan(100);
    for (int i = 0; i < 30; i++) {
      byte[] noise = new byte[1 + random.nextInt(64)];
      random.nextBytes(noise);
      StatusRuntimeException ended =
          rawStream(CacheGrpc.getPipelineMethod(), noise, noise).get(20, TimeUnit.SECONDS);
      assertThat(code(ended))
          .as("pipeline noise %s: %s", Arrays.toString(noise), ended)
          .isIn(
              Status.Code.OK,
              Status.Code.INVALID_ARGUMENT,
              // noise that happens to be a valid blocking ListPop waits for its deadline
              Status.Code.DEADLINE_EXCEEDED);
    }
  }

  /**
   * While bad requests arrive on the same connection, a well-formed Pipeline stream and a Subscribe
   * stream carry on, each bad call is counted, grpc-java logs no stack trace and the gateway at
   * most one line.
   */
  @Test
  void otherCallersAreUndisturbedAndTheLogStaysQuiet() throws Exception {
    int rounds = 40;
    List<LogRecord> grpcWarnings = new CopyOnWriteArrayList<>();
    Logger grpcLog = Logger.getLogger("io.grpc");
    Handler grpcHandler = warningsInto(grpcWarnings);
    grpcLog.addHandler(grpcHandler);
    try (CapturedLog gatewayLog = new CapturedLog(MalformedRequests.class.getName())) {
      double malformedBefore =
          gateway.metric(
              "redisgrpc_errors_total{code=\"INVALID_ARGUMENT\",reason=\"MALFORMED_REQUEST\"}");

      Map<Long, PipelineResponse> answers = new ConcurrentHashMap<>();
      CompletableFuture<Void> pipelineDone = new CompletableFuture<>();
      StreamObserver<PipelineRequest> pipeline =
          gateway
              .cacheAsync()
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .pipeline(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(PipelineResponse response) {
                      answers.put(response.getId(), response);
                    }

                    @Override
                    public void onError(Throwable t) {
                      pipelineDone.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                      pipelineDone.complete(null);
                    }
                  });
      List<SubscribeEvent> events = new CopyOnWriteArrayList<>();
      CompletableFuture<Throwable> subscriptionEnded = new CompletableFuture<>();
      Context.CancellableContext subscription = Context.current().withCancellation();
      subscription.run(
          () ->
              gateway
                  .pubSubAsync()
                  .withDeadlineAfter(60, TimeUnit.SECONDS)
                  .subscribe(
                      SubscribeRequest.newBuilder()
                          .addChannels(bytes("steady"))
                          .setHeartbeatIntervalMs(60_000)
                          .build(),
                      new StreamObserver<>() {
                        @Override
                        public void onNext(SubscribeEvent event) {
                          events.add(event);
                        }

                        @Override
                        public void onError(Throwable t) {
                          subscriptionEnded.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                          subscriptionEnded.complete(null);
                        }
                      }));
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
        assertThat(events.get(0).hasSubscribed()).isTrue();

        List<CompletableFuture<StatusRuntimeException>> badStreams = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          byte[] bad = BAD.values().toArray(byte[][]::new)[i % BAD.size()];
          assertFails(
              Status.Code.INVALID_ARGUMENT,
              "MALFORMED_REQUEST",
              () -> unary(CacheGrpc.getGetMethod(), bad));
          badStreams.add(rawStream(CacheGrpc.getPipelineMethod(), bad));
          pipeline.onNext(
              PipelineRequest.newBuilder()
                  .setId(i)
                  .setOperation(
                      Operation.newBuilder()
                          .setIncrement(
                              IncrementRequest.newBuilder().setKey(bytes("steady-counter"))))
                  .build());
          gateway
              .pubSub()
              .publish(
                  PublishRequest.newBuilder()
                      .setChannel(bytes("steady"))
                      .setMessage(bytes("m" + i))
                      .build());
        }
        for (CompletableFuture<StatusRuntimeException> bad : badStreams) {
          assertThat(code(bad.get(10, TimeUnit.SECONDS))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        pipeline.onCompleted();
        pipelineDone.get(30, TimeUnit.SECONDS);
        assertThat(answers).hasSize(rounds);
        assertThat(answers.values())
            .extracting(a -> a.getResult().getIncrement().getIntValue())
            .containsExactlyInAnyOrderElementsOf(
                LongStream.rangeClosed(1, rounds).boxed().toList());

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 1 + rounds);
        assertThat(events.subList(1, events.size()))
            .extracting(e -> e.getMessage().getSequence())
            .containsExactlyElementsOf(LongStream.rangeClosed(1, rounds).boxed().toList());
        assertThat(subscriptionEnded).as("the subscription is still open").isNotDone();
      } finally {
        subscription.cancel(null);
      }

      assertThat(
              gateway.metric(
                      "redisgrpc_errors_total{code=\"INVALID_ARGUMENT\",reason=\"MALFORMED_REQUEST\"}")
                  - malformedBefore)
          .as("each bad call counted once")
          .isEqualTo(2.0 * rounds);
      assertThat(grpcWarnings)
          .extracting(LogRecord::getMessage)
          .as("grpc-java logged no warning or stack trace")
          .isEmpty();
      assertThat(gatewayLog.events)
          .as("at most one line for %d bad calls", 2 * rounds)
          .hasSizeLessThanOrEqualTo(1);
      for (LogEvent event : gatewayLog.events) {
        assertThat(event.getThrown()).as("no stack trace").isNull();
        assertThat(event.getMessage().getFormattedMessage())
            .doesNotContain("\n")
            .hasSizeLessThan(600);
      }
    } finally {
      grpcLog.removeHandler(grpcHandler);
    }
  }

  /** A java.util.logging handler (grpc-java logs there) that keeps every WARNING and above. */
  static Handler warningsInto(List<LogRecord> warnings) {
    return new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }

  /** Collects what one Log4j logger writes while it is open. */
  static final class CapturedLog extends AbstractAppender implements AutoCloseable {
    final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final org.apache.logging.log4j.core.Logger logger;

    CapturedLog(String loggerName) {
      super("captured-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
      start();
      logger = LoggerContext.getContext(false).getLogger(loggerName);
      logger.addAppender(this);
    }

    @Override
    public void append(LogEvent event) {
      events.add(event.toImmutable());
    }

    @Override
    public void close() {
      logger.removeAppender(this);
      stop();
    }
  }
}
