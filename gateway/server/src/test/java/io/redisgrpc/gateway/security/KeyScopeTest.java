package io.redisgrpc.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.lettuce.core.cluster.SlotHash;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Slot-safe prefixing, checked against Lettuce's own implementation of Redis' CRC16 slot rule. */
class KeyScopeTest {
  private static final List<String> KEYS =
      List.of(
          "user:1",
          "user:2",
          "{cart}:items",
          "{cart}:total",
          "a{b}c",
          "x{}y{z}",
          "no-close{abc",
          "}weird{t}",
          "{",
          "}",
          "{}",
          "a}b",
          "plain");

  static int slot(ByteString key) {
    return SlotHash.getSlot(ByteBuffer.wrap(key.toByteArray()));
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void plainPrefixKeepsTheKeysOwnHashTag() {
    KeyScope scope = KeyScope.of("orders:");
    for (String key : KEYS) {
      ByteString scoped = scope.scope(b(key));
      assertThat(scoped.toStringUtf8()).startsWith("orders:").endsWith(key);
      ByteString tag = KeyScope.hashTag(b(key));
      if (tag != null) {
        assertThat(slot(scoped)).as(key).isEqualTo(slot(b(key))).isEqualTo(slot(tag));
      }
    }
  }

  @Test
  void prefixWithAClosingBraceOnlyIsHarmless() {
    KeyScope scope = KeyScope.of("odd}prefix:");
    assertThat(slot(scope.scope(b("{cart}:a")))).isEqualTo(slot(b("cart")));
    assertThat(slot(scope.scope(b("{cart}:b")))).isEqualTo(slot(b("cart")));
  }

  @Test
  void tenantSpreadsOverManySlots() {
    for (String prefix : List.of("orders:", "team{a:")) {
      KeyScope scope = KeyScope.of(prefix);
      Set<Integer> slots = new HashSet<>();
      IntStream.range(0, 200).forEach(i -> slots.add(slot(scope.scope(b("k" + i)))));
      assertThat(slots).as(prefix).hasSizeGreaterThan(150);
    }
  }

  @Test
  void unclosedBraceInPrefixForwardsTheKeysTag() {
    KeyScope scope = KeyScope.of("team{a:");
    ByteString first = scope.scope(b("{cart}:items"));
    ByteString second = scope.scope(b("{cart}:total"));
    assertThat(first.toStringUtf8()).startsWith("team{a:");
    assertThat(slot(first)).isEqualTo(slot(second));
    assertThat(slot(scope.scope(b("{other}:items")))).isNotEqualTo(slot(first));
    // one-to-one: different keys never collide
    Set<ByteString> stored = new HashSet<>();
    KEYS.forEach(k -> stored.add(scope.scope(b(k))));
    assertThat(stored).hasSameSizeAs(KEYS);
  }

  @Test
  void completeHashTagInPrefixIsRefused() {
    assertThatThrownBy(() -> KeyScope.of("{orders}:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one slot");
    assertThatThrownBy(() -> KeyScope.of("a{}b")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hashTagFollowsRedisRules() {
    assertThat(KeyScope.hashTag(b("{a}b"))).isEqualTo(b("a"));
    assertThat(KeyScope.hashTag(b("x{}y{z}"))).isNull();
    assertThat(KeyScope.hashTag(b("x{y"))).isNull();
    assertThat(KeyScope.hashTag(b("}{t}"))).isEqualTo(b("t"));
  }
}
