package io.redisgrpc.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTest {
  static final String ORDERS =
      """
      {"name":"orders","identities":["spiffe://x/orders","orders"],"keyPrefix":"orders:","channelPrefix":"orders.","permissions":["read","write","pubsub"]}""";
  static final String BILLING =
      """
      {"name":"billing","identities":["spiffe://x/billing"],"keyPrefix":"billing:","channelPrefix":"billing.","permissions":["read"]}""";

  static Policy parse(String... clients) throws PolicyException {
    return Policy.parse(
        ("{\"version\":1,\"clients\":[" + String.join(",", clients) + "]}")
            .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parsesTheDocumentedFormat() throws Exception {
    Policy policy = parse(ORDERS, BILLING);
    ClientPolicy orders = policy.resolve(List.of("spiffe://x/orders")).orElseThrow();
    assertThat(orders.name()).isEqualTo("orders");
    assertThat(orders.keyPrefix()).isEqualTo("orders:");
    assertThat(orders.channelPrefix()).isEqualTo("orders.");
    assertThat(orders.permissions())
        .containsExactlyInAnyOrder(Permission.READ, Permission.WRITE, Permission.PUBSUB);
    assertThat(policy.resolve(List.of("spiffe://x/billing")).orElseThrow().may(Permission.WRITE))
        .isFalse();
  }

  @Test
  void firstDeclaredCandidateWins() throws Exception {
    Policy policy = parse(ORDERS, BILLING);
    assertThat(
            policy
                .resolve(List.of("spiffe://unknown", "spiffe://x/billing", "orders"))
                .orElseThrow()
                .name())
        .isEqualTo("billing");
    assertThat(policy.resolve(List.of("spiffe://unknown", "orders")).orElseThrow().name())
        .isEqualTo("orders");
    assertThat(policy.resolve(List.of("nobody"))).isEmpty();
  }

  @Test
  void refusesWhatCannotBeEnforced() {
    assertThatThrownBy(() -> Policy.parse("{\"version\":2,\"clients\":[]}".getBytes()))
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> Policy.parse("not json".getBytes()))
        .isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> parse(ORDERS.replace("\"name\"", "\"nmae\"")))
        .hasMessageContaining("'name'");
    assertThatThrownBy(() -> parse(ORDERS.replace("\"pubsub\"", "\"admin\"")))
        .hasMessageContaining("admin");
    assertThatThrownBy(() -> parse(ORDERS, ORDERS)).hasMessageContaining("declared twice");
    assertThatThrownBy(() -> parse(ORDERS, BILLING.replace("spiffe://x/billing", "orders")))
        .hasMessageContaining("identity 'orders'");
    assertThatThrownBy(() -> parse(ORDERS, BILLING.replace("billing:", "orders:eu:")))
        .hasMessageContaining("overlap");
    assertThatThrownBy(() -> parse(ORDERS, BILLING.replace("billing.", "orders")))
        .hasMessageContaining("channelPrefix");
    assertThatThrownBy(() -> parse(ORDERS.replace("orders:", "{orders}:")))
        .hasMessageContaining("hash tag");
    assertThatThrownBy(() -> parse(ORDERS.replace("\"name\":\"orders\"", "\"name\":\"_gateway\"")))
        .hasMessageContaining("client name");
    assertThatThrownBy(() -> parse(ORDERS.replace("[\"read\",\"write\",\"pubsub\"]", "[]")))
        .hasMessageContaining("no permissions");
  }

  @Test
  void equalPrefixesAreDeliberateSharing() throws Exception {
    assertThat(
            parse(ORDERS, BILLING.replace("billing:", "orders:").replace("billing.", "orders."))
                .clients())
        .hasSize(2);
  }
}
