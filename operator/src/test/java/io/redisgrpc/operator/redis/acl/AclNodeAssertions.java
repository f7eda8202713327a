package io.redisgrpc.operator.redis.acl;

import static io.redisgrpc.operator.redis.acl.AclFixtures.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.sync.RedisCommands;
import io.redisgrpc.testkit.RedisNodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/** Checks on one node shared by the ACL tests against real Redis. */
final class AclNodeAssertions {
  private AclNodeAssertions() {}

  static <T> T asUser(int port, String user, Function<RedisCommands<String, String>, T> action) {
    return RedisNodes.withNode(as(port, user), action);
  }

  /** ACL SETUSER with raw rules (no reset), for the hand-made drift a test needs. */
  static void setUser(RedisCommands<String, String> redis, String name, String... rules) {
    new AclCommands(redis).setUser(name, List.of(rules));
  }

  static void assertDenied(
      RedisCommands<String, String> redis,
      String what,
      Consumer<RedisCommands<String, String>> action) {
    assertThatThrownBy(() -> action.accept(redis))
        .as(what)
        .isInstanceOf(RedisException.class)
        .hasMessageStartingWith("NOPERM");
  }

  /** Inside a script, Redis 7.0 reports a denied {@code redis.call} as an ERR, not NOPERM. */
  static void assertDeniedInScript(
      RedisCommands<String, String> redis,
      String what,
      Consumer<RedisCommands<String, String>> action) {
    assertThatThrownBy(() -> action.accept(redis))
        .as(what)
        .isInstanceOf(RedisException.class)
        .hasMessageContaining("The user executing the script can't");
  }

  /**
   * A connection that does not AUTH can run nothing. Checked on a raw socket: Lettuce's own
   * handshake (HELLO, refused with NOAUTH too) fails in more than one way.
   */
  static void assertDefaultIsOff(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      String reply =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      assertThat(reply).as("default is off on :" + port).startsWith("-NOAUTH");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Exactly the desired users exist, each logs in with its password, and an unauthenticated
   * connection can do nothing.
   */
  static void assertUsersInPlace(int port, List<AclUser> desired) {
    List<String> names = desired.stream().map(AclUser::name).toList();
    List<String> users = asUser(port, AclRules.OPERATOR, RedisCommands::aclUsers);
    assertThat(users).as("users on :" + port).containsExactlyInAnyOrderElementsOf(names);
    names.stream()
        .filter(name -> !name.equals(AclRules.DEFAULT))
        .forEach(
            name -> {
              String pong = asUser(port, name, RedisCommands::ping);
              assertThat(pong).as(name + " logs in on :" + port).isEqualTo("PONG");
            });
    assertDefaultIsOff(port);
    List<String> lines = asUser(port, AclRules.OPERATOR, RedisCommands::aclList);
    assertThat(lines).as("no plaintext password").noneMatch(line -> line.contains("pw-"));
  }

  /**
   * Nothing was refused on this node so far (ACL LOG records every denied command, key, channel or
   * login).
   */
  static void assertNothingDenied(int port) {
    List<Map<String, Object>> log = asUser(port, AclRules.OPERATOR, RedisCommands::aclLog);
    assertThat(log).as("ACL LOG on :" + port).isEmpty();
  }
}
