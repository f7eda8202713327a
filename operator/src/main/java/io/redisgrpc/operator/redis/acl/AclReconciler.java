package io.redisgrpc.operator.redis.acl;

import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Brings the ACL users of one node to the desired set, changing only what differs. ACLs are per
 * node (neither replicated nor gossiped), so the caller runs this on every node; the users.acl file
 * ({@link AclFile}) covers a node that restarts in between.
 *
 * <h2>Comparing</h2>
 *
 * A user is compared through {@code ACL GETUSER}, field by field. The desired side is not rendered
 * by the operator but by the node itself: the desired rules are applied to a scratch user ({@link
 * AclRules#PROBE}, kept {@code off}, so nobody can log in as it) and that user's description is
 * read back. Both sides are then printed by the same Redis, whatever its version does to the rules
 * (7.0 re-derives command rules from a bitmap, see {@link AclDescription}), so an unchanged user
 * compares equal and any hand-made change, even one that only adds a password or a key pattern,
 * shows. The scratch user is deleted before anything is applied.
 *
 * <h2>Applying</h2>
 *
 * <ol>
 *   <li>the operator's user, first: on a fresh node the operator is still connected as {@code
 *       default}, and must have its own user before anything can lock it out;
 *   <li>the other missing or different users, each with {@code ACL SETUSER <name> reset <rules>}
 *       ({@link AclUser#rules()}; atomic per user: Redis swaps in the new user only if every rule
 *       is valid);
 *   <li>users that are not desired are deleted ({@code ACL DELUSER} also disconnects their
 *       clients);
 *   <li>{@code default} last. It cannot be deleted, so when it is not in the desired set it is set
 *       to {@link AclRules#defaultUser() off}. A connection authenticated as {@code default} (the
 *       bootstrap one) stays open but can do nothing afterwards: the next run must connect as the
 *       operator's user. On a node that already serves replicas see {@link #reconcileAllButDefault}
 *       first.
 * </ol>
 *
 * Changing a user this way does not disconnect its clients, so a rotation that adds a password
 * (both valid) and later removes the old one never drops a connection.
 */
public final class AclReconciler {
  private AclReconciler() {}

  /** Applies what differs; returns what it changed (empty when the node was already right). */
  public static AclChanges reconcile(
      RedisCommands<String, String> node, Collection<AclUser> desired) {
    return apply(node, desired, true);
  }

  /**
   * Like {@link #reconcile} but leaves {@code default} as it is: the first phase of bringing ACLs
   * to a node that still runs without them. Connections authenticated as {@code default} lose every
   * right the moment it is switched off, and that includes replication links: a replica that
   * connected before {@code masteruser} was set is {@code default} on its master, and its next
   * {@code REPLCONF ACK} is refused (silently, until {@code repl-timeout} drops the link). So: this
   * on every node; then {@code masteruser}/{@code masterauth} and a reconnect of every replica
   * ({@code CLIENT KILL TYPE master}); only then {@link #reconcile}.
   */
  public static AclChanges reconcileAllButDefault(
      RedisCommands<String, String> node, Collection<AclUser> desired) {
    return apply(node, desired, false);
  }

  /**
   * What {@link #reconcile} would change, without changing any real user (only the scratch user
   * comes and goes); for status: "ACLs in sync on every node".
   */
  public static AclChanges diff(RedisCommands<String, String> node, Collection<AclUser> desired) {
    return changes(plan(new AclCommands(node), desired, true));
  }

  private static AclChanges apply(
      RedisCommands<String, String> node, Collection<AclUser> desired, boolean withDefault) {
    AclCommands acl = new AclCommands(node);
    List<Step> steps = plan(acl, desired, withDefault);
    for (Step step : steps) {
      if (step.kind == Kind.DELETE) {
        acl.deleteUser(step.name);
      } else {
        acl.setUser(step.name, step.user.rules());
      }
    }
    return changes(steps);
  }

  private enum Kind {
    CREATE,
    UPDATE,
    DELETE
  }

  private record Step(Kind kind, String name, AclUser user) {}

  private static List<Step> plan(
      AclCommands acl, Collection<AclUser> desired, boolean withDefault) {
    List<AclUser> users =
        inApplyOrder(desired).stream()
            .filter(user -> withDefault || !isDefault(user.name()))
            .toList();
    Set<String> existing = new LinkedHashSet<>(acl.users());
    List<Step> upserts = new ArrayList<>();
    for (AclUser user : users) {
      Optional<AclDescription> actual =
          existing.contains(user.name()) ? acl.describe(user.name()) : Optional.empty();
      if (actual.isEmpty()) {
        upserts.add(new Step(Kind.CREATE, user.name(), user));
      } else if (!actual.get().equals(asDescribedBy(acl, user))) {
        upserts.add(new Step(Kind.UPDATE, user.name(), user));
      }
    }
    // Before anything is applied: once default is off, a bootstrap connection could not do it.
    // A scratch user left by a run that died above is off (nobody can log in) and goes here next
    // time.
    acl.deleteUser(AclRules.PROBE);

    Set<String> wanted = new HashSet<>();
    users.forEach(user -> wanted.add(user.name()));
    List<Step> steps = new ArrayList<>();
    upserts.stream().filter(step -> !isDefault(step.name)).forEach(steps::add);
    existing.stream()
        .filter(name -> !wanted.contains(name) && !isDefault(name) && !name.equals(AclRules.PROBE))
        .forEach(name -> steps.add(new Step(Kind.DELETE, name, null)));
    upserts.stream().filter(step -> isDefault(step.name)).forEach(steps::add);
    return steps;
  }

  /** The node's own description of the desired user, through the disabled scratch user. */
  private static AclDescription asDescribedBy(AclCommands acl, AclUser user) {
    acl.setUser(AclRules.PROBE, user.withEnabled(false).rules());
    return acl.describe(AclRules.PROBE)
        .orElseThrow(
            () -> new IllegalStateException("scratch ACL user " + AclRules.PROBE + " vanished"))
        .withEnabled(user.enabled());
  }

  /**
   * Validates the desired set, adds a disabled default if missing, and sorts operator first,
   * default last.
   */
  private static List<AclUser> inApplyOrder(Collection<AclUser> desired) {
    Set<String> names = new HashSet<>();
    for (AclUser user : desired) {
      if (!names.add(user.name())) {
        throw new IllegalArgumentException("ACL user " + user.name() + " is desired twice");
      }
      if (user.name().equals(AclRules.PROBE)) {
        throw new IllegalArgumentException("ACL user name " + AclRules.PROBE + " is reserved");
      }
    }
    // Refuse a set that would lock the operator out of the node for good.
    boolean operatorCanLogIn =
        desired.stream()
            .anyMatch(
                user ->
                    user.name().equals(AclRules.OPERATOR)
                        && user.enabled()
                        && !user.passwordHashes().isEmpty());
    if (!operatorCanLogIn) {
      throw new IllegalArgumentException(
          "the desired ACL users must include " + AclRules.OPERATOR + ", enabled, with a password");
    }
    List<AclUser> users = new ArrayList<>(desired);
    if (!names.contains(AclRules.DEFAULT)) {
      users.add(AclRules.defaultUser());
    }
    users.sort(AclRules.APPLY_ORDER);
    return users;
  }

  private static boolean isDefault(String name) {
    return name.equals(AclRules.DEFAULT);
  }

  private static AclChanges changes(List<Step> steps) {
    return new AclChanges(
        names(steps, Kind.CREATE), names(steps, Kind.UPDATE), names(steps, Kind.DELETE));
  }

  private static List<String> names(List<Step> steps, Kind kind) {
    return steps.stream().filter(step -> step.kind == kind).map(Step::name).toList();
  }
}
