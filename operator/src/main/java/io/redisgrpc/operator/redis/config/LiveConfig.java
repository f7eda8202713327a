package io.redisgrpc.operator.redis.config;

import io.lettuce.core.api.sync.RedisCommands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Applies the live-settable directives (maxmemory, maxmemory-policy, LFU tuning) to a running node
 * with CONFIG SET, without a restart. Only directives whose running value differs are set, so
 * applying an unchanged spec sends no CONFIG SET at all.
 *
 * <p>The directives come from {@link io.redisgrpc.operator.model.RedisConfig#live}, the same lines
 * that go into redis.conf, so a restarted pod starts with what was applied live.
 */
public final class LiveConfig {
  private LiveConfig() {}

  /** Parses "name value" lines (comments skipped) into an ordered map. */
  public static Map<String, String> directives(List<String> lines) {
    Map<String, String> directives = new LinkedHashMap<>();
    for (String line : lines) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      int space = trimmed.indexOf(' ');
      directives.put(trimmed.substring(0, space), trimmed.substring(space + 1).strip());
    }
    return directives;
  }

  /**
   * Sets every directive whose running value differs; returns what was changed (name → new value).
   */
  public static Map<String, String> apply(
      RedisCommands<String, String> node, Map<String, String> desired) {
    Map<String, String> running = node.configGet(desired.keySet().toArray(String[]::new));
    Map<String, String> changes = new LinkedHashMap<>();
    desired.forEach(
        (name, value) -> {
          if (!Objects.equals(running.get(name), value)) {
            changes.put(name, value);
          }
        });
    if (!changes.isEmpty()) {
      // One CONFIG SET with several pairs (Redis 7) is atomic: all or none.
      node.configSet(changes);
    }
    return changes;
  }

  /**
   * True when the node already runs every desired value (for status: "all nodes run the new
   * values").
   */
  public static boolean isApplied(RedisCommands<String, String> node, Map<String, String> desired) {
    Map<String, String> running = node.configGet(desired.keySet().toArray(String[]::new));
    return desired.entrySet().stream()
        .allMatch(e -> Objects.equals(running.get(e.getKey()), e.getValue()));
  }
}
