package io.redisgrpc.operator.redis.acl;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;

/**
 * Renders the users.acl file a node loads at start ({@code aclfile <path>} in redis.conf), so a
 * restarted pod comes back with its users before the operator reaches it.
 *
 * <p>Lines carry the same rules as {@code ACL SETUSER} (from {@link AclUser#rules()}, starting with
 * {@code reset}), so a node that loaded the file describes its users exactly as one that got them
 * live, and {@link AclReconciler} finds nothing to change on it.
 *
 * <p>The output is deterministic: users sorted by name, one {@code user <name> <rules>} line each,
 * {@code \n} line ends. The same users give byte-identical content, so the file can live in a
 * Secret and its hash in a pod annotation without spurious rollouts. It holds password hashes only,
 * never plaintext.
 *
 * <p>The node must not be told to {@code ACL SAVE} into it: mounted from a Secret, the file is
 * read-only, and the Secret is the source of truth anyway. A line Redis cannot parse makes it
 * refuse to start, which {@link AclUser}'s one-token-per-rule validation guards against.
 */
public final class AclFile {
  private AclFile() {}

  public static String render(Collection<AclUser> users) {
    Set<String> names = new HashSet<>();
    StringBuilder file = new StringBuilder();
    users.stream()
        .sorted(Comparator.comparing(AclUser::name))
        .forEach(
            user -> {
              if (!names.add(user.name())) {
                // Redis rejects the whole file on a duplicate user.
                throw new IllegalArgumentException("ACL user " + user.name() + " appears twice");
              }
              file.append("user ")
                  .append(user.name())
                  .append(' ')
                  .append(String.join(" ", user.rules()))
                  .append('\n');
            });
    return file.toString();
  }
}
