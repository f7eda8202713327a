package io.redisgrpc.gateway.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Everything the gateway can be told. Each option is a flag, an environment variable ({@code
 * REDISGRPC_*}) or a key in a properties file given with {@code --config}; a flag beats the file,
 * the file beats the environment, the environment beats the built-in default. With no configuration
 * at all the gateway serves the Redis on localhost:6379 on port 50051.
 */
@Command(
    name = "redis-grpc-gateway",
    sortOptions = false,
    usageHelpWidth = 110,
    description = "gRPC gateway in front of Redis (standalone, Sentinel or Cluster).")
public final class GatewayConfig {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  private boolean help;

  @Option(
      names = "--config",
      description =
          "Properties file with option values (keys are option names without dashes, e.g. port=50051).")
  private Path configFile;

  // ---- serving
  @Option(
      names = "--port",
      defaultValue = "${env:REDISGRPC_PORT:-50051}",
      description = "gRPC port (0 = any free port). Env REDISGRPC_PORT. Default: ${DEFAULT-VALUE}")
  private int port;

  @Option(
      names = "--bind",
      defaultValue = "${env:REDISGRPC_BIND:-0.0.0.0}",
      description = "Address to listen on. Env REDISGRPC_BIND. Default: ${DEFAULT-VALUE}")
  private String bind;

  @Option(
      names = "--metrics-port",
      defaultValue = "${env:REDISGRPC_METRICS_PORT:-9464}",
      description =
          "Prometheus /metrics port (0 = any free port, -1 = off). Env REDISGRPC_METRICS_PORT. Default: ${DEFAULT-VALUE}")
  private int metricsPort;

  // ---- TLS and identity (docs/security.md)
  @Option(
      names = "--tls-cert-file",
      defaultValue = "${env:REDISGRPC_TLS_CERT_FILE}",
      description =
          "Server certificate chain (PEM); with --tls-key-file turns TLS on. Reloaded when it changes. Env REDISGRPC_TLS_CERT_FILE.")
  private Path tlsCertFile;

  @Option(
      names = "--tls-key-file",
      defaultValue = "${env:REDISGRPC_TLS_KEY_FILE}",
      description =
          "Server private key (PEM, PKCS#8). Reloaded when it changes. Env REDISGRPC_TLS_KEY_FILE.")
  private Path tlsKeyFile;

  @Option(
      names = "--tls-client-ca-file",
      defaultValue = "${env:REDISGRPC_TLS_CLIENT_CA_FILE}",
      description =
          "CA bundle client certificates must chain to; with it a client certificate is required (mTLS). Reloaded when it changes. Env REDISGRPC_TLS_CLIENT_CA_FILE.")
  private Path tlsClientCaFile;

  @Option(
      names = "--policy-file",
      defaultValue = "${env:REDISGRPC_POLICY_FILE}",
      description =
          "Clients, identities, prefixes and permissions (JSON); requires mTLS. Reloaded when it changes. Env REDISGRPC_POLICY_FILE.")
  private Path policyFile;

  @Option(
      names = "--file-watch-interval-ms",
      defaultValue = "${env:REDISGRPC_FILE_WATCH_INTERVAL_MS:-1000}",
      description =
          "How often certificate and policy files are checked for changes. Env REDISGRPC_FILE_WATCH_INTERVAL_MS. Default: ${DEFAULT-VALUE}")
  private long fileWatchIntervalMs;

  @Option(
      names = "--redis-tls",
      defaultValue = "${env:REDISGRPC_REDIS_TLS:-false}",
      description =
          "Speak TLS to Redis (and to the sentinels). Env REDISGRPC_REDIS_TLS. Default: ${DEFAULT-VALUE}")
  private boolean redisTls;

  @Option(
      names = "--redis-tls-ca-file",
      defaultValue = "${env:REDISGRPC_REDIS_TLS_CA_FILE}",
      description =
          "CA bundle for Redis' server certificates (default: the JVM's trust store). Read on every (re)connect. Env REDISGRPC_REDIS_TLS_CA_FILE.")
  private Path redisTlsCaFile;

  @Option(
      names = "--redis-tls-cert-file",
      defaultValue = "${env:REDISGRPC_REDIS_TLS_CERT_FILE}",
      description =
          "The gateway's client certificate towards Redis (PEM). Read on every (re)connect. Env REDISGRPC_REDIS_TLS_CERT_FILE.")
  private Path redisTlsCertFile;

  @Option(
      names = "--redis-tls-key-file",
      defaultValue = "${env:REDISGRPC_REDIS_TLS_KEY_FILE}",
      description = "Key of --redis-tls-cert-file (PEM, PKCS#8). Env REDISGRPC_REDIS_TLS_KEY_FILE.")
  private Path redisTlsKeyFile;

