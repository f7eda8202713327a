package io.redisgrpc.operator.redis;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a node says of its place in replication ({@code INFO replication}): master, or replica of
 * which pod and whether it has finished its sync (link up, no sync in progress). Pure.
 *
 * @param masterOrdinal a replica's master, as the ordinal of the pod it names; empty for a master,
 *     or for a replica of an address that is none of the cache's pods
 */
public record ReplicationRole(boolean master, Optional<Integer> masterOrdinal, boolean synced) {

  public static ReplicationRole ofMaster() {
    return new ReplicationRole(true, Optional.empty(), true);
  }

  public static ReplicationRole replicaOf(int master, boolean synced) {
    return new ReplicationRole(false, Optional.of(master), synced);
  }

  /**
   * @param info the reply to {@code INFO replication}
   * @param aliases every "host:port" a pod is known by, to its ordinal
   */
  public static ReplicationRole fromInfo(String info, Map<String, Integer> aliases) {
    Map<String, String> fields = fields(info);
    if (!"slave".equals(fields.get("role"))) {
      return ofMaster();
    }
    Optional<Integer> master =
        Optional.ofNullable(
            aliases.get(fields.get("master_host") + ":" + fields.get("master_port")));
    boolean synced =
        "up".equals(fields.get("master_link_status"))
            && "0".equals(fields.get("master_sync_in_progress"));
    return new ReplicationRole(false, master, synced);
  }

  /**
   * "host:port" a replica replicates from (connected or not), as its INFO replication says; empty
   * on a master.
   */
  public static Optional<String> masterAddress(String info) {
    Map<String, String> fields = fields(info);
    return "slave".equals(fields.get("role")) && fields.containsKey("master_host")
        ? Optional.of(fields.get("master_host") + ":" + fields.get("master_port"))
        : Optional.empty();
  }

  private static Map<String, String> fields(String info) {
    Map<String, String> fields = new HashMap<>();
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }
}
