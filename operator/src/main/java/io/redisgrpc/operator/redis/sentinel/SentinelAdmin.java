package io.redisgrpc.operator.redis.sentinel;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.redis.RedisTls;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sentinel upkeep in one round: learn the master from the sentinels (a majority of all of them,
 * {@link SentinelMasterDiscovery}), give every sentinel the credentials it monitors with, and bring
 * back a sentinel that lost its state (a restarted pod without its rewritten config): it is told to
 * monitor the master the majority names. A sentinel that names a different master is only reported:
 * during a failover that is normal for a moment, and Sentinel's own gossip settles it; overruling
 * it could undo a legitimate failover.
 */
public final class SentinelAdmin implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** Per sentinel address, the fingerprint of the credentials its current process was given. */
  private static final Map<String, String> CREDENTIALS_GIVEN = new ConcurrentHashMap<>();

  private final RedisClient client;

  private final Optional<RedisTls> tls;

  private final ClientResources resources;

  /** For {@link #namedMaster}, made on first use (a hand-over, not every round). */
  private SentinelMasterDiscovery discovery;

  public SentinelAdmin(ClientResources resources, Optional<RedisTls> tls) {
    this.resources = resources;
    this.tls = tls;
    this.client = RedisClient.create(resources);
    tls.ifPresent(t -> client.setOptions(t.clientOptions()));
  }

  /**
   * @param master "host:port" of the master a majority names, if any
   * @param allCurrent every sentinel answered, monitors that master and has the credentials
   */
  public record Result(
      Optional<String> master, boolean allCurrent, List<String> actions, List<String> problems) {}

  public Result round(List<Sentinel> sentinels, int quorum, String authUser, String authPassword) {
    List<String> actions = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Map<Sentinel, StatefulRedisSentinelConnection<String, String>> open = new LinkedHashMap<>();
    Map<Sentinel, Optional<String>> named = new LinkedHashMap<>();
    try {
      // One connection per sentinel for the whole round: first the vote, then the upkeep.
      Map<String, Integer> votes = new LinkedHashMap<>();
      for (Sentinel sentinel : sentinels) {
        try {
          StatefulRedisSentinelConnection<String, String> connection = connect(sentinel);
          open.put(sentinel, connection);
          Optional<String> answer = namedMaster(connection.sync());
          named.put(sentinel, answer);
          answer.ifPresent(address -> votes.merge(address, 1, Integer::sum));
        } catch (RedisException e) {
          problems.add("sentinel " + name(sentinel) + ": " + e.getMessage());
        }
      }
      Optional<String> master = SentinelMasterDiscovery.majority(votes, sentinels.size());
      boolean allCurrent = master.isPresent() && open.size() == sentinels.size();
      for (Map.Entry<Sentinel, StatefulRedisSentinelConnection<String, String>> entry :
          open.entrySet()) {
        allCurrent &=
            upkeep(
                entry.getKey(),
                entry.getValue().sync(),
                named.get(entry.getKey()),
                master,
                quorum,
                authUser,
                authPassword,
                actions,
                problems);
      }
      return new Result(master, allCurrent, actions, problems);
    } finally {
      open.values().forEach(StatefulRedisSentinelConnection::close);
    }
  }

  /**
   * Asks the sentinels for a failover (to the replica Sentinel itself picks: leaving replicas must
   * already carry {@code replica-priority 0}); the first sentinel that accepts runs it. Returns
   * whether one accepted.
   */
  public boolean failover(List<Sentinel> sentinels, List<String> problems) {
    for (Sentinel sentinel : sentinels) {
      try (StatefulRedisSentinelConnection<String, String> connection = connect(sentinel)) {
        connection.sync().failover(Names.SENTINEL_MASTER_NAME);
        return true;
      } catch (RedisException e) {
        // INPROG (one is already running) or NOGOODSLAVE: try the next one, report if none.
        problems.add("failover through sentinel " + name(sentinel) + ": " + e.getMessage());
      }
    }
    return false;
  }

  /** "host:port" of the master a majority of all {@code sentinels} names now, if any. */
  public Optional<String> namedMaster(List<Sentinel> sentinels) {
    if (discovery == null) {
      discovery = new SentinelMasterDiscovery(resources, tls);
    }
    return discovery.discover(sentinels, Names.SENTINEL_MASTER_NAME).master();
  }

  private StatefulRedisSentinelConnection<String, String> connect(Sentinel sentinel) {
    RedisURI.Builder builder =
        RedisURI.builder().withHost(sentinel.host()).withPort(sentinel.port()).withTimeout(TIMEOUT);
    return client.connectSentinel(tls.map(t -> t.secure(builder)).orElse(builder).build());
  }

  /**
   * Re-teaches a sentinel that lost the master, and gives it the credentials; true when it is
   * current.
   */
  private static boolean upkeep(
      Sentinel sentinel,
      RedisSentinelCommands<String, String> commands,
      Optional<String> named,
      Optional<String> master,
      int quorum,
      String authUser,
      String authPassword,
      List<String> actions,
      List<String> problems) {
    try {
      if (named.isEmpty() && master.isPresent()) {
        String[] hostPort = splitHostPort(master.get());
        commands.monitor(
            Names.SENTINEL_MASTER_NAME, hostPort[0], Integer.parseInt(hostPort[1]), quorum);
        for (Map.Entry<String, String> option :
            Map.of(
                    "down-after-milliseconds",
                    "5000",
                    "failover-timeout",
                    "60000",
                    "parallel-syncs",
                    "1")
                .entrySet()) {
          commands.set(Names.SENTINEL_MASTER_NAME, option.getKey(), option.getValue());
        }
        actions.add("sentinel " + name(sentinel) + " monitors " + master.get() + " again");
        named = master;
      }
      if (named.isEmpty()) {
        problems.add(
            "sentinel " + name(sentinel) + " monitors no master and no majority names one");
        return false;
      }
      boolean agrees = master.isEmpty() || named.equals(master);
      if (!agrees) {
        problems.add(
            "sentinel "
                + name(sentinel)
                + " names "
                + named.get()
                + " while the majority names "
                + master.get());
      }
      giveCredentials(sentinel, commands, authUser, authPassword, actions);
      return agrees;
    } catch (RedisException e) {
      problems.add("sentinel " + name(sentinel) + ": " + e.getMessage());
      return false;
    }
  }

  /**
   * SENTINEL SET auth-user / auth-pass, only when this sentinel process has not been given these
   * yet. Setting auth-pass makes a sentinel drop its links to the master and every replica; done
   * every round, the links were down so often that a failover found no replica fit to promote
   * (-failover-abort-no-good-slave). Sentinel does not show auth-pass back, so what each process
   * was given is remembered by its run_id: a restarted sentinel (a new run_id) gets them again.
   */
  private static void giveCredentials(
      Sentinel sentinel,
      RedisSentinelCommands<String, String> commands,
      String authUser,
      String authPassword,
      List<String> actions) {
    String runId = runId(commands.info("server"));
    String given = credentialsFingerprint(runId, authUser, authPassword);
    if (given.equals(CREDENTIALS_GIVEN.get(name(sentinel)))) {
      return;
    }
    commands.set(Names.SENTINEL_MASTER_NAME, "auth-user", authUser);
    commands.set(Names.SENTINEL_MASTER_NAME, "auth-pass", authPassword);
    CREDENTIALS_GIVEN.put(name(sentinel), given);
    actions.add(
        "sentinel " + name(sentinel) + " logs in as " + authUser + " with the current password");
  }

  /**
   * The run_id line of INFO server (changes with every start of the process); "" without one. Pure.
   */
  static String runId(String infoServer) {
    return infoServer
        .lines()
        .filter(line -> line.startsWith("run_id:"))
        .map(line -> line.substring("run_id:".length()).trim())
        .findFirst()
        .orElse("");
  }

  /** What was given to which sentinel process (run_id), without keeping the password. Pure. */
  static String credentialsFingerprint(String runId, String user, String password) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((user + "\0" + password).getBytes(StandardCharsets.UTF_8));
      return runId + ":" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static String name(Sentinel sentinel) {
    return sentinel.host() + ":" + sentinel.port();
  }

  private static Optional<String> namedMaster(RedisSentinelCommands<String, String> commands) {
    try {
      SocketAddress address = commands.getMasterAddrByName(Names.SENTINEL_MASTER_NAME);
      return address instanceof InetSocketAddress inet
          ? Optional.of(inet.getHostString() + ":" + inet.getPort())
          : Optional.empty();
    } catch (RedisException e) {
      return Optional.empty();
    }
  }

  private static String[] splitHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
  }

  @Override
  public void close() {
    if (discovery != null) {
      discovery.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
