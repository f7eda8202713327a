package io.redisgrpc.operator.model;

import io.redisgrpc.operator.crd.MemorySpec;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.RedisSpec;
import io.redisgrpc.operator.crd.SentinelSpec;
import io.redisgrpc.operator.redis.acl.AclRules;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders redis.conf and sentinel.conf. The file is split into two parts on purpose:
 *
 * <ul>
 *   <li>{@link #restartRequired}: directives Redis reads only at start (ports, cluster mode,
 *       persistence files). Their hash goes into the pod template, so a change rolls the pods.
 *   <li>{@link #live}: directives Redis accepts through CONFIG SET (memory policy). A change
 *       updates the ConfigMap, for the next start, and is applied live on every node; pods are not
 *       restarted.
 * </ul>
 *
 * Pure: no I/O.
 */
public final class RedisConfig {
  private RedisConfig() {}

  /** Where the ConfigMap (redis.conf, sentinel.conf, start-redis.sh) is mounted. */
  public static final String CONFIG_DIR = "/etc/redis";

  public static final String ACL_DIR = "/etc/redis-acl";
  public static final String ACL_FILE = ACL_DIR + "/users.acl";
  public static final String CREDENTIALS_DIR = "/etc/redis-credentials";
  static final String AUTH_INCLUDE = "/tmp/redis-auth.conf";

  /** Cluster mode: the node's identity and view of the cluster, on the data volume. */
  public static final String CLUSTER_CONFIG_FILE = "/data/nodes.conf";

  /**
   * Shell that writes the replication password into the include file redis.conf names; run before
   * redis-server starts. The password stays out of the ConfigMap and the command line.
   */
  public static String writeAuthInclude() {
    return "printf 'masterauth %s\\n' \"$(cat "
        + CREDENTIALS_DIR
        + "/"
        + AclRules.REPLICATION
        + ")\" > "
        + AUTH_INCLUDE;
  }

  public static String redisConf(RedisGrpcCache cache) {
    return String.join("\n", restartRequired(cache.getSpec().redis))
        + "\n"
        + tlsBlock(TlsRendering.redisConf(cache))
        + String.join("\n", live(cache.getSpec().redis))
        + "\n";
  }

  public static List<String> restartRequired(RedisSpec redis) {
    List<String> lines = new ArrayList<>();
    lines.add("# Read at start only; a change rolls the pods.");
    lines.add("port " + Names.REDIS_PORT);
    lines.add("bind * -::*");
    lines.add("protected-mode no");
    lines.add("dir /data");
    lines.add("daemonize no");
    lines.add("logfile \"\"");
    // Users come from the ACL Secret at start (default off), so a restarted pod is never open.
    lines.add("aclfile " + ACL_FILE);
    lines.add("masteruser " + AclRules.REPLICATION);
    // masterauth: written by the start command from the credentials Secret, never in a ConfigMap.
    lines.add("include " + AUTH_INCLUDE);
    PersistenceMode persistence =
        redis.persistence == null ? PersistenceMode.None : redis.persistence.mode;
    boolean rdb = persistence == PersistenceMode.RDB || persistence == PersistenceMode.RDBAndAOF;
    boolean aof = persistence == PersistenceMode.AOF || persistence == PersistenceMode.RDBAndAOF;
    lines.add(rdb ? "save 3600 1 300 100 60 10000" : "save \"\"");
    lines.add("appendonly " + (aof ? "yes" : "no"));
    if (aof) {
      lines.add("appendfsync everysec");
    }
    if (redis.mode == RedisMode.Cluster) {
      lines.add("cluster-enabled yes");
      lines.add("cluster-config-file " + CLUSTER_CONFIG_FILE);
      lines.add("cluster-node-timeout 5000");
      lines.add("cluster-require-full-coverage no");
      lines.add("cluster-allow-reads-when-down yes");
    }
    return lines;
  }

  /** Directives applied live with CONFIG SET; maxmemory in bytes from {@link MemoryPlan}. */
  public static List<String> live(RedisSpec redis) {
    MemorySpec memory = redis.memory == null ? new MemorySpec() : redis.memory;
    List<String> lines = new ArrayList<>();
    lines.add("# Applied live with CONFIG SET; no restart.");
    lines.add("maxmemory " + MemoryPlan.maxmemoryBytes(redis));
    lines.add("maxmemory-policy " + memory.evictionPolicy.redisName());
    lines.add("lfu-log-factor " + memory.lfuLogFactor);
    lines.add("lfu-decay-time " + memory.lfuDecayTime);
    return lines;
  }

  /** sentinel.conf; copied to a writable volume at start because Sentinel rewrites it. */
  public static String sentinelConf(RedisGrpcCache cache) {
    SentinelSpec sentinel = cache.getSpec().redis.sentinelOrDefault();
    String namespace = cache.getMetadata().getNamespace();
    String firstMaster =
        Names.podHost(Names.redis(cache), 0, Names.redisHeadless(cache), namespace);
    return String.join(
            "\n",
            "port " + Names.SENTINEL_PORT,
            "dir /data",
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
            "sentinel monitor "
                + Names.SENTINEL_MASTER_NAME
                + " "
                + firstMaster
                + " "
                + Names.REDIS_PORT
                + " "
                + sentinel.quorum,
            // auth-pass is appended at start from the credentials Secret (see
            // RedisWorkloads.sentinel).
            "sentinel auth-user " + Names.SENTINEL_MASTER_NAME + " " + AclRules.SENTINEL,
            "sentinel down-after-milliseconds " + Names.SENTINEL_MASTER_NAME + " 5000",
            "sentinel failover-timeout " + Names.SENTINEL_MASTER_NAME + " 60000",
            "sentinel parallel-syncs " + Names.SENTINEL_MASTER_NAME + " 1")
        + "\n"
        + tlsBlock(TlsRendering.sentinelConf(cache));
  }

  /**
   * Init script of a sentinel pod: copies sentinel.conf to its writable volume (Sentinel rewrites
   * it) with this pod's announce address and the password it monitors with, and monitors the master
   * that is one now rather than pod 0 of the rendered file: the one the other sentinels name, else
   * a data pod acting as master ({@code acting_master}), waiting up to {@link #SEED_WAIT_SECONDS}
   * for one while the data pods compare their offsets, else pod 0. A sentinel that restarts alone
   * thus joins its peers' view, and sentinels that all restart at once follow the pod with the
   * newest data rather than name pod 0 before the data pods chose.
   */
  public static String sentinelSeedScript(RedisGrpcCache cache) {
    String namespace = cache.getMetadata().getNamespace();
    String firstMaster =
        Names.podHost(Names.redis(cache), 0, Names.redisHeadless(cache), namespace)
            + " "
            + Names.REDIS_PORT;
    String sentinelUser = AclRules.SENTINEL;
    String monitor = "sentinel monitor " + Names.SENTINEL_MASTER_NAME + " ";
    return String.join(
            "\n",
            "#!/bin/sh",
            "set -eu",
            sentinelShellFunctions(cache),
            dataPodFunctions(cache, sentinelUser),
            "master=$(master_addr)",
            // Data pods that all restarted at once first compare their offsets (newest_pod): wait
            // for
            // the one they choose rather than monitor pod 0 before they are done.
            "waited=0",
            "while [ -z \"$master\" ] && [ $waited -lt " + SEED_WAIT_SECONDS + " ]; do",
            "  master=$(acting_master); [ -n \"$master\" ] || { sleep 1; waited=$((waited + 1)); }",
            "done",
            "[ -n \"$master\" ] || master=\"" + firstMaster + "\"",
            "echo \"monitoring $master\"",
            "sed \"s|^"
                + monitor
                + firstMaster
                + " |"
                + monitor
                + "$master |\" "
                + CONFIG_DIR
                + "/sentinel.conf > /data/sentinel.conf",
            "echo \"sentinel announce-ip ${POD_NAME}."
                + Names.sentinelHeadless(cache)
                + "."
                + namespace
                + ".svc\" >> /data/sentinel.conf",
            "printf 'sentinel auth-pass "
                + Names.SENTINEL_MASTER_NAME
                + " %s\\n' \"$(cat "
                + CREDENTIALS_DIR
                + "/"
                + sentinelUser
                + ")\" >> /data/sentinel.conf")
        + "\n";
  }

  public static final String SENTINEL_SEED_SCRIPT = "seed-sentinel.sh";

  /** How long a sentinel's init waits for a data pod to act as master before it monitors pod 0. */
  static final int SEED_WAIT_SECONDS = 150;

  /**
   * How many data pods the cache has now (Sentinel mode), read by the scripts at start. A file of
   * the ConfigMap rather than script text: it changes on scaling, and must not roll the pods.
   */
  public static final String POD_COUNT_FILE = "redis-pods";

  /** The TLS directives (after the plaintext ones, which they override), or nothing without TLS. */
  private static String tlsBlock(List<String> lines) {
    return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
  }

  /** The files of the cache's ConfigMap, by key: what the pods mount at {@link #CONFIG_DIR}. */
  public static SortedMap<String, String> configFiles(RedisGrpcCache cache) {
    SortedMap<String, String> files = new TreeMap<>();
    files.put("redis.conf", redisConf(cache));
    if (cache.getSpec().redis.mode == RedisMode.Sentinel) {
      files.put("sentinel.conf", sentinelConf(cache));
      files.put(START_SCRIPT, sentinelModeStartScript(cache));
      files.put(SENTINEL_SEED_SCRIPT, sentinelSeedScript(cache));
      files.put(POD_COUNT_FILE, String.valueOf(RedisWorkloads.redisPods(cache.getSpec().redis)));
    } else {
      files.put(STOP_SCRIPT, clusterModeStopScript(cache));
    }
    return files;
  }

  public static final String START_SCRIPT = "start-redis.sh";
  public static final String STOP_SCRIPT = "stop-redis.sh";

  /**
   * Shell functions both Sentinel-mode scripts use: {@code self} (this pod's stable name), {@code
   * ask} (the sentinels, through their Service), {@code master_addr} ("host port" of the master
   * they name; empty when none answers) and {@code is_me}. Addresses are compared as host and port,
   * as the sentinels give them.
   */
  private static String sentinelShellFunctions(RedisGrpcCache cache) {
    String namespace = cache.getMetadata().getNamespace();
    String sentinelService = Names.serviceHost(Names.sentinel(cache), namespace);
    String tls =
        TlsRendering.redisCliArgs(cache).stream().map(a -> " " + a).collect(Collectors.joining());
    return String.join(
        "\n",
        "self=\"${HOSTNAME}." + Names.redisHeadless(cache) + "." + namespace + ".svc\"",
        // Every call is bounded: a script must not hang a pod's start or outlive its grace period.
        "ask() { timeout 3 redis-cli -h "
            + sentinelService
            + " -p "
            + Names.SENTINEL_PORT
            + tls
            + " --raw \"$@\" 2>/dev/null || true; }",
        "master_addr() { ask sentinel get-master-addr-by-name "
            + Names.SENTINEL_MASTER_NAME
            + " | head -n 2 | tr '\\n' ' ' | sed 's/ *$//'; }",
        "is_me() { [ \"$1\" = \"$self "
            + Names.REDIS_PORT
            + "\" ] || [ \"$1\" = \"${POD_IP:-} "
            + Names.REDIS_PORT
            + "\" ]; }");
  }

  /**
   * Shell functions that ask the data pods, each with a bounded redis-cli as {@code user} (whose
   * password file is in the credentials volume): {@code info_of "HOST PORT"} (INFO replication,
   * this pod's own server on loopback) and {@code data_pods} (every name a data pod can have, in
   * ordinal order, as many as the cache has now).
   *
   * <p>{@code acting_master}: "host port" of the data pod that acts as master now (role:master; the
   * highest offset when several do), other than this pod; empty when none does. Asked only when no
   * sentinel names a master: after every pod of the cache restarted at once, fresh sentinels know
   * nothing, while a data pod may already act as master. Whoever starts then (a data pod, or a
   * sentinel seeding its configuration) follows that pod instead of pod 0, so two pods never both
   * take writes.
   */
  private static String dataPodFunctions(RedisGrpcCache cache, String user) {
    String namespace = cache.getMetadata().getNamespace();
    String tls =
        TlsRendering.redisCliArgs(cache).stream().map(a -> " " + a).collect(Collectors.joining());
    // Every name a data pod can have, so the script (part of the pods' restart hash) does not
    // change when the cache scales; how many pods there are now is read from POD_COUNT_FILE.
    List<String> pods = new ArrayList<>();
    for (int ordinal = 0; ordinal < SentinelSpec.MAX_REPLICAS; ordinal++) {
      pods.add(
          "\""
              + Names.podHost(Names.redis(cache), ordinal, Names.redisHeadless(cache), namespace)
              + " "
              + Names.REDIS_PORT
              + "\"");
    }
    return String.join(
        "\n",
        "data_pods() {",
        "  count=$(cat " + CONFIG_DIR + "/" + POD_COUNT_FILE + " 2>/dev/null || echo 1); listed=0",
        "  for pod in " + String.join(" ", pods) + "; do",
        "    [ \"$listed\" -lt \"$count\" ] || break",
        "    listed=$((listed + 1)); echo \"$pod\"",
        "  done",
        "}",
        "info_of() {",
        "  address=\"$1\"; if is_me \"$address\"; then address=\"127.0.0.1 "
            + Names.REDIS_PORT
            + "\"; fi",
        "  REDISCLI_AUTH=\"$(cat "
            + CREDENTIALS_DIR
            + "/"
            + user
            + ")\" timeout 3 redis-cli -h \"${address% *}\" -p \"${address#* }\""
            + tls
            + " --no-auth-warning --user "
            + user
            + " --raw info replication 2>/dev/null | tr -d '\\r' || true",
        "}",
        "offset_in() { echo \"$1\" | sed -n 's/^master_repl_offset://p'; }",
        "acting_master() {",
        "  best=''; best_offset=-1",
        "  for pod in $(data_pods | tr ' ' '|'); do",
        "    pod=$(echo \"$pod\" | tr '|' ' ')",
        "    if is_me \"$pod\"; then continue; fi",
        "    info=$(info_of \"$pod\")",
        "    case \"$info\" in *role:master*) ;; *) continue ;; esac",
        "    offset=$(offset_in \"$info\")",
        "    if [ \"${offset:-0}\" -gt \"$best_offset\" ]; then best=\"$pod\"; best_offset=\"${offset:-0}\"; fi",
        "  done",
        "  echo \"$best\"",
        "}");
  }

  /**
   * {@code newest_pod}: with no master anywhere (every data pod restarted at once, or the first
   * start), which data pod has the newest data set: the highest replication offset among the pods,
   * ties to the lowest ordinal. Every pod loads its data set read-only first (see the start
   * script), so each reads the same offsets and all choose the same pod. A replica's copy can lack
   * the old master's last acknowledged writes; the old master's RDB (saved at its SIGTERM) holds
   * them, so taking pod 0's would lose them. Waits up to 30 s for every pod to answer, then settles
   * for a majority: two pods that each see only themselves must not both start as master. Without a
   * majority it follows the master the sentinels name once they name one (pod 0, after their seed
   * gave up waiting). A pod that already acts as master wins at once. Empty when this pod's own
   * server ({@code $loader}) exited.
   */
  private static String newestPodFunction() {
    return String.join(
        "\n",
        "newest_pod() {",
        "  count=$(data_pods | wc -l); waited=0",
        "  while :; do",
        "    kill -0 \"$loader\" 2>/dev/null || { echo 'redis-server did not load the data set (see above)' >&2; return; }",
        "    best=''; best_offset=-1; answered=0",
        "    for pod in $(data_pods | tr ' ' '|'); do",
        "      pod=$(echo \"$pod\" | tr '|' ' ')",
        "      info=$(info_of \"$pod\")",
        "      case \"$info\" in",
        "        *role:master*) if ! is_me \"$pod\"; then echo \"$pod\"; return; fi ;;",
        "        *role:slave*) ;;",
        "        *) continue ;;",
        "      esac",
        "      answered=$((answered + 1)); offset=$(offset_in \"$info\")",
        "      if [ \"${offset:-0}\" -gt \"$best_offset\" ]; then best=\"$pod\"; best_offset=\"${offset:-0}\"; fi",
        "    done",
        "    if [ \"$answered\" -ge \"$count\" ] || { [ \"$waited\" -ge 30 ] && [ $((answered * 2)) -gt \"$count\" ]; }; then",
        "      echo \"offsets compared: $answered of $count pods answered, $best has the newest data set (offset $best_offset)\" >&2",
        "      echo \"$best\"; return",
        "    fi",
        // Without a majority, the sentinels decide (they name pod 0 after SEED_WAIT_SECONDS).
        "    named=$(master_addr); if [ -n \"$named\" ]; then echo \"$named\"; return; fi",
        "    sleep 1; waited=$((waited + 1))",
        "  done",
        "}");
  }

  /**
   * {@code own [-h HOST -p PORT] ARGS}: redis-cli as the replication user, the one password a pod
   * holds, against this pod's Redis unless another node is named; bounded to 3 s.
   */
  private static String replicationCliFunction(RedisGrpcCache cache) {
    String tls =
        TlsRendering.redisCliArgs(cache).stream().map(a -> " " + a).collect(Collectors.joining());
    String replication = AclRules.REPLICATION;
    return "own() { REDISCLI_AUTH=\"$(cat "
        + CREDENTIALS_DIR
        + "/"
        + replication
        + ")\" timeout 3 redis-cli -p "
        + Names.REDIS_PORT
        + tls
        + " --no-auth-warning --user "
        + replication
        + " --raw \"$@\" 2>/dev/null || true; }";
  }

  /**
   * preStop script of a Cluster-mode pod: a master stopped on purpose (pod deleted, rolling update,
   * node drained) first has one of its replicas take over with CLUSTER FAILOVER. That is Redis'
   * coordinated failover: the master pauses its clients, the replica catches up to its offset, then
   * takes the slots over, so nothing acknowledged is lost, and clients are redirected (MOVED)
   * instead of waiting on a pod that is going away until it is declared failed
   * (cluster-node-timeout). Only a replica that has finished its sync is asked (one still in its
   * first sync would keep the master's clients paused until it is done). A replica, or a master
   * without a synced replica, stops as before. Bounded well within the pod's 30 s grace period.
   *
   * <p>The master pauses writes itself ({@code CLIENT PAUSE WRITE}) before it asks and lifts the
   * pause only once it is a replica (held writes are then answered with MOVED). The failover's own
   * pause ends after seconds even when the promotion was never confirmed to the master: the replica
   * may have won and been killed (every pod deleted at once; it wins again when the cluster
   * re-forms), or no majority was left to vote. Writes the master acknowledged meanwhile would be
   * lost, so an unconfirmed hand-over leaves the pause in force (longer than the grace period) and
   * SIGTERM's shutdown saves the data set with nothing acknowledged after it. A master that cannot
   * pause does not hand over.
   *
   * <p>After a confirmed hand-over the pod stays up until clients stop being redirected: a client
   * that has not re-read the slot map yet still sends writes here, answered MOVED; had Redis
   * stopped, such a write would wait for its deadline instead.
   */
  public static String clusterModeStopScript(RedisGrpcCache cache) {
    return String.join(
            "\n",
            "#!/bin/sh",
            "set -u",
            replicationCliFunction(cache),
            "[ \"$(own role | head -n 1)\" = master ] || exit 0",
            // A replica that has finished its sync (state=online), as "ip port".
            "replica=$(own info replication | tr -d '\\r' | sed -n 's/^slave[0-9]*:ip=\\([^,]*\\),port=\\([0-9]*\\),state=online,.*/\\1 \\2/p' | head -n 1)",
            "[ -n \"$replica\" ] || exit 0",
            // Clients learn the new master from this node's MOVED replies and then re-read the slot
            // map; a write that reaches this node while Redis stops waits for its deadline. So the
            // hook stays until no client has been redirected for DRAIN_QUIET_TENTHS (at most
            // DRAIN_MAX_TENTHS).
            "moved() { own info errorstats | tr -d '\\r' | sed -n 's/^errorstat_MOVED:count=//p'; }",
            "drain() {",
            "  last=$(moved); quiet=0; waited=0",
            "  while [ $quiet -lt "
                + DRAIN_QUIET_TENTHS
                + " ] && [ $waited -lt "
                + DRAIN_MAX_TENTHS
                + " ]; do",
            "    sleep 0.1; waited=$((waited + 1)); now=$(moved)",
            "    if [ \"$now\" = \"$last\" ]; then quiet=$((quiet + 1)); else quiet=0; last=$now; fi",
            "  done",
            "  echo \"handed over; clients redirected ${last:-0} times, stopped after $waited checks\"",
            "}",
            "[ \"$(own client pause " + HAND_OVER_PAUSE_MILLIS + " write)\" = OK ] || exit 0",
            "answer=$(own -h \"${replica% *}\" -p \"${replica#* }\" cluster failover)",
            "if [ \"$answer\" != OK ]; then",
            "  own client unpause >/dev/null",
            "  echo \"CLUSTER FAILOVER answered ${answer:-nothing}: not handed over\"",
            "  exit 0",
            "fi",
            "tries=0",
            "while [ $tries -lt 100 ]; do",
            "  if [ \"$(own role | head -n 1)\" = slave ]; then",
            "    own client unpause >/dev/null",
            "    drain",
            "    exit 0",
            "  fi",
            "  sleep 0.1; tries=$((tries + 1))",
            "done",
            "echo \"hand-over not confirmed in 10 s: writes stay paused until Redis stops\"")
        + "\n";
  }

  /**
   * After a hand-over, how long no client may have been redirected before the pod stops (0.1 s
   * units).
   */
  static final int DRAIN_QUIET_TENTHS = 5;

  /**
   * ... and how long the hook waits for that at most (0.1 s units), well within the grace period.
   */
  static final int DRAIN_MAX_TENTHS = 50;

  /**
   * How long the preStop hand-over pauses writes at most: longer than the pod's 30 s grace period.
   */
  static final int HAND_OVER_PAUSE_MILLIS = 60_000;

  /**
   * Start script of a Sentinel-mode data pod: replicate from the master the sentinels name, so a
   * restarted pod never comes back as a second master; else from a data pod acting as master; only
   * when there is none (first start, or every pod restarted at once) do the pods compare the
   * offsets of their data sets and the newest one starts as master ({@code newest_pod}).
   *
   * <p>A pod that the sentinels still name master when it starts (it went away for less than
   * down-after-milliseconds) restarts without its data set, or with an older one, while its
   * replicas hold the newest. Starting as master would make every replica resync from it and wipe
   * them. So when the sentinels know a replica, the pod first asks them for a failover (SENTINEL
   * FAILOVER promotes the replica with the newest offset), waits until another master is named, and
   * starts as its replica. Only when no replica can take over (NOGOODSLAVE, e.g. every pod
   * restarted at once) does it start as master with what it has.
   *
   * <p>Addresses are compared as host and port, as the sentinels give them.
   */
  public static String sentinelModeStartScript(RedisGrpcCache cache) {
    String name = Names.SENTINEL_MASTER_NAME;
    return String.join(
            "\n",
            "#!/bin/sh",
            "set -eu",
            writeAuthInclude(),
            sentinelShellFunctions(cache),
            dataPodFunctions(cache, AclRules.REPLICATION),
            newestPodFunction(),
            "master=$(master_addr)",
            "if [ -n \"$master\" ] && is_me \"$master\" && [ -n \"$(ask sentinel replicas "
                + name
                + ")\" ]; then",
            "  reply=$(ask sentinel failover " + name + ")",
            "  echo \"named master by the sentinels at start, with replicas: SENTINEL FAILOVER answered ${reply:-nothing}\"",
            "  case \"$reply\" in",
            "    OK|*INPROG*)",
            "      waited=0",
            "      while [ $waited -lt 30 ]; do",
            "        master=$(master_addr)",
            "        if [ -n \"$master\" ] && ! is_me \"$master\"; then break; fi",
            "        sleep 1; waited=$((waited + 1))",
            "      done ;;",
            "  esac",
            "fi",
            "if [ -z \"$master\" ]; then",
            "  master=$(acting_master)",
            "  [ -z \"$master\" ] || echo \"no sentinel names a master; $master acts as master\"",
            "fi",
            "if [ -z \"$master\" ]; then",
            "  echo \"no sentinel names a master and no pod acts as one: loading the data set read-only to compare offsets\"",
            // A replica of an address where nothing listens: it loads the data set, answers INFO
            // with its offset and takes no writes. Stopped with SIGKILL: it changed nothing on
            // disk.
            "  redis-server "
                + CONFIG_DIR
                + "/redis.conf --replica-announce-ip \"$self\" --replicaof 127.0.0.1 1 &",
            "  loader=$!",
            "  master=$(newest_pod)",
            "  kill -KILL \"$loader\" 2>/dev/null || true; wait \"$loader\" 2>/dev/null || true",
            "  [ -n \"$master\" ] || exit 1",
            "fi",
            // Sentinel runs with announce-hostnames, so a replica announces its stable DNS name:
            // replica-announce-ip takes a hostname too (there is no replica-announce-hostname).
            "if is_me \"$master\"; then",
            "  exec redis-server " + CONFIG_DIR + "/redis.conf --replica-announce-ip \"$self\"",
            "fi",
            "echo \"replicating from $master\"",
            "exec redis-server "
                + CONFIG_DIR
                + "/redis.conf --replica-announce-ip \"$self\" --replicaof $master")
        + "\n";
  }
}
