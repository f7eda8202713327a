package io.redisgrpc.gateway;

import io.redisgrpc.gateway.config.GatewayConfig;
import java.security.Security;
import picocli.CommandLine;

/** {@code java -jar redis-grpc-gateway-all.jar [options]}: runs until SIGTERM, then drains. */
public final class GatewayMain {
  private GatewayMain() {}

  /**
   * Seconds the JVM trusts a DNS answer: Redis nodes are named by their pods' DNS names, and a pod
   * that comes back has a new IP. The JVM's defaults (30 s for an address, 10 s for "no such name"
   * while the pod has none yet) kept the gateway away from a Sentinel master that was back for many
   * seconds (16.7 s without writes on the real node after deleting the master pod).
   */
  static final String DNS_TTL_SECONDS = "1";

  static final String DNS_NEGATIVE_TTL_SECONDS = "0";

  public static void main(String[] args) throws InterruptedException {
    // Before anything resolves a name: the JVM reads these once.
    Security.setProperty("networkaddress.cache.ttl", DNS_TTL_SECONDS);
    Security.setProperty("networkaddress.cache.negative.ttl", DNS_NEGATIVE_TTL_SECONDS);
    GatewayConfig config;
    try {
      config = GatewayConfig.parse(args);
    } catch (CommandLine.ParameterException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println("run with --help for all options");
      System.exit(2);
      return;
    }
    if (config.helpRequested()) {
      GatewayConfig.commandLine(new GatewayConfig()).usage(System.out);
      return;
    }
    GatewayServer server;
    try {
      server = GatewayServer.start(config);
    } catch (RuntimeException e) {
      System.err.println("error: cannot start the gateway: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "gateway-shutdown"));
    server.awaitTermination();
  }
}
