package io.redisgrpc.operator.redis.acl;

import static io.redisgrpc.operator.testing.ClientSpecs.client;

import io.lettuce.core.RedisURI;
import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.AuthSpec.Permission;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The users of one test cache: four clients (one with a backslash in its prefix) and the service
 * users.
 */
final class AclFixtures {
  static final List<ClientSpec> CLIENTS =
      List.of(
          client(
              "orders", "orders:", "orders.", Permission.READ, Permission.WRITE, Permission.PUBSUB),
          client("reports", "reports:", "reports.", Permission.READ),
          client("events", "events:", "events.", Permission.PUBSUB),
          client("weird", "we\\ird:", null, Permission.READ, Permission.WRITE));

  static final List<String> SERVICE_USERS =
      List.of(
          AclRules.OPERATOR,
          AclRules.REPLICATION,
          AclRules.SENTINEL,
          AclRules.EXPORTER,
          AclRules.GATEWAY);

  private AclFixtures() {}

  static String password(String user) {
    return "pw-" + user + "-1";
  }

  /** One password per service user and client. */
  static Map<String, List<String>> hashes() {
    Map<String, List<String>> hashes = new LinkedHashMap<>();
    SERVICE_USERS.forEach(user -> hashes.put(user, List.of(AclUser.hashPassword(password(user)))));
    CLIENTS.forEach(
        client -> hashes.put(client.name, List.of(AclUser.hashPassword(password(client.name)))));
    return hashes;
  }

  static List<AclUser> desired() {
    return AclRules.desired(CLIENTS, hashes());
  }

  /** A node, logged in as {@code user} with its password. */
  static RedisURI as(int port, String user) {
    return RedisURI.builder()
        .withHost("127.0.0.1")
        .withPort(port)
        .withAuthentication(user, password(user))
        .withTimeout(Duration.ofSeconds(5))
        .build();
  }
}