  @Option(
      names = "--redis-credentials-dir",
      defaultValue = "${env:REDISGRPC_REDIS_CREDENTIALS_DIR}",
      description =
          "Directory of password files, one per ACL user (file name = user name): '_gateway' for the shared connection, one per policy client. Read on every (re)connect. Env REDISGRPC_REDIS_CREDENTIALS_DIR.")
  private Path redisCredentialsDir;

  // ---- Redis
  @Option(
      names = "--redis-mode",
      defaultValue = "${env:REDISGRPC_REDIS_MODE:-STANDALONE}",
      description =
          "STANDALONE, SENTINEL or CLUSTER. Env REDISGRPC_REDIS_MODE. Default: ${DEFAULT-VALUE}")
  private RedisMode redisMode;

  @Option(
      names = "--redis-nodes",
      split = ",",
      defaultValue = "${env:REDISGRPC_REDIS_NODES:-localhost:6379}",
      description =
          "host:port list: the server (STANDALONE), the sentinels (SENTINEL) or cluster seeds (CLUSTER). Env REDISGRPC_REDIS_NODES. Default: ${DEFAULT-VALUE}")
  private List<String> redisNodes = new ArrayList<>();

  @Option(
      names = "--sentinel-master",
      defaultValue = "${env:REDISGRPC_SENTINEL_MASTER:-mymaster}",
      description =
          "Master name monitored by Sentinel. Env REDISGRPC_SENTINEL_MASTER. Default: ${DEFAULT-VALUE}")
  private String sentinelMaster;

  @Option(
      names = "--redis-username-file",
      defaultValue = "${env:REDISGRPC_REDIS_USERNAME_FILE}",
      description =
          "File holding the Redis ACL user name (re-read on every reconnect). Env REDISGRPC_REDIS_USERNAME_FILE.")
  private Path redisUsernameFile;

  @Option(
      names = "--redis-password-file",
      defaultValue = "${env:REDISGRPC_REDIS_PASSWORD_FILE}",
      description =
          "File holding the Redis password (re-read on every reconnect). Env REDISGRPC_REDIS_PASSWORD_FILE.")
  private Path redisPasswordFile;

  @Option(
      names = "--command-timeout-ms",
      defaultValue = "${env:REDISGRPC_COMMAND_TIMEOUT_MS:-5000}",
      description =
          "Longest wait for a Redis reply when the caller set no shorter deadline. Env REDISGRPC_COMMAND_TIMEOUT_MS. Default: ${DEFAULT-VALUE}")
  private long commandTimeoutMs;

  @Option(
      names = "--reconnect-wait-ms",
      defaultValue = "${env:REDISGRPC_RECONNECT_WAIT_MS:-500}",
      description =
          "Standalone and Sentinel: how long a call waits for the shared Redis connection to come back after it dropped (Redis restarted the connection, a failover) before it fails UNAVAILABLE; never past the call's deadline. 0 = fail at once. Env REDISGRPC_RECONNECT_WAIT_MS. Default: ${DEFAULT-VALUE}")
  private long reconnectWaitMs;

  @Option(
      names = "--redis-connect-timeout-ms",
      defaultValue = "${env:REDISGRPC_REDIS_CONNECT_TIMEOUT_MS:-0}",
      description =
          "At start, how long to keep trying to reach Redis before giving up (0 = keep trying; meanwhile /live answers and /ready says why not). Env REDISGRPC_REDIS_CONNECT_TIMEOUT_MS. Default: ${DEFAULT-VALUE}")
  private long redisConnectTimeoutMs;

  @Option(
      names = "--topology-refresh-ms",
      defaultValue = "${env:REDISGRPC_TOPOLOGY_REFRESH_MS:-5000}",
      description =
          "Periodic cluster topology refresh (adaptive refresh is always on, at most every 500 ms). The operator keeps a drained pod for two of these before a scale-down removes it. Env REDISGRPC_TOPOLOGY_REFRESH_MS. Default: ${DEFAULT-VALUE}")
  private long topologyRefreshMs;

  @Option(
      names = "--health-interval-ms",
      defaultValue = "${env:REDISGRPC_HEALTH_INTERVAL_MS:-1000}",
      description =
          "How often Redis is pinged for the gRPC health status. Env REDISGRPC_HEALTH_INTERVAL_MS. Default: ${DEFAULT-VALUE}")
  private long healthIntervalMs;

