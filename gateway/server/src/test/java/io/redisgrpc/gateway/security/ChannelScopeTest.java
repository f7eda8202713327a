package io.redisgrpc.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class ChannelScopeTest {
  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void channelsGetThePrefixAndLoseItOnTheWayOut() {
    ChannelScope scope = new ChannelScope("orders.");
    assertThat(scope.channel(b("news"))).isEqualTo(b("orders.news"));
    assertThat(scope.unscope(b("orders.news"))).isEqualTo(b("news"));
    assertThatThrownBy(() -> scope.unscope(b("billing.news")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void globCharactersOfThePrefixAreEscaped() {
    assertThat(ChannelScope.escapeGlob(b("a*b?c[d]e\\f"))).isEqualTo(b("a\\*b\\?c\\[d\\]e\\\\f"));
    assertThat(new ChannelScope("t*.").pattern(b("*"))).isEqualTo(b("t\\*.*"));
    assertThat(new ChannelScope("orders.").pattern(b("n?ws*"))).isEqualTo(b("orders.n?ws*"));
  }
}
