package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.gateway.security.KeyScope;
import io.redisgrpc.gateway.security.Permission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What an {@link Operation} needs and what it looks like inside a client's key space. Pure: the
 * operation is rewritten, nothing is sent anywhere.
 *
 * <p>Permissions: an operation that only reads needs {@code read}; one that changes data needs
 * {@code write}; one that changes data and hands stored data back (ListPop, ListMove,
 * compare-and-set) needs both. Increments need {@code write} only, as in Redis' own ACL
 * categories: they return the counter they wrote.
 */
final class OperationRules {
  private OperationRules() {}

  static Set<Permission> required(Operation op) {
    return switch (op.getOpCase()) {
      case GET, EXISTS, GET_TTL, HASH_GET, HASH_GET_ALL, HASH_LENGTH, LIST_RANGE, LIST_LENGTH, SET_MEMBERS, SET_CONTAINS,
          SET_CARDINALITY, SORTED_SET_SCORE, SORTED_SET_RANK, SORTED_SET_RANGE, SORTED_SET_CARDINALITY -> EnumSet.of(Permission.READ);
      case SET -> op.getSet().getCondition() == io.redisgrpc.api.v1.SetCondition.SET_CONDITION_IF_EQUAL
          ? EnumSet.of(Permission.READ, Permission.WRITE) : EnumSet.of(Permission.WRITE);
      case LIST_POP, LIST_MOVE -> EnumSet.of(Permission.READ, Permission.WRITE);
      case DELETE, EXPIRE, PERSIST, INCREMENT, HASH_SET, HASH_DELETE, HASH_INCREMENT, LIST_PUSH, LIST_TRIM, LIST_REMOVE,
          SET_ADD, SET_REMOVE, SORTED_SET_ADD, SORTED_SET_INCREMENT, SORTED_SET_REMOVE -> EnumSet.of(Permission.WRITE);
      case OP_NOT_SET -> EnumSet.noneOf(Permission.class);
    };
  }

  /**
   * The operation with every key moved into the client's key space. Keys are checked against the
   * limits first (empty, too large) so the client's own key is what the error talks about.
   */
  static Operation scope(Operation op, KeyScope scope, RequestLimits limits) {
    Function<ByteString, ByteString> k = key -> scope.scope(limits.key(key));
    Operation.Builder b = op.toBuilder();
    switch (op.getOpCase()) {
      case GET -> b.getGetBuilder().setKey(k.apply(op.getGet().getKey()));
      case SET -> b.getSetBuilder().setKey(k.apply(op.getSet().getKey()));
      case DELETE -> b.getDeleteBuilder().clearKeys().addAllKeys(all(op.getDelete().getKeysList(), k));
      case EXISTS -> b.getExistsBuilder().clearKeys().addAllKeys(all(op.getExists().getKeysList(), k));
      case EXPIRE -> b.getExpireBuilder().setKey(k.apply(op.getExpire().getKey()));
      case PERSIST -> b.getPersistBuilder().setKey(k.apply(op.getPersist().getKey()));
      case GET_TTL -> b.getGetTtlBuilder().setKey(k.apply(op.getGetTtl().getKey()));
      case INCREMENT -> b.getIncrementBuilder().setKey(k.apply(op.getIncrement().getKey()));
      case HASH_SET -> b.getHashSetBuilder().setKey(k.apply(op.getHashSet().getKey()));
      case HASH_GET -> b.getHashGetBuilder().setKey(k.apply(op.getHashGet().getKey()));
      case HASH_GET_ALL -> b.getHashGetAllBuilder().setKey(k.apply(op.getHashGetAll().getKey()));
      case HASH_DELETE -> b.getHashDeleteBuilder().setKey(k.apply(op.getHashDelete().getKey()));
      case HASH_INCREMENT -> b.getHashIncrementBuilder().setKey(k.apply(op.getHashIncrement().getKey()));
      case HASH_LENGTH -> b.getHashLengthBuilder().setKey(k.apply(op.getHashLength().getKey()));
      case LIST_PUSH -> b.getListPushBuilder().setKey(k.apply(op.getListPush().getKey()));
      case LIST_POP -> b.getListPopBuilder().setKey(k.apply(op.getListPop().getKey()));
      case LIST_MOVE -> b.getListMoveBuilder()
          .setSource(scope.scope(limits.key(op.getListMove().getSource(), "source")))
          .setDestination(scope.scope(limits.key(op.getListMove().getDestination(), "destination")));
      case LIST_RANGE -> b.getListRangeBuilder().setKey(k.apply(op.getListRange().getKey()));
      case LIST_LENGTH -> b.getListLengthBuilder().setKey(k.apply(op.getListLength().getKey()));
      case LIST_TRIM -> b.getListTrimBuilder().setKey(k.apply(op.getListTrim().getKey()));
      case LIST_REMOVE -> b.getListRemoveBuilder().setKey(k.apply(op.getListRemove().getKey()));
      case SET_ADD -> b.getSetAddBuilder().setKey(k.apply(op.getSetAdd().getKey()));
      case SET_REMOVE -> b.getSetRemoveBuilder().setKey(k.apply(op.getSetRemove().getKey()));
      case SET_MEMBERS -> b.getSetMembersBuilder().setKey(k.apply(op.getSetMembers().getKey()));
      case SET_CONTAINS -> b.getSetContainsBuilder().setKey(k.apply(op.getSetContains().getKey()));
      case SET_CARDINALITY -> b.getSetCardinalityBuilder().setKey(k.apply(op.getSetCardinality().getKey()));
      case SORTED_SET_ADD -> b.getSortedSetAddBuilder().setKey(k.apply(op.getSortedSetAdd().getKey()));
      case SORTED_SET_INCREMENT -> b.getSortedSetIncrementBuilder().setKey(k.apply(op.getSortedSetIncrement().getKey()));
      case SORTED_SET_SCORE -> b.getSortedSetScoreBuilder().setKey(k.apply(op.getSortedSetScore().getKey()));
      case SORTED_SET_RANK -> b.getSortedSetRankBuilder().setKey(k.apply(op.getSortedSetRank().getKey()));
      case SORTED_SET_RANGE -> b.getSortedSetRangeBuilder().setKey(k.apply(op.getSortedSetRange().getKey()));
      case SORTED_SET_REMOVE -> b.getSortedSetRemoveBuilder().setKey(k.apply(op.getSortedSetRemove().getKey()));
      case SORTED_SET_CARDINALITY -> b.getSortedSetCardinalityBuilder().setKey(k.apply(op.getSortedSetCardinality().getKey()));
      case OP_NOT_SET -> { }
    }
    return b.build();
  }

  private static List<ByteString> all(List<ByteString> keys, Function<ByteString, ByteString> k) {
    return keys.stream().map(k).toList();
  }
}