  // ---- limits
  @Option(
      names = "--max-key-bytes",
      defaultValue = "${env:REDISGRPC_MAX_KEY_BYTES:-4096}",
      description =
          "Largest key (also fields, members, channels). Env REDISGRPC_MAX_KEY_BYTES. Default: ${DEFAULT-VALUE}")
  private int maxKeyBytes;

  @Option(
      names = "--max-value-bytes",
      defaultValue = "${env:REDISGRPC_MAX_VALUE_BYTES:-1048576}",
      description = "Largest value. Env REDISGRPC_MAX_VALUE_BYTES. Default: ${DEFAULT-VALUE}")
  private int maxValueBytes;

  @Option(
      names = "--max-batch-operations",
      defaultValue = "${env:REDISGRPC_MAX_BATCH_OPERATIONS:-1000}",
      description =
          "Most operations in one Batch. Env REDISGRPC_MAX_BATCH_OPERATIONS. Default: ${DEFAULT-VALUE}")
  private int maxBatchOperations;

  @Option(
      names = "--max-elements",
      defaultValue = "${env:REDISGRPC_MAX_ELEMENTS:-10000}",
      description =
          "Most keys/fields/members/values in one request. Env REDISGRPC_MAX_ELEMENTS. Default: ${DEFAULT-VALUE}")
  private int maxElements;

  @Option(
      names = "--max-message-bytes",
      defaultValue = "${env:REDISGRPC_MAX_MESSAGE_BYTES:-0}",
      description =
          "Largest gRPC request message. 0 = derived: the larger of 16 MiB and what one request of the largest values needs (2 x --max-value-bytes + --max-key-bytes + 64 KiB). A smaller value is refused. Env REDISGRPC_MAX_MESSAGE_BYTES. Default: ${DEFAULT-VALUE}")
  private int maxMessageBytes;

  /** The message limit when --max-message-bytes is 0 and the value limit needs no more. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;

  /** Field tags, lengths and the small fields around the values, with a wide margin. */
  static final int MESSAGE_HEADROOM_BYTES = 64 << 10;

  private int effectiveMaxMessageBytes;

  @Option(
      names = "--max-pipeline-in-flight",
      defaultValue = "${env:REDISGRPC_MAX_PIPELINE_IN_FLIGHT:-1024}",
      description =
          "Unanswered requests per Pipeline stream before the gateway stops reading from it. Env REDISGRPC_MAX_PIPELINE_IN_FLIGHT. Default: ${DEFAULT-VALUE}")
  private int maxPipelineInFlight;

  @Option(
      names = "--max-blocking-operations",
      defaultValue = "${env:REDISGRPC_MAX_BLOCKING_OPERATIONS:-64}",
      description =
          "Concurrent blocking list operations (each holds its own Redis connection). Env REDISGRPC_MAX_BLOCKING_OPERATIONS. Default: ${DEFAULT-VALUE}")
  private int maxBlockingOperations;

  // ---- pub/sub
  @Option(
      names = "--subscriber-buffer",
      defaultValue = "${env:REDISGRPC_SUBSCRIBER_BUFFER:-1024}",
      description =
          "Messages buffered per slow subscriber before it gets a Discontinuity. Env REDISGRPC_SUBSCRIBER_BUFFER. Default: ${DEFAULT-VALUE}")
  private int subscriberBuffer;

  @Option(
      names = "--max-subscribers",
      defaultValue = "${env:REDISGRPC_MAX_SUBSCRIBERS:-10000}",
      description =
          "Concurrent Subscribe streams. Env REDISGRPC_MAX_SUBSCRIBERS. Default: ${DEFAULT-VALUE}")
  private int maxSubscribers;

  @Option(
      names = "--heartbeat-interval-ms",
      defaultValue = "${env:REDISGRPC_HEARTBEAT_INTERVAL_MS:-15000}",
      description =
          "Heartbeat on idle subscriptions unless the subscriber asks otherwise. Env REDISGRPC_HEARTBEAT_INTERVAL_MS. Default: ${DEFAULT-VALUE}")
  private long heartbeatIntervalMs;

  // ---- leases
  @Option(
      names = "--lease-ttl-ms",
      defaultValue = "${env:REDISGRPC_LEASE_TTL_MS:-10000}",
      description =
          "GetOrLease lease lifetime when the caller gives none. Env REDISGRPC_LEASE_TTL_MS. Default: ${DEFAULT-VALUE}")
  private long leaseTtlMs;

