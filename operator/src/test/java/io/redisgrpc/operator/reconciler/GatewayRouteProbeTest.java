package io.redisgrpc.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.status.GatewayRouting.Probe;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The probe against real sockets on loopback: a listening port, and one nothing listens on. */
class GatewayRouteProbeTest {
  private final GatewayRouteProbe probe = GatewayRouteProbe.tcp(Duration.ofSeconds(1));

  @Test
  void aListeningServiceIsConnected() throws Exception {
    try (ServerSocket gateway = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(probe.probe("127.0.0.1", gateway.getLocalPort())).isEqualTo(Probe.CONNECTED);
    }
  }

  @Test
  void aPortNothingListensOnIsRefused() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    assertThat(probe.probe("127.0.0.1", port)).isEqualTo(Probe.REFUSED);
  }

  @Test
  void aRefusingServiceIsProbedAgainSoonThenLessOften() {
    assertThat(RedisGrpcCacheReconciler.routeRecheck(Duration.ZERO))
        .isEqualTo(Duration.ofMillis(500));
    assertThat(RedisGrpcCacheReconciler.routeRecheck(Duration.ofSeconds(29)))
        .isEqualTo(Duration.ofMillis(500));
    assertThat(RedisGrpcCacheReconciler.routeRecheck(Duration.ofSeconds(30)))
        .isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void outsideTheClusterNothingIsProbed() {
    assertThat(GatewayRouteProbe.NONE.probe("10.96.0.20", 50051)).isEqualTo(Probe.NOT_RUN);
  }
}
