package io.redisgrpc.operator.redis.acl;

import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.List;
import java.util.Optional;

/** The ACL commands the reconciler sends to one node, over Lettuce. */
final class AclCommands {
  private final RedisCommands<String, String> redis;

  AclCommands(RedisCommands<String, String> redis) {
    this.redis = redis;
  }

  List<String> users() {
    return redis.aclUsers();
  }

  Optional<AclDescription> describe(String user) {
    List<Object> reply = redis.aclGetuser(user);
    return reply == null || reply.isEmpty()
        ? Optional.empty()
        : Optional.of(AclDescription.parse(reply));
  }

  /**
   * {@code ACL SETUSER <name> <rules...>}; with {@link AclUser#rules()} (which start with {@code
   * reset}) the user ends up with exactly these rules, whatever it had. Redis applies the whole
   * list to a copy and swaps it in only if every rule is valid, so a user is never left
   * half-changed. (Lettuce's AclSetuserArgs cannot express an arbitrary rule list, hence the raw
   * command.)
   */
  void setUser(String name, List<String> rules) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add(name);
    rules.forEach(args::add);
    redis.dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), args);
  }

  void deleteUser(String name) {
    redis.aclDeluser(name);
  }
}