  /** Parses flags (and the optional properties file) into a configuration; throws on bad input. */
  public static GatewayConfig parse(String... args) {
    GatewayConfig config = new GatewayConfig();
    CommandLine commandLine = commandLine(config);
    Path file = findConfigFile(args);
    if (file != null) {
      if (!Files.isReadable(file)) {
        throw new CommandLine.ParameterException(commandLine, "--config: cannot read " + file);
      }
      commandLine.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(file.toFile()));
    }
    commandLine.parseArgs(args);
    if (!config.help) {
      config.validate(commandLine);
    }
    return config;
  }

  public static CommandLine commandLine(GatewayConfig config) {
    CommandLine commandLine = new CommandLine(config);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    return commandLine;
  }

  private static Path findConfigFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
    }
    return null;
  }

  private void validate(CommandLine commandLine) {
    requirePositive(commandLine, "--max-key-bytes", maxKeyBytes);
    requirePositive(commandLine, "--max-value-bytes", maxValueBytes);
    requirePositive(commandLine, "--max-batch-operations", maxBatchOperations);
    requirePositive(commandLine, "--max-elements", maxElements);
    requirePositive(commandLine, "--max-pipeline-in-flight", maxPipelineInFlight);
    requirePositive(commandLine, "--max-blocking-operations", maxBlockingOperations);
    requirePositive(commandLine, "--subscriber-buffer", subscriberBuffer);
    requirePositive(commandLine, "--max-subscribers", maxSubscribers);
    requirePositive(commandLine, "--command-timeout-ms", commandTimeoutMs);
    requirePositive(commandLine, "--heartbeat-interval-ms", heartbeatIntervalMs);
    requirePositive(commandLine, "--lease-ttl-ms", leaseTtlMs);
    requirePositive(commandLine, "--health-interval-ms", healthIntervalMs);
    if (redisConnectTimeoutMs < 0) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--redis-connect-timeout-ms must be 0 (keep trying) or positive, got "
              + redisConnectTimeoutMs);
    }
    requirePositive(commandLine, "--file-watch-interval-ms", fileWatchIntervalMs);
    if (reconnectWaitMs < 0) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--reconnect-wait-ms must be 0 (fail at once) or positive, got " + reconnectWaitMs);
    }
    // 0 would make Lettuce re-read the cluster topology without pause.
    requirePositive(commandLine, "--topology-refresh-ms", topologyRefreshMs);
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          commandLine, "--port must be 0 (any free port) or 1-65535, got " + port);
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--metrics-port must be -1 (off), 0 (any free port) or 1-65535, got " + metricsPort);
    }
    effectiveMaxMessageBytes = messageLimit(commandLine);
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      throw new CommandLine.ParameterException(
          commandLine, "--tls-cert-file and --tls-key-file go together");
    }
    if (tlsClientCaFile != null && tlsCertFile == null) {
      throw new CommandLine.ParameterException(
          commandLine, "--tls-client-ca-file needs TLS: give --tls-cert-file and --tls-key-file");
    }
    if (policyFile != null && tlsClientCaFile == null) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--policy-file identifies callers by their client certificates: give --tls-client-ca-file (and the server's --tls-cert-file/--tls-key-file)");
    }
    if ((redisTlsCertFile == null) != (redisTlsKeyFile == null)) {
      throw new CommandLine.ParameterException(
          commandLine, "--redis-tls-cert-file and --redis-tls-key-file go together");
    }
    if (!redisTls && (redisTlsCaFile != null || redisTlsCertFile != null)) {
      throw new CommandLine.ParameterException(
          commandLine, "--redis-tls-ca-file/--redis-tls-cert-file need --redis-tls");
    }
    if (redisCredentialsDir != null && (redisUsernameFile != null || redisPasswordFile != null)) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--redis-credentials-dir replaces --redis-username-file/--redis-password-file (the shared connection logs in as '_gateway'); give one or the other");
    }
    if (redisNodes.isEmpty()) {
      throw new CommandLine.ParameterException(
          commandLine, "--redis-nodes: give at least one host:port");
    }
    for (String node : redisNodes) {
      hostAndPort(commandLine, node);
    }
  }

  /**
   * The request size limit, consistent with the value limit. A value is only useful if a request
   * carrying it gets through: a Set with compare-and-set carries two values (value and expected)
   * and a key, so the message limit must hold 2 x --max-value-bytes + --max-key-bytes plus the
   * protobuf framing around them. Left at 0 (the default), the limit is derived from the value
   * limit, so raising only --max-value-bytes (as the operator does from
   * spec.gateway.limits.maxValueBytes) just works. Given explicitly, a smaller limit contradicts
   * the value limit and is refused rather than silently raised: someone chose that number.
   */
  private int messageLimit(CommandLine commandLine) {
    if (maxMessageBytes < 0) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--max-message-bytes must be 0 (derived from --max-value-bytes) or positive, got "
              + maxMessageBytes);
    }
    long needed = 2L * maxValueBytes + maxKeyBytes + MESSAGE_HEADROOM_BYTES;
    if (needed > Integer.MAX_VALUE) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--max-value-bytes="
              + maxValueBytes
              + " needs requests of up to "
              + needed
              + " bytes (2 values and a key), more than a gRPC message can hold (2 GiB); lower --max-value-bytes");
    }
    if (maxMessageBytes == 0) {
      return (int) Math.max(DEFAULT_MAX_MESSAGE_BYTES, needed);
    }
    if (maxMessageBytes < needed) {
      throw new CommandLine.ParameterException(
          commandLine,
          "--max-message-bytes="
              + maxMessageBytes
              + " is too small for --max-value-bytes="
              + maxValueBytes
              + ": a Set with compare-and-set carries two values and a key (--max-key-bytes="
              + maxKeyBytes
              + "), so requests"
              + " need up to "
              + needed
              + " bytes. Raise --max-message-bytes to at least "
              + needed
              + ", lower --max-value-bytes, or leave"
              + " --max-message-bytes at 0 to derive it");
    }
    return maxMessageBytes;
  }

  private static void requirePositive(CommandLine commandLine, String option, long value) {
    if (value <= 0) {
      throw new CommandLine.ParameterException(
          commandLine, option + " must be greater than 0, got " + value);
    }
  }

  private static HostAndPort hostAndPort(CommandLine commandLine, String node) {
    try {
      return HostAndPort.parse(node);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine, "--redis-nodes: " + e.getMessage());
    }
  }

  /** A host and port from "host:port" (IPv6 as "[::1]:6379"). */
  public record HostAndPort(String host, int port) {
    public static HostAndPort parse(String value) {
      String text = value.trim();
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new IllegalArgumentException("'" + value + "' is not host:port");
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + value + "' has no numeric port");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("'" + value + "' has a port outside 1-65535");
      }
      return new HostAndPort(host, port);
    }
  }

  public boolean helpRequested() {
    return help;
  }

  public int port() {
    return port;
  }

  public String bind() {
    return bind;
  }

  public int metricsPort() {
    return metricsPort;
  }

  public RedisMode redisMode() {
    return redisMode;
  }

  public List<HostAndPort> redisNodes() {
    return redisNodes.stream().map(HostAndPort::parse).toList();
  }

  public String sentinelMaster() {
    return sentinelMaster;
  }

  public Path redisUsernameFile() {
    return redisUsernameFile;
  }

  public Path redisPasswordFile() {
    return redisPasswordFile;
  }

  public long commandTimeoutMs() {
    return commandTimeoutMs;
  }

  public long reconnectWaitMs() {
    return reconnectWaitMs;
  }

  public Path tlsCertFile() {
    return tlsCertFile;
  }

  public Path tlsKeyFile() {
    return tlsKeyFile;
  }

  public Path tlsClientCaFile() {
    return tlsClientCaFile;
  }

  public Path policyFile() {
    return policyFile;
  }

  public long fileWatchIntervalMs() {
    return fileWatchIntervalMs;
  }

  public boolean redisTls() {
    return redisTls;
  }

  public Path redisTlsCaFile() {
    return redisTlsCaFile;
  }

  public Path redisTlsCertFile() {
    return redisTlsCertFile;
  }

  public Path redisTlsKeyFile() {
    return redisTlsKeyFile;
  }

  public Path redisCredentialsDir() {
    return redisCredentialsDir;
  }

  public long topologyRefreshMs() {
    return topologyRefreshMs;
  }

  public long redisConnectTimeoutMs() {
    return redisConnectTimeoutMs;
  }

  public long healthIntervalMs() {
    return healthIntervalMs;
  }

  public int maxKeyBytes() {
    return maxKeyBytes;
  }

  public int maxValueBytes() {
    return maxValueBytes;
  }

  public int maxBatchOperations() {
    return maxBatchOperations;
  }

  public int maxElements() {
    return maxElements;
  }

  /**
   * The effective request size limit: --max-message-bytes, or derived from the value limit when
   * that is 0.
   */
  public int maxMessageBytes() {
    return effectiveMaxMessageBytes;
  }

  public int maxPipelineInFlight() {
    return maxPipelineInFlight;
  }

  public int maxBlockingOperations() {
    return maxBlockingOperations;
  }

  public int subscriberBuffer() {
    return subscriberBuffer;
  }

  public int maxSubscribers() {
    return maxSubscribers;
  }

  public long heartbeatIntervalMs() {
    return heartbeatIntervalMs;
  }

  public long leaseTtlMs() {
    return leaseTtlMs;
  }
}
