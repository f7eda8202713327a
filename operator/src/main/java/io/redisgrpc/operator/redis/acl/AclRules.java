package io.redisgrpc.operator.redis.acl;

import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.AuthSpec.Permission;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Redis ACL users of one cache, one rule set per kind of user. Pure: no I/O.
 *
 * <p>Every user is built from {@code reset} (no commands, no keys, no channels, no password), so
 * each rule set lists only what that user needs.
 *
 * <h2>Names</h2>
 *
 * Client users are named after the client (a DNS label, per the CRD). The operator's own users
 * start with {@code _}, which a DNS label cannot contain, so no client can ever collide with them.
 * A client named {@code default} is refused: it would be Redis' built-in user.
 *
 * <h2>Rule sets</h2>
 *
 * <ul>
 *   <li>{@code default}: {@code off}, no password, nothing allowed. An unauthenticated connection
 *       is the default user, so it gets nothing. It is applied last, after the operator's own user
 *       exists, or the operator would lock itself out.
 *   <li>operator: {@code ~* &* +@all}; it forms and heals the cluster, migrates slots, sets config
 *       and these ACLs.
 *   <li>replication: {@code +psync +replconf +ping}, what a replica sends to its master (Redis ACL
 *       docs, "ACL rules for Sentinel and Replicas"), and {@code +cluster|info}: the pod's
 *       readiness probe logs in as this user (the only password a Redis pod holds) and asks whether
 *       the node has joined the cluster; no keys, no channels.
 *   <li>sentinel: the Redis docs' minimal Sentinel set ({@code +multi +slaveof +ping +exec
 *       +subscribe +config|rewrite +role +publish +info +client|setname +client|kill
 *       +script|kill}), but with the one channel Sentinel uses, {@code __sentinel__:hello}, instead
 *       of the docs' {@code allchannels}.
 *   <li>metrics exporter: INFO, PING, CLUSTER INFO, latency and the slow-log length only. Not
 *       {@code CONFIG GET}: it returns {@code masterauth} in plaintext, the replication user's
 *       password, with which anyone could PSYNC a full copy of the data. Not {@code SLOWLOG GET}
 *       either: slow-log entries carry command arguments, i.e. other tenants' keys and values.
 *       (redis_exporter needs {@code --config-command=-} then.)
 *   <li>gateway: {@link #CONNECTION} only, no keys, no channels; its own health checks and topology
 *       discovery.
 *   <li>one user per client: see {@link #client}.
 * </ul>
 */
public final class AclRules {
  public static final String DEFAULT = "default";
  public static final String OPERATOR = "_operator";
  public static final String REPLICATION = "_replication";
  public static final String SENTINEL = "_sentinel";
  public static final String EXPORTER = "_exporter";
  public static final String GATEWAY = "_gateway";

  /**
   * Scratch user {@link AclReconciler} lets Redis normalise desired rules on; never desired itself.
   */
  static final String PROBE = "_probe";

  /** The channel Sentinel publishes and subscribes to on every monitored node. */
  static final String SENTINEL_HELLO_CHANNEL = "__sentinel__:hello";

  /**
   * What every Lettuce-based service user needs on its own connection, whatever it may touch: PING
   * (health checks, pool validation), CLUSTER NODES and INFO (Lettuce's cluster topology refresh
   * sends both to every node, periodically), the other read-only CLUSTER topology subcommands,
   * ASKING (follow ASK redirects while slots migrate), READONLY/READWRITE (reads from replicas) and
   * the client-name subcommands. AUTH and HELLO need no rule: Redis lets every user run them.
   *
   * <p>INFO is in {@code @dangerous} and Lettuce 7.7 copes without it, but every refused INFO would
   * land in ACL LOG, which should stay a clean record of real refusals. It shows server statistics
   * and per-database key counts, never key names or values.
   */
  static final List<String> CONNECTION =
      List.of(
          "+ping",
          "+info",
          "+asking",
          "+readonly",
          "+readwrite",
          "+cluster|info",
          "+cluster|myid",
          "+cluster|nodes",
          "+cluster|shards",
          "+cluster|slots",
          "+client|getname",
          "+client|id",
          "+client|setname");

  /**
   * Taken away from every client after its categories. {@code -@dangerous -@admin} removes
   * FLUSHALL, FLUSHDB, KEYS, SWAPDB, MIGRATE, RESTORE, SORT, CONFIG, DEBUG and the like. The rest
   * are not dangerous to Redis but cross tenants, since they take no key and so escape the key
   * pattern: SCAN and RANDOMKEY list other clients' key names, DBSIZE counts them, and FUNCTION (in
   * {@code @write} in Redis 7.0: FUNCTION FLUSH/DELETE/LOAD/RESTORE) would let one client replace
   * or wipe the functions of all.
   */
  static final List<String> CLIENT_DENIED =
      List.of("-@dangerous", "-@admin", "-scan", "-randomkey", "-dbsize", "-function");

  /**
   * Operator first, default last, everything else in between, in its given order (the sort is
   * stable).
   */
  static final Comparator<AclUser> APPLY_ORDER =
      Comparator.comparingInt(
          user -> OPERATOR.equals(user.name()) ? 0 : DEFAULT.equals(user.name()) ? 2 : 1);

  private AclRules() {}

  public static AclUser defaultUser() {
    return new AclUser(DEFAULT, false, List.of(), List.of(), List.of(), List.of());
  }

  public static AclUser operator(Collection<String> passwordHashes) {
    return new AclUser(
        OPERATOR, true, List.copyOf(passwordHashes), List.of("*"), List.of("*"), List.of("+@all"));
  }

  public static AclUser replication(Collection<String> passwordHashes) {
    // The pod's only password, so its own scripts use it too: the readiness probe (ping, cluster
    // info) and the Cluster-mode preStop hand-over (role, info, cluster failover on its replica,
    // and client pause/unpause: the master holds writes until the hand-over is confirmed).
    return service(
        REPLICATION,
        passwordHashes,
        List.of(),
        List.of(
            "+psync",
            "+replconf",
            "+ping",
            "+cluster|info",
            "+info",
            "+role",
            "+cluster|failover",
            "+client|pause",
            "+client|unpause"));
  }

  public static AclUser sentinel(Collection<String> passwordHashes) {
    return service(
        SENTINEL,
        passwordHashes,
        List.of(SENTINEL_HELLO_CHANNEL),
        List.of(
            "+multi",
            "+exec",
            "+slaveof",
            "+ping",
            "+info",
            "+role",
            "+subscribe",
            "+publish",
            "+config|rewrite",
            "+client|setname",
            "+client|kill",
            "+script|kill"));
  }

  public static AclUser exporter(Collection<String> passwordHashes) {
    return service(
        EXPORTER,
        passwordHashes,
        List.of(),
        List.of(
            "+ping",
            "+info",
            "+client|setname",
            "+cluster|info",
            "+latency|latest",
            "+latency|histogram",
            "+slowlog|len"));
  }

  /**
   * The gateway's shared connection: health, leases and the Pub/Sub fan-out for every client, and
   * all data traffic when mTLS is off (no per-client identity). So: every key and channel (Redis
   * checks PSUBSCRIBE patterns literally against channel rules, so nothing narrower works), every
   * client permission, and still none of the dangerous, admin and key-space-enumerating commands
   * clients are denied. With mTLS on, each client's own data traffic runs as that client's user,
   * which Redis confines to its prefix.
   */
  public static AclUser gateway(Collection<String> passwordHashes) {
    ClientSpec everything = new ClientSpec();
    everything.name = GATEWAY;
    everything.keyPrefix = "";
    everything.channelPrefix = "";
    everything.permissions = List.of(Permission.READ, Permission.WRITE, Permission.PUBSUB);
    return client(everything, passwordHashes);
  }

  /**
   * A client's user: its keys, its channels, the categories of its permissions, nothing else.
   *
   * <ul>
   *   <li>keys {@code ~<keyPrefix>*}, only with read or write. GetOrLease's lease key is the cached
   *       key plus {@code ":\0lease"}, so it lies inside the prefix and needs no pattern of its
   *       own;
   *   <li>read: {@code +@read};
   *   <li>write: {@code +@write +eval}. The gateway runs two tiny Lua scripts (compare-and-set, and
   *       delete-the-lease-if-still-ours) that must be atomic. EVAL is safe to grant: every {@code
   *       redis.call} inside a script is checked against this same user's ACL, commands and keys
   *       alike, so a script can do nothing the client could not do directly, and only the gateway,
   *       with fixed scripts, talks to Redis as this user. EVALSHA, SCRIPT and FUNCTION/FCALL stay
   *       off: the gateway does not use them, and SCRIPT FLUSH / FUNCTION would reach every
   *       tenant's scripts;
   *   <li>pubsub: {@code +@pubsub -pubsub} with {@code &<channelPrefix>*} (no channel at all
   *       without a channel prefix). The PUBSUB introspection subcommands are taken away because
   *       they list and count other tenants' channels and take no channel argument for the pattern
   *       to check. Note that Redis matches a PSUBSCRIBE pattern literally against the channel
   *       patterns: this user may PSUBSCRIBE {@code <channelPrefix>*} but no narrower pattern;
   *   <li>then always {@link #CLIENT_DENIED}, and last {@link #CONNECTION} (after the denials,
   *       because INFO is in {@code @dangerous}).
   * </ul>
   */
  public static AclUser client(ClientSpec client, Collection<String> passwordHashes) {
    if (DEFAULT.equals(client.name)) {
      throw new IllegalArgumentException(
          "a client may not be named 'default': that is Redis' built-in user");
    }
    Set<Permission> permissions = EnumSet.noneOf(Permission.class);
    permissions.addAll(client.permissions);
    boolean keys = permissions.contains(Permission.READ) || permissions.contains(Permission.WRITE);
    boolean pubsub = permissions.contains(Permission.PUBSUB);

    List<String> commands = new ArrayList<>();
    if (permissions.contains(Permission.READ)) {
      commands.add("+@read");
    }
    if (permissions.contains(Permission.WRITE)) {
      commands.addAll(List.of("+@write", "+eval"));
    }
    if (pubsub) {
      commands.addAll(List.of("+@pubsub", "-pubsub"));
    }
    commands.addAll(CLIENT_DENIED);
    commands.addAll(CONNECTION);
    return new AclUser(
        client.name,
        true,
        List.copyOf(passwordHashes),
        keys ? List.of(globEscape(client.keyPrefix) + "*") : List.of(),
        pubsub && client.channelPrefix != null
            ? List.of(globEscape(client.channelPrefix) + "*")
            : List.of(),
        commands);
  }

  /**
   * Every user of a cache, in the order they must be applied: operator first (it must exist before
   * anything can lock it out), the other service users, the clients by name, default last.
   *
   * @param passwordHashes SHA-256 hashes per user name; every user but default needs at least one
   */
  public static List<AclUser> desired(
      List<ClientSpec> clients, Map<String, ? extends Collection<String>> passwordHashes) {
    List<AclUser> users =
        new ArrayList<>(
            List.of(
                operator(hashes(passwordHashes, OPERATOR)),
                replication(hashes(passwordHashes, REPLICATION)),
                sentinel(hashes(passwordHashes, SENTINEL)),
                exporter(hashes(passwordHashes, EXPORTER)),
                gateway(hashes(passwordHashes, GATEWAY))));
    Set<String> seen = new HashSet<>();
    clients.stream()
        .sorted(Comparator.comparing((ClientSpec c) -> c.name))
        .forEach(
            client -> {
              if (!seen.add(client.name)) {
                throw new IllegalArgumentException("client " + client.name + " is declared twice");
              }
              users.add(client(client, hashes(passwordHashes, client.name)));
            });
    users.add(defaultUser());
    return List.copyOf(users);
  }

  /**
   * Escapes Redis glob metacharacters so a prefix matches only itself: {@code \ * ? [ ]}. The CRD
   * already forbids {@code * ? [ ]} in prefixes but not the backslash, which is Redis' own escape
   * character: an unescaped {@code a\b:} would match {@code ab:} (another prefix), not {@code
   * a\b:}.
   */
  public static String globEscape(String literal) {
    StringBuilder escaped = new StringBuilder(literal.length() + 4);
    for (char c : literal.toCharArray()) {
      if (c == '\\' || c == '*' || c == '?' || c == '[' || c == ']') {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  private static AclUser service(
      String name,
      Collection<String> passwordHashes,
      List<String> channels,
      List<String> commands) {
    return new AclUser(name, true, List.copyOf(passwordHashes), List.of(), channels, commands);
  }

  private static Collection<String> hashes(
      Map<String, ? extends Collection<String>> passwordHashes, String user) {
    Collection<String> hashes = passwordHashes.get(user);
    if (hashes == null || hashes.isEmpty()) {
      throw new IllegalArgumentException("no password hash for ACL user " + user);
    }
    return hashes;
  }
}
