package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.PubSubGrpc;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the gateway's request handling against a real gateway and a real redis-server: every
 * method of Cache and PubSub (unary, Subscribe, the Pipeline stream) gets requests that jqwik
 * builds from the messages' protobuf descriptors, field by field (edge values included: empty and
 * oversized bytes, 0, -1, the extremes, NaN, enum numbers nobody declared, long repeated fields),
 * and half of them are then damaged at the byte level (bits flipped, cut short, noise spliced in).
 *
 * <p>The only acceptable outcomes: an answer, or a status code a caller can act on, with a readable
 * message; never UNKNOWN, INTERNAL or UNAVAILABLE (Redis is healthy), never a stack trace, never a
 * hang past the deadline; and nothing lost for other callers: a key written before is still there
 * and the gateway still reports SERVING.
 *
 * <p>CI runs 300 tries per property; {@code ./mvnw -pl gateway/server test -Dtest=GatewayFuzzTest
 * -Dfuzz.tries=20000} runs a long one (the count goes to jqwik as {@code jqwik.tries.default}).
 */
@Integration
class GatewayFuzzTest {
  /** What a malformed, unexpected or hostile request may get back. */
  static final Set<Status.Code> ACCEPTABLE =
      EnumSet.of(
          Status.Code.OK,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.PERMISSION_DENIED);

  /** Blocking list operations may wait this long at most; they then end DEADLINE_EXCEEDED. */
  static final long DEADLINE_MS = 1_500;

  static final ByteString CANARY_KEY = bytes("fuzz-canary-written-before-anything-else");
  static final ByteString CANARY_VALUE = bytes("still here");

  /** A few keys shared by the tries, so operations meet values of other types (WRONGTYPE). */
  static final List<ByteString> SHARED_KEYS =
      List.of(bytes("k"), bytes("{t}a"), bytes("{t}b"), bytes("list"), bytes("hash"));

