package io.redisgrpc.operator.redis.acl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One Redis ACL user as the operator wants it on every node. Pure data, no I/O.
 *
 * <p>Passwords are held only as SHA-256 hex digests and rendered as {@code #<hash>} rules, so no
 * plaintext ever reaches a rule list, the users.acl Secret, {@code ACL LIST} or a log line. A user
 * may hold several hashes at once: that is how a rotation keeps the old and the new password valid
 * together.
 *
 * <p>Passwords, key and channel patterns are sets (Redis does not care about their order), kept
 * sorted so the same user always renders the same bytes. Command rules are applied left to right by
 * Redis, so their order is kept as given.
 *
 * @param keyPatterns glob patterns without the leading {@code ~}, already escaped
 * @param channelPatterns glob patterns without the leading {@code &}, already escaped
 * @param commandRules {@code +cmd}, {@code -cmd}, {@code +@category}, {@code +cmd|sub} ...
 */
public record AclUser(
    String name,
    boolean enabled,
    List<String> passwordHashes,
    List<String> keyPatterns,
    List<String> channelPatterns,
    List<String> commandRules) {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public AclUser {
    requireToken("user name", name);
    passwordHashes = sortedDistinct(passwordHashes);
    for (String hash : passwordHashes) {
      if (!SHA256_HEX.matcher(hash).matches()) {
        // Also catches a plaintext password passed by mistake, before it reaches a rule.
        throw new IllegalArgumentException(
            "user " + name + ": a password hash must be 64 lowercase hex digits (SHA-256)");
      }
    }
    keyPatterns = sortedDistinct(keyPatterns);
    keyPatterns.forEach(pattern -> requireToken("key pattern", pattern));
    channelPatterns = sortedDistinct(channelPatterns);
    channelPatterns.forEach(pattern -> requireToken("channel pattern", pattern));
    commandRules = List.copyOf(commandRules);
    for (String rule : commandRules) {
      requireToken("command rule", rule);
      if (!rule.startsWith("+") && !rule.startsWith("-")) {
        throw new IllegalArgumentException(
            "user " + name + ": command rule '" + rule + "' must start with + or -");
      }
    }
  }

  /**
   * The complete rule list, the same for {@code ACL SETUSER} and for a users.acl line: {@code
   * reset}, then state, passwords, keys, channels and commands (the order Redis prints its own).
   *
   * <p>{@code reset} comes first in both places so a user is built the same way whether a node
   * loads it from the file or gets it live. It matters: {@code reset} also sets the {@code
   * sanitize-payload} flag, which a user created without it (a plain ACL-file line) does not get,
   * so without it the two would differ for ever. {@code resetchannels} is there too, because {@code
   * reset} itself grants every channel when the node runs with {@code acl-pubsub-default
   * allchannels}; a pattern added on top would leave them all open.
   */
  public List<String> rules() {
    List<String> rules = new ArrayList<>();
    rules.add("reset");
    rules.add(enabled ? "on" : "off");
    passwordHashes.forEach(hash -> rules.add("#" + hash));
    keyPatterns.forEach(pattern -> rules.add("~" + pattern));
    rules.add("resetchannels");
    channelPatterns.forEach(pattern -> rules.add("&" + pattern));
    rules.addAll(commandRules);
    return rules;
  }

  public AclUser withEnabled(boolean enabled) {
    return new AclUser(name, enabled, passwordHashes, keyPatterns, channelPatterns, commandRules);
  }

  /** SHA-256 hex of a password, the form Redis stores and accepts as {@code #<hash>}. */
  public static String hashPassword(String password) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(password.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static List<String> sortedDistinct(Collection<String> values) {
    return values.stream().distinct().sorted().toList();
  }

  /**
   * Every rule is one token: ACL SETUSER takes them as separate arguments, but an ACL file line is
   * split on spaces (Redis 7.0 honours no quoting there), so whitespace or a line break would
   * silently become other rules.
   */
  private static void requireToken(String what, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    if (value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new IllegalArgumentException(
          what + " '" + value + "' must not contain whitespace or control characters");
    }
  }
}
