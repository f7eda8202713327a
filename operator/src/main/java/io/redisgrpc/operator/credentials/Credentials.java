package io.redisgrpc.operator.credentials;

import io.redisgrpc.operator.redis.acl.AclUser;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Every Redis user's passwords, as stored in the {@code <name>-credentials} Secret. Pure: no I/O.
 *
 * <p>A user has a {@code current} password (what consumers use) and, while a rotation is in flight,
 * a {@code pending} one (trusted by Redis, not yet used) or a {@code retiring} one (still trusted,
 * no longer handed out). Secret keys: {@code <user>}, {@code <user>.pending}, {@code
 * <user>.retiring}.
 *
 * <p>The ACL users the nodes must have follow from this alone: every password present is accepted
 * ({@link #hashes}). That is what makes rotation safe to resume anywhere: whatever phase a crash
 * left behind, re-applying the ACLs from the Secret trusts everything some consumer may still hold.
 */
public record Credentials(Map<String, Passwords> users) {
  static final String PENDING = ".pending";
  static final String RETIRING = ".retiring";

  public record Passwords(String current, String pending, String retiring) {
    List<String> all() {
      List<String> all = new ArrayList<>();
      all.add(current);
      if (pending != null) {
        all.add(pending);
      }
      if (retiring != null) {
        all.add(retiring);
      }
      return all;
    }
  }

  public Credentials {
    users = new TreeMap<>(users);
  }

  /** Reads Secret data (already decoded); keys that name no known form are ignored. */
  public static Credentials fromData(Map<String, String> data) {
    Map<String, Passwords> users = new TreeMap<>();
    if (data != null) {
      data.forEach(
          (key, value) -> {
            if (!key.endsWith(PENDING) && !key.endsWith(RETIRING)) {
              users.put(
                  key, new Passwords(value, data.get(key + PENDING), data.get(key + RETIRING)));
            }
          });
    }
    return new Credentials(users);
  }

  public Map<String, String> toData() {
    Map<String, String> data = new TreeMap<>();
    users.forEach(
        (user, passwords) -> {
          data.put(user, passwords.current());
          if (passwords.pending() != null) {
            data.put(user + PENDING, passwords.pending());
          }
          if (passwords.retiring() != null) {
            data.put(user + RETIRING, passwords.retiring());
          }
        });
    return data;
  }

  /**
   * Exactly {@code wanted} users: a missing one gets a fresh password, one no longer wanted (a
   * removed client) is dropped, the rest are kept as they are.
   */
  public Credentials withUsers(Set<String> wanted, Supplier<String> newPassword) {
    Map<String, Passwords> next = new TreeMap<>();
    for (String user : wanted) {
      Passwords existing = users.get(user);
      next.put(user, existing != null ? existing : new Passwords(newPassword.get(), null, null));
    }
    return new Credentials(next);
  }

  /** Prepare: every user without one gets a pending password; nothing else changes. */
  public Credentials withPending(Supplier<String> newPassword) {
    Map<String, Passwords> next = new TreeMap<>();
    users.forEach(
        (user, p) ->
            next.put(
                user,
                p.pending() != null
                    ? p
                    : new Passwords(p.current(), newPassword.get(), p.retiring())));
    return new Credentials(next);
  }

  /**
   * Use: pending becomes current, current becomes retiring. A user already switched is left alone.
   */
  public Credentials switchedToPending() {
    Map<String, Passwords> next = new TreeMap<>();
    users.forEach(
        (user, p) ->
            next.put(
                user, p.pending() == null ? p : new Passwords(p.pending(), null, p.current())));
    return new Credentials(next);
  }

  /** Retire: the retiring passwords are forgotten. */
  public Credentials retired() {
    Map<String, Passwords> next = new TreeMap<>();
    users.forEach((user, p) -> next.put(user, new Passwords(p.current(), p.pending(), null)));
    return new Credentials(next);
  }

  public boolean allPending() {
    return !users.isEmpty() && users.values().stream().allMatch(p -> p.pending() != null);
  }

  public boolean anyPending() {
    return users.values().stream().anyMatch(p -> p.pending() != null);
  }

  public boolean anyRetiring() {
    return users.values().stream().anyMatch(p -> p.retiring() != null);
  }

  public String current(String user) {
    Passwords passwords = users.get(user);
    if (passwords == null) {
      throw new IllegalStateException("no credentials for Redis user " + user);
    }
    return passwords.current();
  }

  /** The passwords worth trying for a login as {@code user}: current first. */
  public List<String> candidates(String user) {
    Passwords passwords = users.get(user);
    return passwords == null ? List.of() : passwords.all();
  }

  /** SHA-256 hashes of every password each user may present: what the ACL users accept. */
  public Map<String, Collection<String>> hashes() {
    Map<String, Collection<String>> hashes = new LinkedHashMap<>();
    users.forEach(
        (user, p) -> hashes.put(user, p.all().stream().map(AclUser::hashPassword).toList()));
    return hashes;
  }

  /** Only {@code names}' current passwords, e.g. the gateway's Secret. */
  public Map<String, String> currentOf(Collection<String> names) {
    Map<String, String> data = new TreeMap<>();
    names.forEach(name -> data.put(name, current(name)));
    return data;
  }
}