  static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("gateway-fuzz");
    redis = RedisProcess.server(dir, List.of()).start();
    gateway = TestGateway.start("--redis-nodes=127.0.0.1:" + redis.port());
    gateway.cache().set(SetRequest.newBuilder().setKey(CANARY_KEY).setValue(CANARY_VALUE).build());
  }

  @AfterContainer
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (redis != null) {
      redis.stop();
    }
  }

  /** One request: which method, the bytes on the wire, and how they were made (for the report). */
  record Request(MethodDescriptor<?, ?> method, byte[] bytes, String made) {
    @Override
    public String toString() {
      return method.getFullMethodName() + " <- " + made + " (" + bytes.length + " bytes)";
    }
  }

  @Property
  void everyRequestGetsAnAnswerOrAStatusACallerCanActOn(@ForAll("requests") Request request) {
    Ending ending =
        switch (request.method().getType()) {
          case UNARY -> unary(request);
          case SERVER_STREAMING -> firstEventOrEnd(request);
          default -> stream(request.method(), List.of(request.bytes()));
        };
    assertAcceptable(request, ending);
    assertNothingLostForOthers(request);
  }

  @Property
  void aPipelineStreamOfManyRequestsEndsProperly(@ForAll("pipelines") List<byte[]> messages) {
    Ending ending = stream(CacheGrpc.getPipelineMethod(), messages);
    Request request =
        new Request(
            CacheGrpc.getPipelineMethod(), new byte[0], messages.size() + " stream messages");
    assertAcceptable(request, ending);
    assertNothingLostForOthers(request);
  }

  // ------------------------------------------------------------------ generators

  @Provide
  Arbitrary<Request> requests() {
    List<MethodDescriptor<?, ?>> methods =
        Stream.concat(
                CacheGrpc.getServiceDescriptor().getMethods().stream(),
                PubSubGrpc.getServiceDescriptor().getMethods().stream())
            .toList();
    return Arbitraries.randomValue(
        random -> {
          MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
          return request(method, random);
        });
  }

  @Provide
  Arbitrary<List<byte[]>> pipelines() {
    return Arbitraries.randomValue(
        random -> {
          List<byte[]> messages = new ArrayList<>();
          int count = 1 + random.nextInt(8);
          for (int i = 0; i < count; i++) {
            messages.add(request(CacheGrpc.getPipelineMethod(), random).bytes());
          }
          return messages;
        });
  }

  static Request request(MethodDescriptor<?, ?> method, Random random) {
    Descriptor type =
        ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor())
            .getMethodDescriptor()
            .getInputType();
    byte[] encoded = message(type, random, 0).toByteArray();
    if (random.nextBoolean()) {
      return new Request(method, encoded, "a generated " + type.getName());
    }
    return new Request(method, damage(encoded, random), "a damaged " + type.getName());
  }

  /** A message of {@code type} with random values in random fields (one field per oneof). */
  static DynamicMessage message(Descriptor type, Random random, int depth) {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (random.nextInt(10) > 0) {
        FieldDescriptor field = oneof.getField(random.nextInt(oneof.getFieldCount()));
        builder.setField(field, value(field, random, depth));
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      if (field.getRealContainingOneof() != null || random.nextInt(4) == 0) {
        continue;
      }
      if (field.isRepeated()) {
        int count =
            switch (random.nextInt(10)) {
              case 0 -> 1_100 + random.nextInt(200); // past the gateway's element limits
              case 1, 2 -> 0;
              default -> 1 + random.nextInt(5);
            };
        for (int i = 0; i < count && depth < 3; i++) {
          builder.addRepeatedField(field, value(field, random, depth));
        }
      } else {
        builder.setField(field, value(field, random, depth));
      }
    }
    return builder.build();
  }

  static Object value(FieldDescriptor field, Random random, int depth) {
    return switch (field.getJavaType()) {
      case MESSAGE ->
          depth < 3
              ? message(field.getMessageType(), random, depth + 1)
              : DynamicMessage.getDefaultInstance(field.getMessageType());
      case BYTE_STRING -> bytesValue(random);
      case STRING ->
          random.nextInt(3) == 0
              ? ""
              : new String(Character.toChars(0x20 + random.nextInt(0x2FFF)))
                  .repeat(1 + random.nextInt(40));
      case INT -> (int) longValue(random);
      case LONG -> longValue(random);
      case FLOAT -> (float) doubleValue(random);
      case DOUBLE -> doubleValue(random);
      case BOOLEAN -> random.nextBoolean();
      case ENUM -> enumValue(field.getEnumType(), random);
    };
  }

  static ByteString bytesValue(Random random) {
    return switch (random.nextInt(12)) {
      case 0 -> ByteString.EMPTY;
      case 1 -> ByteString.copyFrom(noise(random, 600)); // past --max-key-bytes (512)
      case 2 -> ByteString.copyFrom(noise(random, 70_000));
      case 3, 4, 5 -> SHARED_KEYS.get(random.nextInt(SHARED_KEYS.size()));
      default -> ByteString.copyFrom(noise(random, 1 + random.nextInt(32)));
    };
  }

  static long longValue(Random random) {
    long[] edges = {
      0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 16384, 100_000
    };
    return random.nextInt(3) == 0
        ? edges[random.nextInt(edges.length)]
        : random.nextInt(2_000) - 500;
  }

  static double doubleValue(Random random) {
    double[] edges = {
      0,
      -0.0,
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.MAX_VALUE,
      Double.MIN_VALUE
    };
    return random.nextInt(3) == 0
        ? edges[random.nextInt(edges.length)]
        : random.nextGaussian() * 1e6;
  }

  static Object enumValue(EnumDescriptor type, Random random) {
    return random.nextInt(5) == 0
        ? type.findValueByNumberCreatingIfUnknown(
            50 + random.nextInt(1000)) // a number nobody declared
        : type.getValues().get(random.nextInt(type.getValues().size()));
  }

  /** Bit flips, a cut, or noise spliced in: what a broken client or a hostile one sends. */
  static byte[] damage(byte[] encoded, Random random) {
    byte[] damaged = encoded.length == 0 ? noise(random, 1 + random.nextInt(16)) : encoded.clone();
    switch (random.nextInt(3)) {
      case 0 -> {
        for (int i = 0; i <= random.nextInt(4); i++) {
          damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> damaged = Arrays.copyOf(damaged, random.nextInt(damaged.length));
      default -> {
        int at = random.nextInt(damaged.length + 1);
        byte[] noise = noise(random, 1 + random.nextInt(12));
        byte[] spliced = new byte[damaged.length + noise.length];
        System.arraycopy(damaged, 0, spliced, 0, at);
        System.arraycopy(noise, 0, spliced, at, noise.length);
        System.arraycopy(damaged, at, spliced, at + noise.length, damaged.length - at);
        damaged = spliced;
      }
    }
    return damaged;
  }

  static byte[] noise(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  // ------------------------------------------------------------------ calls

  /** How a call ended: its status (OK when it answered) and how long it took. */
  record Ending(Status status, long millis) {}

  static Ending unary(Request request) {
    long start = System.nanoTime();
    try {
      ClientCalls.blockingUnaryCall(
          gateway.channel,
          MalformedRequestTest.raw(request.method()),
          CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS),
          request.bytes());
      return new Ending(Status.OK, millis(start));
    } catch (StatusRuntimeException e) {
      return new Ending(e.getStatus(), millis(start));
    }
  }

  /** Subscribe: the first event, or how the stream ended; a live subscription is then cancelled. */
  static Ending firstEventOrEnd(Request request) {
    long start = System.nanoTime();
    ClientCall<byte[], byte[]> call =
        gateway.channel.newCall(
            MalformedRequestTest.raw(request.method()),
            CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS));
    CompletableFuture<Status> first = new CompletableFuture<>();
    ClientCalls.asyncServerStreamingCall(
        call,
        request.bytes(),
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] event) {
            first.complete(Status.OK);
          }

          @Override
          public void onError(Throwable t) {
            first.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            first.complete(Status.OK);
          }
        });
    Status status = first.orTimeout(DEADLINE_MS + 1_000, TimeUnit.MILLISECONDS).join();
    call.cancel("fuzz: done with this subscription", null);
    return new Ending(status, millis(start));
  }

  static Ending stream(MethodDescriptor<?, ?> method, List<byte[]> messages) {
    long start = System.nanoTime();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<byte[]> out =
        ClientCalls.asyncBidiStreamingCall(
            gateway.channel.newCall(
                MalformedRequestTest.raw(method),
                CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)),
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {}

              @Override
              public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                ended.complete(Status.OK);
              }
            });
    messages.forEach(out::onNext);
    out.onCompleted();
    return new Ending(
        ended.orTimeout(DEADLINE_MS + 1_000, TimeUnit.MILLISECONDS).join(), millis(start));
  }

  static long millis(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  static void assertAcceptable(Request request, Ending ending) {
    Status status = ending.status();
    assertThat(status.getCode()).as("%s: %s", request, status).isIn(ACCEPTABLE);
    assertThat(ending.millis())
        .as("%s ended within its deadline (+1 s)", request)
        .isLessThan(DEADLINE_MS + 1_000);
    if (!status.isOk() && status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
      assertThat(status.getDescription())
          .as("%s: a readable message", request)
          .isNotBlank()
          .doesNotContain("\tat ", "Exception:", "java.lang.");
    }
  }

  static void assertNothingLostForOthers(Request request) {
    assertThat(
            gateway
                .cache()
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setKey(CANARY_KEY).build())
                .getValue())
        .as("another caller's key after %s", request)
        .isEqualTo(CANARY_VALUE);
    assertThat(
            HealthGrpc.newBlockingStub(gateway.channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .as("health after %s", request)
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }
}
