package io.redisgrpc.gateway.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.SocketAddressResolver;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Connects to Redis Cluster nodes at the address the cluster itself reports, not the one DNS
 * returns for their announced hostname.
 *
 * <p>Why: in Kubernetes the nodes announce stable pod DNS names ({@code
 * cluster-announce-hostname}), which Lettuce uses (TLS needs a name to verify). When a pod comes
 * back on a new IP, CoreDNS and the resolver's cache keep answering the old IP for up to the
 * record's TTL (30 s by default). A node connection reconnecting meanwhile waits on a dead address,
 * so the writes for that node's slots fail for that long (measured 8-16 s on a real node after a
 * pod restart). The cluster knows the new IP within a second or two (the node announces it; the
 * operator re-addresses), and {@code CLUSTER NODES} shows both ({@code ip:port@cport,hostname}).
 *
 * <p>So this resolver connects to the IP from the latest {@code CLUSTER NODES} for a hostname it
 * knows, and still hands Lettuce the hostname (TLS verifies the certificate against it). Names it
 * does not know (the seed Service, standalone and Sentinel mode) go to DNS as before. The map is
 * re-read when a node connection fails to reconnect, when the topology changes, and periodically.
 */
public final class ClusterNodeAddresses extends SocketAddressResolver {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNodeAddresses.class);

  /** A ping unanswered for this long means the node does not answer at that address. */
  static final long UNANSWERED_PING_MS = 2_000;

  private final AtomicReference<Map<String, InetAddress>> byHostname =
      new AtomicReference<>(Map.of());
  private final AtomicReference<String> lastRefusal = new AtomicReference<>("");

  @Override
  public SocketAddress resolve(RedisURI uri) {
    InetAddress address =
        uri.getSocket() == null && uri.getHost() != null
            ? byHostname.get().get(uri.getHost())
            : null;
    return address != null ? new InetSocketAddress(address, uri.getPort()) : super.resolve(uri);
  }

  /** Hostname to IP as the cluster reports it right now (for tests and diagnostics). */
  public Map<String, String> known() {
    Map<String, String> known = new HashMap<>();
    byHostname.get().forEach((host, address) -> known.put(host, address.getHostAddress()));
    return known;
  }

  /** Replaces the map with {@code addresses} (hostname to IP, from {@link #parse}). */
  void update(Map<String, String> addresses) {
    Map<String, InetAddress> next = new HashMap<>();
    addresses.forEach(
        (host, ip) -> {
          byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
          if (bytes != null) {
            try {
              // An address that carries its hostname: the socket connects to the IP, and
              // getHostString() (what Lettuce gives the TLS engine to verify) stays the hostname.
              next.put(host, InetAddress.getByAddress(host, bytes));
            } catch (UnknownHostException e) {
              throw new IllegalStateException("not an IP address: " + ip, e);
            }
          }
        });
    Map<String, InetAddress> previous = byHostname.getAndSet(Map.copyOf(next));
    next.forEach(
        (host, address) -> {
          InetAddress before = previous.get(host);
          if (before != null && !before.equals(address)) {
            LOG.info(
                "Redis node {} moved from {} to {}",
                host,
                before.getHostAddress(),
                address.getHostAddress());
          }
        });
  }

  /**
   * Hostname to IP from {@code CLUSTER NODES} lines ({@code <id>
   * <ip>:<port>@<cport>[,<hostname>[,aux=...]] <flags> ...}). Only the reporting node itself and
   * the nodes that answer it count: an address it gets no pong from (a pod not yet re-addressed
   * after every pod restarted, an IP since given to another pod) may be stale, and then DNS is the
   * better guess. Nodes without a hostname, without an address ({@code noaddr}), failing or still
   * in a handshake are left out too.
   */
  /**
   * {@link #parse(String, long, long)} judged by the reporter's own clock and uptime, from its
   * {@code INFO server}.
   */
  public static Map<String, String> parse(String clusterNodes, String infoServer) {
    long nowMs = infoField(infoServer, "server_time_usec") / 1000;
    return parse(clusterNodes, nowMs, nowMs - infoField(infoServer, "uptime_in_seconds") * 1000);
  }

  /** {@code nowMs} is the reporter's clock and {@code startedMs} when it started by that clock. */
  public static Map<String, String> parse(String clusterNodes, long nowMs, long startedMs) {
    Map<String, String> addresses = new HashMap<>();
    for (String line : clusterNodes.split("\n")) {
      String[] fields = line.trim().split(" ");
      // <id> <endpoint> <flags> <master> <ping-sent> <pong-received> <epoch> <link-state> [slots]
      if (fields.length < 8
          || fields[2].contains("noaddr")
          || fields[2].contains("handshake")
          || fields[2].contains("fail")) {
        continue;
      }
      // The reporter's own address is certain. Another node's counts only while it answers there:
      // a link is "connected" as soon as a connect is attempted, even to a dead address, so the
      // test is that a pong has come back and no ping has waited for one for long (every node is
      // pinged at least every cluster-node-timeout / 2).
      // A node that just started shows the addresses from its nodes.conf with a pong "received"
      // at load time, so only pongs clearly after its start count.
      boolean answers =
          fields[2].contains("myself")
              || "connected".equals(fields[7])
                  && Long.parseLong(fields[5]) > startedMs + UNANSWERED_PING_MS
                  && ("0".equals(fields[4])
                      || nowMs - Long.parseLong(fields[4]) < UNANSWERED_PING_MS);
      if (!answers) {
        continue;
      }
      String[] endpoint = fields[1].split(",");
      String hostname = endpoint.length > 1 && !endpoint[1].contains("=") ? endpoint[1] : "";
      String ipAndPorts = endpoint[0];
      int portSeparator = ipAndPorts.lastIndexOf(':');
      String ip = portSeparator > 0 ? ipAndPorts.substring(0, portSeparator) : "";
      if (!hostname.isEmpty() && !ip.isEmpty()) {
        addresses.put(hostname, ip);
      }
    }
    return addresses;
  }

  /**
   * Keeps the map current: reads it now from the first seed that answers (the returned future
   * completes when that is done, also if no seed answered; Lettuce then reports the error itself),
   * and again whenever a connection cannot reconnect or the topology changes, and every {@code
   * period}; at most one read at a time and one per 200 ms. Each read is a short connection of its
   * own to a seed (in Kubernetes the cache's Service), never one of Lettuce's node connections:
   * those are found through this map, so a stale map must not be needed to correct itself. Dispose
   * the result to stop.
   */
  Disposable follow(
      ClientResources resources,
      ClientOptions options,
      List<RedisURI> seeds,
      Duration period,
      CompletableFuture<Void> firstRead) {
    RedisClient client = RedisClient.create(resources);
    client.setOptions(options);
    AtomicBoolean busy = new AtomicBoolean();
    AtomicBoolean again = new AtomicBoolean();
    AtomicBoolean stopped = new AtomicBoolean();
    Runnable[] read = new Runnable[1];
    read[0] =
        () -> {
          if (stopped.get()) {
            return;
          }
          if (!busy.compareAndSet(false, true)) {
            again.set(true);
            return;
          }
          readFromSeeds(client, seeds)
              .whenComplete(
                  (done, error) -> {
                    firstRead.complete(null);
                    resources
                        .eventExecutorGroup()
                        .schedule(
                            () -> {
                              busy.set(false);
                              if (again.getAndSet(false)) {
                                read[0].run();
                              }
                            },
                            200,
                            TimeUnit.MILLISECONDS);
                  });
        };
    Disposable events =
        resources
            .eventBus()
            .get()
            // Not ConnectionDeactivatedEvent: closing the read's own connection would trigger the
            // next read.
            .filter(
                event ->
                    event instanceof ReconnectFailedEvent
                        || event instanceof ClusterTopologyChangedEvent)
            .subscribe(event -> read[0].run());
    // A backstop for a stale entry no reconnect trips over (a first connect fails without an
    // event).
    ScheduledFuture<?> periodic =
        period.isZero() || period.isNegative()
            ? null
            : resources
                .eventExecutorGroup()
                .scheduleAtFixedRate(
                    read[0], period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    read[0].run();
    return () -> {
      stopped.set(true);
      events.dispose();
      if (periodic != null) {
        periodic.cancel(false);
      }
      client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    };
  }

  /** A number from {@code INFO server} ({@code server_time_usec}, {@code uptime_in_seconds}). */
  static long infoField(String infoServer, String field) {
    return infoServer
        .lines()
        .filter(line -> line.startsWith(field + ":"))
        .findFirst()
        .map(line -> Long.parseLong(line.substring(field.length() + 1).trim()))
        .orElseThrow(() -> new IllegalStateException("INFO server has no " + field));
  }

  /** CLUSTER NODES from the first seed that answers; never fails (a failed read keeps the map). */
  private CompletableFuture<Void> readFromSeeds(RedisClient client, List<RedisURI> seeds) {
    CompletableFuture<Void> read =
        CompletableFuture.failedFuture(new IllegalStateException("no seed"));
    for (RedisURI seed : seeds) {
      read =
          read.exceptionallyCompose(
              previous ->
                  client
                      .connectAsync(StringCodec.UTF8, seed)
                      .toCompletableFuture()
                      .thenCompose(
                          connection -> {
                            // Pipelined on one connection: the node's clock and uptime (INFO, which
                            // the gateway's
                            // ACL user may run, unlike TIME), then its view.
                            CompletableFuture<String> server =
                                connection.async().info("server").toCompletableFuture();
                            CompletableFuture<String> nodes =
                                connection.async().clusterNodes().toCompletableFuture();
                            return server
                                .thenCombine(
                                    nodes,
                                    (info, view) -> {
                                      update(parse(view, info));
                                      return (Void) null;
                                    })
                                .whenComplete(
                                    (done, error) -> {
                                      connection.closeAsync();
                                      // Redis refusing a command (an ACL without INFO or CLUSTER
                                      // NODES) will not fix
                                      // itself: say so once. An unreachable seed is part of an
                                      // outage: debug only.
                                      Throwable cause =
                                          error instanceof CompletionException
                                                  && error.getCause() != null
                                              ? error.getCause()
                                              : error;
                                      if (cause instanceof RedisCommandExecutionException
                                          && !cause
                                              .getMessage()
                                              .equals(lastRefusal.getAndSet(cause.getMessage()))) {
                                        LOG.warn(
                                            "cannot read the cluster's node addresses from {} (connecting by DNS name only): {}",
                                            seed.getHost(),
                                            cause.getMessage());
                                      }
                                    });
                          }));
    }
    return read.handle(
        (done, error) -> {
          if (error != null) {
            LOG.debug("no seed answered CLUSTER NODES: {}", error.toString());
          }
          return (Void) null;
        });
  }
}
