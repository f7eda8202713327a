package io.redisgrpc.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.GatewayException;
import io.redisgrpc.gateway.security.ChannelScope;
import io.redisgrpc.gateway.security.ClientPolicy;
import io.redisgrpc.gateway.security.KeyScope;
import io.redisgrpc.gateway.security.Permission;
import java.util.EnumSet;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class OperationRulesTest {
  static final RequestLimits LIMITS = new RequestLimits(16, 1024, 10, 10);
  static final KeyScope SCOPE = KeyScope.of("t:");

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void everyKeyFieldIsScopedAndNothingElse() {
    Operation move =
        Operation.newBuilder()
            .setListMove(
                ListMoveRequest.newBuilder().setSource(b("{q}:a")).setDestination(b("{q}:b")))
            .build();
    Operation scoped = OperationRules.scope(move, SCOPE, LIMITS);
    assertThat(scoped.getListMove().getSource()).isEqualTo(b("t:{q}:a"));
    assertThat(scoped.getListMove().getDestination()).isEqualTo(b("t:{q}:b"));

    Operation del =
        Operation.newBuilder()
            .setDelete(DeleteRequest.newBuilder().addKeys(b("a")).addKeys(b("b")))
            .build();
    assertThat(OperationRules.scope(del, SCOPE, LIMITS).getDelete().getKeysList())
        .containsExactly(b("t:a"), b("t:b"));

    Operation hset =
        Operation.newBuilder()
            .setHashSet(
                HashSetRequest.newBuilder()
                    .setKey(b("h"))
                    .addFields(FieldValue.newBuilder().setField(b("f")).setValue(b("v"))))
            .build();
    HashSetRequest h = OperationRules.scope(hset, SCOPE, LIMITS).getHashSet();
    assertThat(h.getKey()).isEqualTo(b("t:h"));
    assertThat(h.getFields(0).getField()).isEqualTo(b("f"));
  }

  @Test
  void everyOperationKindHasItsKeyScoped() {
    // Build each kind with key "k" (where it has one) through the descriptor, so a new kind cannot
    // be forgotten.
    for (var field : Operation.getDescriptor().getOneofs().get(0).getFields()) {
      var builder = Operation.newBuilder().newBuilderForField(field);
      var keyField = builder.getDescriptorForType().findFieldByName("key");
      if (keyField == null) {
        continue;
      }
      builder.setField(keyField, b("k"));
      Operation op = Operation.newBuilder().setField(field, builder.build()).build();
      Operation scoped = OperationRules.scope(op, SCOPE, LIMITS);
      var inner = (Message) scoped.getField(field);
      assertThat(inner.getField(keyField)).as(field.getName()).isEqualTo(b("t:k"));
      assertThat(OperationRules.required(op)).as(field.getName()).isNotEmpty();
    }
  }

  @Test
  void everyOperationKindHasAUnaryRpcThatCacheServiceImplements() throws Exception {
    var cache = Operation.getDescriptor().getFile().findServiceByName("Cache");
    for (var field : Operation.getDescriptor().getOneofs().get(0).getFields()) {
      String rpc =
          OperationRules.rpcName(
              Operation.newBuilder()
                  .setField(field, Operation.newBuilder().newBuilderForField(field).build())
                  .build()
                  .getOpCase());
      var method = cache.findMethodByName(rpc);
      assertThat(method).as("rpc %s for %s", rpc, field.getName()).isNotNull();
      assertThat(method.getInputType()).as(rpc).isEqualTo(field.getMessageType());
      // Not left to the generated base class, which answers UNIMPLEMENTED.
      Class<?> request = Operation.newBuilder().newBuilderForField(field).build().getClass();
      String javaName = Character.toLowerCase(rpc.charAt(0)) + rpc.substring(1);
      assertThat(CacheService.class.getDeclaredMethod(javaName, request, StreamObserver.class))
          .as(rpc)
          .isNotNull();
    }
  }

  @Test
  void onlyListPopAndListMoveWithABlockTimeBlock() {
    assertThat(
            OperationRules.isBlocking(
                Operation.newBuilder()
                    .setListPop(ListPopRequest.newBuilder().setBlockMs(1))
                    .build()))
        .isTrue();
    assertThat(
            OperationRules.isBlocking(
                Operation.newBuilder()
                    .setListMove(ListMoveRequest.newBuilder().setBlockMs(1))
                    .build()))
        .isTrue();
    assertThat(
            OperationRules.isBlocking(
                Operation.newBuilder().setListPop(ListPopRequest.getDefaultInstance()).build()))
        .isFalse();
    assertThat(
            OperationRules.isBlocking(
                Operation.newBuilder().setGet(GetRequest.getDefaultInstance()).build()))
        .isFalse();
  }

  @Test
  void clientKeysAreCheckedBeforeThePrefixIsAdded() {
    Operation empty = Operation.newBuilder().setGet(GetRequest.newBuilder()).build();
    GatewayException e =
        Assertions.catchThrowableOfType(
            GatewayException.class, () -> OperationRules.scope(empty, SCOPE, LIMITS));
    assertThat(e.reason()).isEqualTo(ErrorReason.KEY_EMPTY);
    Operation big =
        Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(b("x".repeat(17)))).build();
    e =
        Assertions.catchThrowableOfType(
            GatewayException.class, () -> OperationRules.scope(big, SCOPE, LIMITS));
    assertThat(e.reason()).isEqualTo(ErrorReason.KEY_TOO_LARGE);
    assertThat(e.getMessage()).contains("17 bytes");
  }

  @Test
  void permissionsPerOperation() {
    assertThat(
            OperationRules.required(
                Operation.newBuilder().setGet(GetRequest.getDefaultInstance()).build()))
        .containsExactly(Permission.READ);
    assertThat(
            OperationRules.required(
                Operation.newBuilder().setSet(SetRequest.getDefaultInstance()).build()))
        .containsExactly(Permission.WRITE);
    assertThat(
            OperationRules.required(
                Operation.newBuilder()
                    .setSet(
                        SetRequest.newBuilder().setCondition(SetCondition.SET_CONDITION_IF_EQUAL))
                    .build()))
        .containsExactlyInAnyOrder(Permission.READ, Permission.WRITE);
    assertThat(
            OperationRules.required(
                Operation.newBuilder().setListPop(ListPopRequest.getDefaultInstance()).build()))
        .containsExactlyInAnyOrder(Permission.READ, Permission.WRITE);

    ClientPolicy reader =
        new ClientPolicy(
            "r", List.of("r"), SCOPE, new ChannelScope("r."), EnumSet.of(Permission.READ));
    reader.authorize(EnumSet.of(Permission.READ), "Get");
    GatewayException e =
        Assertions.catchThrowableOfType(
            GatewayException.class, () -> reader.authorize(EnumSet.of(Permission.WRITE), "Set"));
    assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.reason()).isEqualTo(ErrorReason.NOT_PERMITTED);
    assertThat(e.getMessage()).contains("Set needs the 'write' permission").contains("client 'r'");
  }
}
