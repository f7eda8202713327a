package io.redisgrpc.gateway;

import io.redisgrpc.gateway.config.GatewayConfig;
import picocli.CommandLine;

/** {@code java -jar redis-grpc-gateway-all.jar [options]}: runs until SIGTERM, then drains. */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
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
