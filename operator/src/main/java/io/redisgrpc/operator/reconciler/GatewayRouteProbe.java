package io.redisgrpc.operator.reconciler;

import io.redisgrpc.operator.status.GatewayRouting.Probe;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * Connects to the gateway Service's ClusterIP the way a client in the cluster does. kube-proxy
 * rejects connections to a Service it has no endpoint for, so "refused" means the Service does not
 * route yet even when its EndpointSlice already lists a ready gateway.
 */
@FunctionalInterface
public interface GatewayRouteProbe {
  /** Outside the cluster (a developer's operator, the tests): ClusterIPs are not reachable. */
  GatewayRouteProbe NONE = (host, port) -> Probe.NOT_RUN;

  Probe probe(String host, int port);

  /**
   * A TCP connect with {@code timeout}; anything but a refusal (a timeout, e.g. a NetworkPolicy
   * that drops the operator's packets) leaves the decision to the EndpointSlices.
   */
  static GatewayRouteProbe tcp(Duration timeout) {
    return (host, port) -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
        return Probe.CONNECTED;
      } catch (ConnectException failed) {
        // ECONNREFUSED only: "Network is unreachable" and the like say nothing about kube-proxy
        return String.valueOf(failed.getMessage()).contains("refused")
            ? Probe.REFUSED
            : Probe.NOT_RUN;
      } catch (IOException | RuntimeException other) {
        return Probe.NOT_RUN;
      }
    };
  }
}
