package io.redisgrpc.operator.model;

import static io.redisgrpc.operator.testing.ClientSpecs.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.gateway.security.Policy;
import io.redisgrpc.operator.crd.AuthSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator renders the policy; the gateway's own parser must accept it and resolve the issued
 * identities.
 */
class GatewayPolicyTest {
  @Test
  void theGatewayReadsWhatTheOperatorRenders() throws Exception {
    RedisGrpcCache cache = Caches.of("orders-cache", RedisMode.Cluster);
    cache
        .getSpec()
        .auth
        .clients
        .add(
            client(
                "orders",
                "orders:",
                "orders.",
                AuthSpec.Permission.READ,
                AuthSpec.Permission.PUBSUB));
    cache
        .getSpec()
        .auth
        .clients
        .add(client("billing", "billing:", null, AuthSpec.Permission.WRITE));
    String rendered = GatewayPolicy.render(cache);
    assertThat(GatewayPolicy.render(cache)).as("deterministic").isEqualTo(rendered);

    Policy policy = Policy.parse(rendered.getBytes(StandardCharsets.UTF_8));
    assertThat(policy.clientNames()).containsExactlyInAnyOrder("orders", "billing");
    String identity = "spiffe://redisgrpc.io/ns/shop/cache/orders-cache/client/orders";
    assertThat(GatewayPolicy.identity(cache, "orders")).isEqualTo(identity);
    assertThat(policy.resolve(List.of(identity))).isPresent();
    assertThat(policy.resolve(List.of("orders")))
        .as("a bare CN is not an identity the operator issues")
        .isEmpty();
  }
}
