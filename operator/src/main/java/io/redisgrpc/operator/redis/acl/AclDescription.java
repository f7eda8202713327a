package io.redisgrpc.operator.redis.acl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A user as one node describes it ({@code ACL GETUSER}): whether it is enabled, and every other
 * field (flags, passwords, commands, keys, channels, selectors) exactly as that node prints it.
 *
 * <p>Two descriptions from the same node are equal exactly when the users are the same. Redis 7.0
 * does not print command rules as they were given: it re-derives them from the user's command
 * bitmap ({@code +@read -@dangerous} comes back as {@code -@all +@string +@hash ... -keys}), and
 * later versions print them differently again. So the operator never compares against its own
 * rendering; {@link AclReconciler} has the node describe the desired rules too.
 */
record AclDescription(boolean enabled, Map<String, Object> fields) {
  private static final String FLAGS = "flags";
  private static final String COMMANDS = "commands";

  /** Parses an ACL GETUSER reply: alternating field names and values (RESP2), or a map (RESP3). */
  static AclDescription parse(Object reply) {
    Map<String, Object> fields = new TreeMap<>();
    if (reply instanceof Map<?, ?> map) {
      map.forEach((name, value) -> fields.put(String.valueOf(name), normalise(value)));
    } else if (reply instanceof List<?> list) {
      for (int i = 0; i + 1 < list.size(); i += 2) {
        fields.put(String.valueOf(list.get(i)), normalise(list.get(i + 1)));
      }
    } else {
      throw new IllegalArgumentException("unexpected ACL GETUSER reply: " + reply);
    }
    // on/off is kept apart so a disabled probe user can stand for an enabled desired user; the
    // other flags (nopass, sanitize-payload ...) stay, a set since their order means nothing.
    Object flags = fields.getOrDefault(FLAGS, List.of());
    TreeSet<String> otherFlags = new TreeSet<>();
    boolean enabled = false;
    for (Object flag : flags instanceof Collection<?> c ? c : List.of(flags)) {
      String value = String.valueOf(flag);
      if (value.equals("on")) {
        enabled = true;
      } else if (!value.equals("off")) {
        otherFlags.add(value);
      }
    }
    fields.put(FLAGS, otherFlags);
    if (fields.get(COMMANDS) instanceof String commands) {
      fields.put(COMMANDS, canonicalCommands(commands));
    }
    return new AclDescription(enabled, fields);
  }

  /**
   * The command rules Redis 7.0 re-derives always start with the base ({@code +@all} or {@code
   * -@all}), then categories, then single commands and subcommands, never adding and removing the
   * same thing. Within such a derived description only the set of later tokens carries meaning, and
   * their order comes from iterating Redis' command tables, which is not guaranteed: a CI run once
   * saw an unchanged {@code _exporter} (several subcommand rules) reported as changed. So they are
   * compared sorted, categories before commands as Redis emits them.
   */
  static String canonicalCommands(String commands) {
    List<String> tokens = new ArrayList<>(List.of(commands.trim().split("\\s+")));
    if (tokens.size() < 2) {
      return commands.trim();
    }
    String base = tokens.remove(0);
    tokens.sort(
        Comparator.comparing((String t) -> !t.substring(1).startsWith("@")).thenComparing(t -> t));
    return base + " " + String.join(" ", tokens);
  }

  AclDescription withEnabled(boolean enabled) {
    return new AclDescription(enabled, fields);
  }

  private static Object normalise(Object value) {
    if (value instanceof Collection<?> values) {
      List<Object> normalised = new ArrayList<>();
      values.forEach(v -> normalised.add(normalise(v)));
      return normalised;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> normalised = new TreeMap<>();
      map.forEach((k, v) -> normalised.put(String.valueOf(k), normalise(v)));
      return normalised;
    }
    return value == null ? null : String.valueOf(value);
  }
}
