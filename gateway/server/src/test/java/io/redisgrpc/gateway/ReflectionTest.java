package io.redisgrpc.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server reflection as grpcurl (v1) and Python's grpcio-reflection (v1alpha) use it, down to
 * decoding the ErrorInfo of a real error from what reflection alone tells.
 */
@Integration
class ReflectionTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;

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

  static final List<String> SERVICES =
      List.of(
          "redisgrpc.v1.Cache",
          "redisgrpc.v1.PubSub",
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");

  @Test
  void v1ListsTheServicesAndResolvesTheErrorDetails() throws Exception {
    ServerReflectionResponse list =
        v1(ServerReflectionRequest.newBuilder().setListServices("").build());
    assertThat(list.getListServicesResponse().getServiceList())
        .extracting(ServiceResponse::getName)
        .containsAll(SERVICES);
    String type = errorDetailType();
    ServerReflectionResponse file =
        v1(ServerReflectionRequest.newBuilder().setFileContainingSymbol(type).build());
    assertThat(file.hasErrorResponse()).as(file.getErrorResponse().getErrorMessage()).isFalse();
    assertDecodesTheErrorInfo(file.getFileDescriptorResponse().getFileDescriptorProtoList(), type);
  }

  @Test
  void v1alphaListsTheServicesAndResolvesTheErrorDetails() throws Exception {
    io.grpc.reflection.v1alpha.ServerReflectionResponse list =
        v1alpha(
            io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setListServices("")
                .build());
    assertThat(list.getListServicesResponse().getServiceList())
        .extracting(io.grpc.reflection.v1alpha.ServiceResponse::getName)
        .containsAll(SERVICES);
    String type = errorDetailType();
    io.grpc.reflection.v1alpha.ServerReflectionResponse file =
        v1alpha(
            io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol(type)
                .build());
    assertThat(file.hasErrorResponse()).as(file.getErrorResponse().getErrorMessage()).isFalse();
    assertDecodesTheErrorInfo(file.getFileDescriptorResponse().getFileDescriptorProtoList(), type);
    // And the API itself through v1alpha.
    io.grpc.reflection.v1alpha.ServerReflectionResponse cache =
        v1alpha(
            io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("redisgrpc.v1.Cache")
                .build());
    assertThat(cache.getFileDescriptorResponse().getFileDescriptorProtoList())
        .extracting(ReflectionTest::fileName)
        .contains("redisgrpc/v1/cache.proto");
  }

  /** The type of the details of a real error: what grpcurl would have to look up. */
  private static String errorDetailType() {
    StatusRuntimeException error =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> gateway.cache().get(GetRequest.getDefaultInstance()));
    List<Any> details = StatusProto.fromThrowable(error).getDetailsList();
    assertThat(details).isNotEmpty();
    String typeUrl = details.get(0).getTypeUrl();
    assertThat(typeUrl).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  /** Builds the type from the reflected files alone and decodes a real error's details with it. */
  private static void assertDecodesTheErrorInfo(List<ByteString> files, String type)
      throws Exception {
    Map<String, FileDescriptorProto> protos = new HashMap<>();
    for (ByteString file : files) {
      FileDescriptorProto proto = FileDescriptorProto.parseFrom(file);
      protos.put(proto.getName(), proto);
    }
    Map<String, Descriptors.FileDescriptor> built = new HashMap<>();
    Descriptors.Descriptor descriptor = null;
    for (String name : protos.keySet()) {
      Descriptors.FileDescriptor file = build(name, protos, built);
      for (Descriptors.Descriptor message : file.getMessageTypes()) {
        if (message.getFullName().equals(type)) {
          descriptor = message;
        }
      }
    }
    assertThat(descriptor).as("%s among %s", type, protos.keySet()).isNotNull();
    StatusRuntimeException error =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> gateway.cache().get(GetRequest.newBuilder().setKey(ByteString.EMPTY).build()));
    DynamicMessage info =
        DynamicMessage.parseFrom(
            descriptor, StatusProto.fromThrowable(error).getDetails(0).getValue());
    assertThat(info.getField(descriptor.findFieldByName("reason"))).isEqualTo("KEY_EMPTY");
    assertThat(info.getField(descriptor.findFieldByName("domain"))).isEqualTo("redisgrpc.io");
  }

  private static Descriptors.FileDescriptor build(
      String name,
      Map<String, FileDescriptorProto> protos,
      Map<String, Descriptors.FileDescriptor> built)
      throws Descriptors.DescriptorValidationException {
    Descriptors.FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = protos.get(name);
    assertThat(proto).as("reflection sent the dependency %s", name).isNotNull();
    Descriptors.FileDescriptor[] dependencies =
        new Descriptors.FileDescriptor[proto.getDependencyCount()];
    for (int i = 0; i < dependencies.length; i++) {
      dependencies[i] = build(proto.getDependency(i), protos, built);
    }
    Descriptors.FileDescriptor file = Descriptors.FileDescriptor.buildFrom(proto, dependencies);
    built.put(name, file);
    return file;
  }

  private static String fileName(ByteString file) {
    try {
      return FileDescriptorProto.parseFrom(file).getName();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ServerReflectionResponse v1(ServerReflectionRequest request) throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> out =
        ServerReflectionGrpc.newStub(gateway.channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(observer(answer));
    out.onNext(request);
    out.onCompleted();
    return answer.get(10, TimeUnit.SECONDS);
  }

  private static io.grpc.reflection.v1alpha.ServerReflectionResponse v1alpha(
      io.grpc.reflection.v1alpha.ServerReflectionRequest request) throws Exception {
    CompletableFuture<io.grpc.reflection.v1alpha.ServerReflectionResponse> answer =
        new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> out =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(gateway.channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(observer(answer));
    out.onNext(request);
    out.onCompleted();
    return answer.get(10, TimeUnit.SECONDS);
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        answer.completeExceptionally(new AssertionError("the stream ended without an answer"));
      }
    };
  }
}
