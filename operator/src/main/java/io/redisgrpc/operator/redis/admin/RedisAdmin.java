package io.redisgrpc.operator.redis.admin;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.RedisTls;
import io.redisgrpc.operator.redis.ReplicationRole;
import io.redisgrpc.operator.redis.acl.AclChanges;
import io.redisgrpc.operator.redis.acl.AclReconciler;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.acl.AclUser;
import io.redisgrpc.operator.redis.cluster.ClusterFormation;
import io.redisgrpc.operator.redis.cluster.NodeConnections;
import io.redisgrpc.operator.redis.config.LiveConfig;
import io.redisgrpc.operator.redis.sentinel.SentinelAdmin;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One round of Redis-side work for a cache, as the reconciler asks for it: bring ACL users,
 * replication credentials and live settings to every node, then one step of cluster formation
 * (Cluster mode) or of sentinel upkeep (Sentinel mode). It only talks to Redis; what to want comes
 * in as a {@link Desired}, what was seen goes out as an {@link Observation}.
 *
 * <p>A round never waits for Redis to settle (gossip, failover): it does what is possible now and
 * reports, and the reconciler requeues.
 *
 * <p>What needs no connection to decide (which pod the sentinels' master is, whether it must leave
 * a leaving pod, whether a formation step runs, when a paused master's replica has caught up) is
 * {@link AdminPlanner}'s; this class reads and sends.
 *
 * <h2>Logging in</h2>
 *
 * The operator logs in as {@code _operator}, trying each of its passwords (current first: during a
 * rotation a node may not have the new one yet). A node that refuses them all but lets {@code
 * default} in is a fresh node that never loaded the ACL file (the pods load it at start, so in
 * practice only a Redis the operator adopts): it is bootstrapped over that connection, following
 * {@link AclReconciler#reconcileAllButDefault}'s order, and reached again as {@code _operator}
 * afterwards.
 */
public final class RedisAdmin {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final ClientResources resources;

  public RedisAdmin(ClientResources resources) {
    this.resources = resources;
  }

  public enum Mode {
    CLUSTER,
    SENTINEL
  }

  /**
   * @param nodes the data nodes in pod order (empty when none is ready yet)
   * @param operatorPasswords the operator's passwords to try, current first
   * @param replicationPassword what replicas log in with ({@code masterauth})
   * @param sentinelPassword what sentinels log in with
   * @param liveConfig directives for CONFIG SET ({@link
   *     io.redisgrpc.operator.model.RedisConfig#live})
   * @param aliases every "host:port" a node is known by (pod IP, pod DNS name), to its index in
   *     {@code nodes}: sentinels name the master by its announced hostname
   * @param complete {@code nodes} holds every pod of the cache: formation and resharding need all
   * @param leaving scaling down: pods to drain (Cluster mode) or to move the master off (Sentinel
   *     mode) before the StatefulSet may remove them
   * @param tls present when the cache runs TLS: every connection uses it
   */
  public record Desired(
      Mode mode,
      List<Endpoint> nodes,
      List<Sentinel> sentinels,
      int masters,
      int quorum,
      List<AclUser> users,
      List<String> operatorPasswords,
      String replicationPassword,
      String sentinelPassword,
      Map<String, String> liveConfig,
      Map<String, Integer> aliases,
      boolean complete,
      List<Endpoint> leaving,
      Optional<RedisTls> tls) {}

  /**
   * What a round saw and did.
   *
   * @param reached data nodes that answered
   * @param aclInSync every node has exactly the desired users (after this round's changes)
   * @param replicationAuthCurrent every node's masteruser/masterauth is the desired one
   * @param liveConfigApplied every node runs the desired live directives
   * @param cluster the formation step's result (Cluster mode), or null
   * @param master Sentinel mode: the index in {@code nodes} of the master a majority of sentinels
   *     names
   * @param sentinelsCurrent every sentinel monitors that master with the desired credentials
   * @param roles each reached node's place in replication, by its index in {@code nodes}
   */
  public record Observation(
      int expected,
      int reached,
      boolean aclInSync,
      boolean replicationAuthCurrent,
      boolean liveConfigApplied,
      List<String> actions,
      List<String> problems,
      ClusterFormation.Result cluster,
      Optional<Integer> master,
      boolean sentinelsCurrent,
      Map<Integer, ReplicationRole> roles) {
    public boolean allReached() {
      return expected > 0 && reached == expected;
    }
  }

  public Observation round(Desired desired) {
    List<String> actions = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Set<Endpoint> bootstrapped = new HashSet<>();
    Map<Endpoint, RedisCommands<String, String>> reached = new LinkedHashMap<>();
    boolean aclInSync;
    boolean replicationCurrent = true;
    Optional<Integer> master = Optional.empty();
    boolean sentinelsCurrent = false;
    boolean liveApplied;
    ClusterFormation.Result cluster = null;
    Map<Integer, ReplicationRole> roles = new LinkedHashMap<>();
    AdminPlanner plan = new AdminPlanner(desired);
    Logins logins = new Logins(desired.operatorPasswords(), desired.tls());
    try {
      for (Endpoint node : desired.nodes()) {
        try {
          reached.put(node, logins.connect(node, bootstrapped));
        } catch (RedisException e) {
          problems.add("cannot reach " + node.host() + ":" + node.port() + ": " + reason(e));
        }
      }
      aclInSync = reached.size() == desired.nodes().size();
      // Users first (default untouched), then replication credentials, then default off: a
      // replica that still replicates as default must switch before default goes.
      for (Map.Entry<Endpoint, RedisCommands<String, String>> node : reached.entrySet()) {
        aclInSync &= applyAcl(node, desired.users(), false, actions, problems);
      }
      for (Map.Entry<Endpoint, RedisCommands<String, String>> node : reached.entrySet()) {
        replicationCurrent &=
            applyReplicationAuth(node, desired.replicationPassword(), actions, problems);
      }
      // Sentinels get their credentials before default goes too: they may still monitor as default.
      if (desired.mode() == Mode.SENTINEL && !desired.sentinels().isEmpty()) {
        try (SentinelAdmin sentinels = new SentinelAdmin(resources, desired.tls())) {
          SentinelAdmin.Result result =
              sentinels.round(
                  desired.sentinels(),
                  desired.quorum(),
                  AclRules.SENTINEL,
                  desired.sentinelPassword());
          master = plan.masterPod(result.master());
          if (result.master().isPresent() && master.isEmpty()) {
            problems.add(
                "the sentinels name "
                    + result.master().get()
                    + " master, which is none of this cache's pods");
          }
          sentinelsCurrent = result.allCurrent();
          actions.addAll(result.actions());
          problems.addAll(result.problems());
          if (!desired.leaving().isEmpty()) {
            moveMasterOffLeavingPods(desired, plan, reached, master, sentinels, actions, problems);
          }
        }
      }
      for (Map.Entry<Endpoint, RedisCommands<String, String>> node : reached.entrySet()) {
        if (bootstrapped.contains(node.getKey())) {
          // Whoever is still logged in as default (a sentinel link from before its auth-pass was
          // set) reconnects now, with its own user, rather than linger without rights once
          // default is off and look like a dead master to its sentinel.
          killDefaultSessions(node, actions, problems);
        }
        aclInSync &= applyAcl(node, desired.users(), true, actions, problems);
      }
      replicationCurrent &= reached.size() == desired.nodes().size();

      if (!bootstrapped.isEmpty()) {
        // A bootstrap session ran as default, which is now off: the rest goes over fresh logins.
        logins.close();
        logins = new Logins(desired.operatorPasswords(), desired.tls());
      }
      liveApplied = reached.size() == desired.nodes().size();
      for (Endpoint node : reached.keySet()) {
        try {
          Map<String, String> changed =
              LiveConfig.apply(logins.connect(node, null), desired.liveConfig());
          if (!changed.isEmpty()) {
            actions.add("CONFIG SET " + changed + " on " + describe(node));
          }
        } catch (RedisException e) {
          liveApplied = false;
          problems.add("live config on " + describe(node) + ": " + e.getMessage());
        }
      }
      if (desired.tls().isPresent()) {
        for (Endpoint node : reached.keySet()) {
          reloadTlsFiles(node, logins.connect(node, null), problems);
        }
      }
      List<Endpoint> nodes = desired.nodes();
      for (int index = 0; index < nodes.size(); index++) {
        if (reached.containsKey(nodes.get(index))) {
          try {
            roles.put(
                index,
                ReplicationRole.fromInfo(
                    logins.connect(nodes.get(index), null).info("replication"), desired.aliases()));
          } catch (RedisException e) {
            problems.add(
                "replication state of " + describe(nodes.get(index)) + ": " + e.getMessage());
          }
        }
      }
      Optional<ClusterFormation.Options> formation = plan.formation(reached.size());
      if (formation.isPresent()) {
        cluster =
            new ClusterFormation(logins.connections, formation.get())
                .step(desired.nodes(), desired.masters(), desired.leaving());
        actions.addAll(cluster.actions());
      }
    } finally {
      logins.close();
    }
    return new Observation(
        desired.nodes().size(),
        reached.size(),
        aclInSync,
        replicationCurrent,
        liveApplied,
        actions,
        problems,
        cluster,
        master,
        sentinelsCurrent,
        roles);
  }

  /**
   * Has a replica take over from the master at {@code masterIndex} before the master's pod
   * restarts, losing no acknowledged write. Does not wait for the outcome: the next round sees the
   * new roles.
   *
   * <ul>
   *   <li>Cluster mode: CLUSTER FAILOVER on the replica at {@code replicaIndex}. Redis coordinates
   *       it: the master pauses its clients until the replica has caught up.
   *   <li>Sentinel mode: SENTINEL FAILOVER is not coordinated: the sentinels promote a replica
   *       first and demote the old master after, which would keep acknowledging writes until then,
   *       and those are lost when it resyncs. So the master first stops taking writes ({@code
   *       CLIENT PAUSE WRITE}, long enough for the failover), a replica is waited on until it has
   *       everything, and then the sentinels are asked. Once they name the promoted replica, the
   *       old master's clients are closed, and reconnect to the new one (see {@link
   *       #closeClientsOnceAnotherIsNamed}).
   * </ul>
   *
   * @return what was done, or why not
   */
  public String handOver(Desired desired, int masterIndex, int replicaIndex) {
    try (Logins logins = new Logins(desired.operatorPasswords(), desired.tls())) {
      if (desired.mode() == Mode.CLUSTER) {
        Endpoint replica = desired.nodes().get(replicaIndex);
        return "CLUSTER FAILOVER on "
            + describe(replica)
            + ": "
            + logins.connect(replica, null).clusterFailover(false);
      }
      Endpoint master = desired.nodes().get(masterIndex);
      try (SentinelAdmin sentinels = new SentinelAdmin(resources, desired.tls())) {
        return pausedSentinelFailover(
            desired, masterIndex, logins.connect(master, null), sentinels);
      }
    } catch (RedisException e) {
      return "hand-over failed: " + e.getMessage();
    }
  }

  /**
   * Sentinel mode: the master stops taking writes, one of its replicas catches up, then the
   * sentinels fail over (see {@link #handOver}). Writes resume on the old master only when no
   * failover was started.
   */
  private static String pausedSentinelFailover(
      Desired desired,
      int masterIndex,
      RedisCommands<String, String> master,
      SentinelAdmin sentinels) {
    String name = describe(desired.nodes().get(masterIndex));
    List<Sentinel> sentinelNodes = desired.sentinels();
    client(master, "PAUSE", String.valueOf(SENTINEL_HAND_OVER_PAUSE.toMillis()), "WRITE");
    if (!awaitReplicaCaughtUp(master)) {
      // Not unpaused: a failover asked for in an earlier round may be under way. The pause ends
      // by itself; a lagging replica costs held writes, never lost ones.
      return "no replica of "
          + name
          + " caught up within "
          + CATCH_UP.toSeconds()
          + " s: not handed over";
    }
    List<String> problems = new ArrayList<>();
    if (sentinels.failover(sentinelNodes, problems)) {
      return "writes paused on "
          + name
          + ", a replica caught up, SENTINEL FAILOVER requested; "
          + closeClientsOnceAnotherIsNamed(desired, masterIndex, master, sentinels);
    }
    // One already running (an earlier round's request): the pause must hold until it ends.
    if (!AdminPlanner.failoverUnderWay(problems)) {
      client(master, "UNPAUSE");
    }
    return "no sentinel accepted a failover: " + String.join("; ", problems);
  }

  /**
   * After SENTINEL FAILOVER: once a majority of the sentinels names another pod master, the paused
   * old master's clients are closed, so they reconnect and ask the sentinels. Left alone they would
   * wait until the sentinels demote it, and that happened only when the pause ended (30 s on the
   * node; most likely because a sentinel sends its hello PUBLISH on the same link as its commands,
   * a write pause holds PUBLISH, and the demotion waits behind it). Only the clients are closed;
   * the master is not demoted here (an earlier version demoted on a lagging sentinel's word and
   * once demoted the new master). Its writes stay paused, so nothing it could still acknowledge is
   * lost when the sentinels make it a replica.
   */
  private static String closeClientsOnceAnotherIsNamed(
      Desired desired,
      int masterIndex,
      RedisCommands<String, String> master,
      SentinelAdmin sentinels) {
    AdminPlanner plan = new AdminPlanner(desired);
    Optional<String> named =
        pollFor(
            PROMOTION,
            Duration.ofMillis(100),
            () ->
                sentinels
                    .namedMaster(desired.sentinels())
                    .filter(
                        address ->
                            plan.promotedAway(plan.masterPod(Optional.of(address)), masterIndex)));
    if (named.isEmpty()) {
      return "no other master named within "
          + PROMOTION.toSeconds()
          + " s: its clients wait until the sentinels demote it";
    }
    Long closed = master.clientKill(KillArgs.Builder.typeNormal().skipme(true));
    return "the sentinels name "
        + named.get()
        + ": closed "
        + closed
        + " client connection(s) of the old master, to reconnect to the new one";
  }

  /**
   * Asks {@code check} every {@code every} until it answers, for at most {@code within}; empty when
   * it never did (or the thread was interrupted).
   */
  private static <T> Optional<T> pollFor(
      Duration within, Duration every, Supplier<Optional<T>> check) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Optional<T> answer = check.get();
      if (answer.isPresent() || System.nanoTime() > deadline) {
        return answer;
      }
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
  }

  /** How long a hand-over waits for the sentinels to name the promoted replica. */
  static final Duration PROMOTION = Duration.ofSeconds(10);

  /** CLIENT PAUSE ... WRITE and CLIENT UNPAUSE, which Lettuce has no methods for. */
  private static String client(RedisCommands<String, String> redis, String... args) {
    CommandArgs<String, String> command = new CommandArgs<>(StringCodec.UTF8);
    for (String arg : args) {
      command.add(arg);
    }
    return redis.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), command);
  }

  /**
   * Long enough for the sentinels to promote a replica and then demote the old master. They demote
   * it only once the pause ends (see {@link #closeClientsOnceAnotherIsNamed}); the pause keeps it
   * from acknowledging a write until then, whoever is still connected.
   */
  static final Duration SENTINEL_HAND_OVER_PAUSE = Duration.ofSeconds(30);

  static final Duration CATCH_UP = Duration.ofSeconds(3);

  /**
   * Whether an online replica of this (paused) master reaches its replication offset within {@link
   * #CATCH_UP}.
   */
  private static boolean awaitReplicaCaughtUp(RedisCommands<String, String> master) {
    return pollFor(
            CATCH_UP,
            Duration.ofMillis(20),
            () ->
                Optional.of(true)
                    .filter(yes -> AdminPlanner.replicaCaughtUp(master.info("replication"))))
        .isPresent();
  }

  /**
   * Sentinel mode, replicas going down: leaving pods must never be promoted ({@code
   * replica-priority 0}), and a master on a leaving pod is failed over to a staying replica before
   * the StatefulSet may remove it (the reconciler holds it until then).
   */
  private static void moveMasterOffLeavingPods(
      Desired desired,
      AdminPlanner plan,
      Map<Endpoint, RedisCommands<String, String>> reached,
      Optional<Integer> master,
      SentinelAdmin sentinels,
      List<String> actions,
      List<String> problems) {
    for (Endpoint leaving : desired.leaving()) {
      RedisCommands<String, String> node = reached.get(leaving);
      if (node == null) {
        continue;
      }
      try {
        if (!"0".equals(node.configGet("replica-priority").get("replica-priority"))) {
          node.configSet("replica-priority", "0");
          actions.add("replica-priority 0 on leaving pod " + describe(leaving));
        }
      } catch (RedisException e) {
        problems.add("replica-priority on " + describe(leaving) + ": " + e.getMessage());
      }
    }
    Optional<Integer> onLeaving = plan.masterOnLeavingPod(master, reached.keySet());
    if (onLeaving.isPresent()) {
      Endpoint leaving = desired.nodes().get(onLeaving.get());
      try {
        actions.add(
            "the master is on leaving pod "
                + onLeaving.get()
                + ": "
                + pausedSentinelFailover(
                    desired, onLeaving.get(), reached.get(leaving), sentinels));
      } catch (RedisException e) {
        problems.add(
            "handing the master on leaving pod " + onLeaving.get() + " over: " + e.getMessage());
      }
    }
  }

  private static boolean applyAcl(
      Map.Entry<Endpoint, RedisCommands<String, String>> node,
      List<AclUser> users,
      boolean withDefault,
      List<String> actions,
      List<String> problems) {
    try {
      AclChanges changes =
          withDefault
              ? AclReconciler.reconcile(node.getValue(), users)
              : AclReconciler.reconcileAllButDefault(node.getValue(), users);
      if (!changes.isEmpty()) {
        actions.add("ACL " + changes + " on " + describe(node.getKey()));
      }
      return true;
    } catch (RedisException e) {
      problems.add("ACL users on " + describe(node.getKey()) + ": " + e.getMessage());
      return false;
    }
  }

  /**
   * masteruser/masterauth on every node (a master needs them too: it becomes a replica in a
   * failover). A replica whose link logged in as someone else is made to reconnect.
   */
  private static boolean applyReplicationAuth(
      Map.Entry<Endpoint, RedisCommands<String, String>> node,
      String password,
      List<String> actions,
      List<String> problems) {
    RedisCommands<String, String> redis = node.getValue();
    try {
      Map<String, String> running = redis.configGet("masteruser", "masterauth");
      boolean userChanged = !AclRules.REPLICATION.equals(running.get("masteruser"));
      if (userChanged || !password.equals(running.get("masterauth"))) {
        redis.configSet(Map.of("masteruser", AclRules.REPLICATION, "masterauth", password));
        actions.add("replication credentials on " + describe(node.getKey()));
        if (userChanged && redis.info("replication").contains("role:slave")) {
          redis.clientKill(KillArgs.Builder.typeMaster());
        }
      }
      return true;
    } catch (RedisException e) {
      problems.add("replication credentials on " + describe(node.getKey()) + ": " + e.getMessage());
      return false;
    }
  }

  /**
   * Makes a node read its certificate, key and trust bundle files again: a CONFIG SET of these
   * directives reloads the TLS context even when the path is unchanged, and new connections get the
   * renewed certificate or the new CA bundle the kubelet has written into the mounted volumes; open
   * connections are not touched. Cheap and idempotent, so every round does it.
   */
  private static void reloadTlsFiles(
      Endpoint node, RedisCommands<String, String> redis, List<String> problems) {
    try {
      Map<String, String> files =
          redis.configGet("tls-cert-file", "tls-key-file", "tls-ca-cert-file");
      files.values().removeIf(value -> value == null || value.isEmpty());
      if (!files.isEmpty()) {
        redis.configSet(files);
      }
    } catch (RedisException e) {
      problems.add("reloading TLS files on " + describe(node) + ": " + e.getMessage());
    }
  }

  private static void killDefaultSessions(
      Map.Entry<Endpoint, RedisCommands<String, String>> node,
      List<String> actions,
      List<String> problems) {
    try {
      Long killed =
          node.getValue().clientKill(KillArgs.Builder.user(AclRules.DEFAULT).skipme(true));
      if (killed != null && killed > 0) {
        actions.add(
            "disconnected "
                + killed
                + " session(s) logged in as default on "
                + describe(node.getKey()));
      }
    } catch (RedisException e) {
      problems.add(
          "disconnecting default sessions on " + describe(node.getKey()) + ": " + e.getMessage());
    }
  }

  private static String describe(Endpoint node) {
    return node.host() + ":" + node.port();
  }

  /** Admin connections that log in as the operator, falling back to a one-time bootstrap. */
  private final class Logins implements AutoCloseable {
    private final List<String> passwords;
    private final Optional<RedisTls> tls;
    private final Map<String, Integer> attempt = new LinkedHashMap<>();
    final NodeConnections connections;

    Logins(List<String> passwords, Optional<RedisTls> tls) {
      this.passwords = passwords;
      this.tls = tls;
      this.connections =
          new NodeConnections(
              resources,
              tls.map(RedisTls::clientOptions).orElseGet(ClientOptions::create),
              this::uri);
    }

    private RedisURI uri(Endpoint node) {
      int index = attempt.getOrDefault(describe(node), 0);
      RedisURI.Builder uri =
          RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(TIMEOUT);
      tls.ifPresent(t -> t.secure(uri));
      if (index < passwords.size()) {
        uri.withAuthentication(AclRules.OPERATOR, passwords.get(index));
      }
      return uri.build();
    }

    /**
     * @param bootstrapped collects nodes reached without credentials; null = do not fall back
     */
    RedisCommands<String, String> connect(Endpoint node, Set<Endpoint> bootstrapped) {
      int limit = bootstrapped == null ? passwords.size() - 1 : passwords.size();
      while (true) {
        try {
          RedisCommands<String, String> commands = connections.to(node);
          if (attempt.getOrDefault(describe(node), 0) >= passwords.size()) {
            bootstrapped.add(node);
          }
          return commands;
        } catch (RedisException e) {
          int index = attempt.getOrDefault(describe(node), 0);
          if (!isLoginRefused(e) || index >= limit) {
            throw e;
          }
          attempt.put(describe(node), index + 1);
        }
      }
    }

    @Override
    public void close() {
      connections.close();
    }
  }

  /**
   * The message and, when it says more, the innermost cause's: Lettuce reports a refused login as
   * "Unable to connect to ..." with the WRONGPASS reply only in the cause.
   */
  static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(e.getMessage());
    return root == e || root.getMessage() == null || message.contains(root.getMessage())
        ? message
        : message + ": " + root.getMessage();
  }

  private static boolean isLoginRefused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null
          && (message.contains("WRONGPASS")
              || message.contains("NOAUTH")
              || message.contains("NOPERM"))) {
        return true;
      }
    }
    return false;
  }
}
