package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.SetCondition;
import io.redisgrpc.gateway.security.KeyScope;
import io.redisgrpc.gateway.security.Permission;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Everything the gateway decides about an {@link Operation} before Redis sees it, one exhaustive
 * switch expression per concern: a new case in the proto's {@code oneof op} does not compile until
 * each concern below (and {@link OperationExecutor}'s {@code dispatch}, which sends the Redis
 * commands) has an answer for it. Pure: the operation is rewritten, nothing is sent anywhere.
 *
 * <ul>
 *   <li>{@link #required}: the permissions a client needs for it;
 *   <li>{@link #scope}: the operation with every key moved into a client's key space;
 *   <li>{@link #isBlocking}: whether it holds a Redis connection while it waits.
 * </ul>
 *
 * The unary RPC that carries an operation is named after its case ({@link #rpcName}) and is one
 * line in {@link CacheService}.
 *
 * <p>Permissions: an operation that only reads needs {@code read}; one that changes data needs
 * {@code write}; one that changes data and hands stored data back (ListPop, ListMove,
 * compare-and-set) needs both. Increments need {@code write} only, as in Redis' own ACL categories:
 * they return the counter they wrote.
 */
final class OperationRules {
  private OperationRules() {}

  /**
   * GET_TTL -> GetTtl: the name of the unary RPC that carries the operation, as the API spells it.
   */
  static String rpcName(Operation.OpCase opCase) {
    StringBuilder name = new StringBuilder();
    for (String word : opCase.name().split("_")) {
      name.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return name.toString();
  }

  static Set<Permission> required(Operation op) {
    return switch (op.getOpCase()) {
      case GET,
          EXISTS,
          GET_TTL,
          HASH_GET,
          HASH_GET_ALL,
          HASH_LENGTH,
          LIST_RANGE,
          LIST_LENGTH,
          SET_MEMBERS,
          SET_CONTAINS,
          SET_CARDINALITY,
          SORTED_SET_SCORE,
          SORTED_SET_RANK,
          SORTED_SET_RANGE,
          SORTED_SET_CARDINALITY ->
          EnumSet.of(Permission.READ);
      case SET ->
          op.getSet().getCondition() == SetCondition.SET_CONDITION_IF_EQUAL
              ? EnumSet.of(Permission.READ, Permission.WRITE)
              : EnumSet.of(Permission.WRITE);
      case LIST_POP, LIST_MOVE -> EnumSet.of(Permission.READ, Permission.WRITE);
      case DELETE,
          EXPIRE,
          PERSIST,
          INCREMENT,
          HASH_SET,
          HASH_DELETE,
          HASH_INCREMENT,
          LIST_PUSH,
          LIST_TRIM,
          LIST_REMOVE,
          SET_ADD,
          SET_REMOVE,
          SORTED_SET_ADD,
          SORTED_SET_INCREMENT,
          SORTED_SET_REMOVE ->
          EnumSet.of(Permission.WRITE);
      case OP_NOT_SET -> EnumSet.noneOf(Permission.class);
    };
  }

  /**
   * The operation with every key moved into the client's key space. Keys are checked against the
   * limits first (empty, too large) so the client's own key is what the error talks about.
   */
  static Operation scope(Operation op, KeyScope scope, RequestLimits limits) {
    UnaryOperator<ByteString> k = key -> scope.scope(limits.key(key));
    Operation.Builder b = op.toBuilder();
    Operation.Builder scoped =
        switch (op.getOpCase()) {
          case GET -> b.setGet(op.getGet().toBuilder().setKey(k.apply(op.getGet().getKey())));
          case SET -> b.setSet(op.getSet().toBuilder().setKey(k.apply(op.getSet().getKey())));
          case DELETE ->
              b.setDelete(
                  op.getDelete().toBuilder()
                      .clearKeys()
                      .addAllKeys(all(op.getDelete().getKeysList(), k)));
          case EXISTS ->
              b.setExists(
                  op.getExists().toBuilder()
                      .clearKeys()
                      .addAllKeys(all(op.getExists().getKeysList(), k)));
          case EXPIRE ->
              b.setExpire(op.getExpire().toBuilder().setKey(k.apply(op.getExpire().getKey())));
          case PERSIST ->
              b.setPersist(op.getPersist().toBuilder().setKey(k.apply(op.getPersist().getKey())));
          case GET_TTL ->
              b.setGetTtl(op.getGetTtl().toBuilder().setKey(k.apply(op.getGetTtl().getKey())));
          case INCREMENT ->
              b.setIncrement(
                  op.getIncrement().toBuilder().setKey(k.apply(op.getIncrement().getKey())));
          case HASH_SET ->
              b.setHashSet(op.getHashSet().toBuilder().setKey(k.apply(op.getHashSet().getKey())));
          case HASH_GET ->
              b.setHashGet(op.getHashGet().toBuilder().setKey(k.apply(op.getHashGet().getKey())));
          case HASH_GET_ALL ->
              b.setHashGetAll(
                  op.getHashGetAll().toBuilder().setKey(k.apply(op.getHashGetAll().getKey())));
          case HASH_DELETE ->
              b.setHashDelete(
                  op.getHashDelete().toBuilder().setKey(k.apply(op.getHashDelete().getKey())));
          case HASH_INCREMENT ->
              b.setHashIncrement(
                  op.getHashIncrement().toBuilder()
                      .setKey(k.apply(op.getHashIncrement().getKey())));
          case HASH_LENGTH ->
              b.setHashLength(
                  op.getHashLength().toBuilder().setKey(k.apply(op.getHashLength().getKey())));
          case LIST_PUSH ->
              b.setListPush(
                  op.getListPush().toBuilder().setKey(k.apply(op.getListPush().getKey())));
          case LIST_POP ->
              b.setListPop(op.getListPop().toBuilder().setKey(k.apply(op.getListPop().getKey())));
          case LIST_MOVE ->
              b.setListMove(
                  op.getListMove().toBuilder()
                      .setSource(scope.scope(limits.key(op.getListMove().getSource(), "source")))
                      .setDestination(
                          scope.scope(
                              limits.key(op.getListMove().getDestination(), "destination"))));
          case LIST_RANGE ->
              b.setListRange(
                  op.getListRange().toBuilder().setKey(k.apply(op.getListRange().getKey())));
          case LIST_LENGTH ->
              b.setListLength(
                  op.getListLength().toBuilder().setKey(k.apply(op.getListLength().getKey())));
          case LIST_TRIM ->
              b.setListTrim(
                  op.getListTrim().toBuilder().setKey(k.apply(op.getListTrim().getKey())));
          case LIST_REMOVE ->
              b.setListRemove(
                  op.getListRemove().toBuilder().setKey(k.apply(op.getListRemove().getKey())));
          case SET_ADD ->
              b.setSetAdd(op.getSetAdd().toBuilder().setKey(k.apply(op.getSetAdd().getKey())));
          case SET_REMOVE ->
              b.setSetRemove(
                  op.getSetRemove().toBuilder().setKey(k.apply(op.getSetRemove().getKey())));
          case SET_MEMBERS ->
              b.setSetMembers(
                  op.getSetMembers().toBuilder().setKey(k.apply(op.getSetMembers().getKey())));
          case SET_CONTAINS ->
              b.setSetContains(
                  op.getSetContains().toBuilder().setKey(k.apply(op.getSetContains().getKey())));
          case SET_CARDINALITY ->
              b.setSetCardinality(
                  op.getSetCardinality().toBuilder()
                      .setKey(k.apply(op.getSetCardinality().getKey())));
          case SORTED_SET_ADD ->
              b.setSortedSetAdd(
                  op.getSortedSetAdd().toBuilder().setKey(k.apply(op.getSortedSetAdd().getKey())));
          case SORTED_SET_INCREMENT ->
              b.setSortedSetIncrement(
                  op.getSortedSetIncrement().toBuilder()
                      .setKey(k.apply(op.getSortedSetIncrement().getKey())));
          case SORTED_SET_SCORE ->
              b.setSortedSetScore(
                  op.getSortedSetScore().toBuilder()
                      .setKey(k.apply(op.getSortedSetScore().getKey())));
          case SORTED_SET_RANK ->
              b.setSortedSetRank(
                  op.getSortedSetRank().toBuilder()
                      .setKey(k.apply(op.getSortedSetRank().getKey())));
          case SORTED_SET_RANGE ->
              b.setSortedSetRange(
                  op.getSortedSetRange().toBuilder()
                      .setKey(k.apply(op.getSortedSetRange().getKey())));
          case SORTED_SET_REMOVE ->
              b.setSortedSetRemove(
                  op.getSortedSetRemove().toBuilder()
                      .setKey(k.apply(op.getSortedSetRemove().getKey())));
          case SORTED_SET_CARDINALITY ->
              b.setSortedSetCardinality(
                  op.getSortedSetCardinality().toBuilder()
                      .setKey(k.apply(op.getSortedSetCardinality().getKey())));
          // Nothing to scope; the executor refuses an empty operation.
          case OP_NOT_SET -> b;
        };
    return scoped.build();
  }

  /** True for operations that hold a Redis connection while they wait (Batch refuses them). */
  static boolean isBlocking(Operation op) {
    return switch (op.getOpCase()) {
      case LIST_POP -> op.getListPop().getBlockMs() > 0;
      case LIST_MOVE -> op.getListMove().getBlockMs() > 0;
      case GET,
          SET,
          DELETE,
          EXISTS,
          EXPIRE,
          PERSIST,
          GET_TTL,
          INCREMENT,
          HASH_SET,
          HASH_GET,
          HASH_GET_ALL,
          HASH_DELETE,
          HASH_INCREMENT,
          HASH_LENGTH,
          LIST_PUSH,
          LIST_RANGE,
          LIST_LENGTH,
          LIST_TRIM,
          LIST_REMOVE,
          SET_ADD,
          SET_REMOVE,
          SET_MEMBERS,
          SET_CONTAINS,
          SET_CARDINALITY,
          SORTED_SET_ADD,
          SORTED_SET_INCREMENT,
          SORTED_SET_SCORE,
          SORTED_SET_RANK,
          SORTED_SET_RANGE,
          SORTED_SET_REMOVE,
          SORTED_SET_CARDINALITY,
          OP_NOT_SET ->
          false;
    };
  }

  private static List<ByteString> all(List<ByteString> keys, UnaryOperator<ByteString> k) {
    return keys.stream().map(k).toList();
  }
}
