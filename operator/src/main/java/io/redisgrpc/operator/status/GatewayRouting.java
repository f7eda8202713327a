package io.redisgrpc.operator.status;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.Collection;

/**
 * Whether the gateway's Service sends a client's connection to a gateway. A ready gateway pod is
 * not enough: the EndpointSlice controller must list it and kube-proxy must program it, and until
 * then a connection to the ClusterIP is refused (seen on the node: the first call right after
 * Ready=True failed with "Connection refused"). Pure; {@code CacheObserver} gathers the facts.
 *
 * @param readyEndpoints the ready endpoints the Service's EndpointSlices list
 * @param probe what a TCP connect to the ClusterIP from inside the cluster found
 */
public record GatewayRouting(int readyEndpoints, Probe probe) {
  /** The label the EndpointSlice controller puts on a Service's slices. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  /** The outcome of connecting to the Service's ClusterIP and port. */
  public enum Probe {
    /** A gateway accepted the connection. */
    CONNECTED,
    /** Refused: kube-proxy has no endpoint for the Service yet (it rejects such connections). */
    REFUSED,
    /**
     * Not run (the operator runs outside the cluster), or no answer (e.g. a NetworkPolicy drops
     * it).
     */
    NOT_RUN
  }

  public boolean routes() {
    return readyEndpoints > 0 && probe != Probe.REFUSED;
  }

  /** Why the Service does not route yet (null when it does), for the GatewayReady condition. */
  public String problem(String service) {
    if (readyEndpoints <= 0) {
      return "the Service " + service + " lists no ready endpoint yet";
    }
    if (probe == Probe.REFUSED) {
      return "connections to the Service "
          + service
          + " are refused (kube-proxy has not routed it yet)";
    }
    return null;
  }

  /**
   * The endpoints of {@code service} that take traffic. A missing {@code ready} means ready (the
   * EndpointSlice API's rule); a terminating endpoint is not ready.
   */
  public static int readyEndpoints(Collection<EndpointSlice> slices, String service) {
    return (int)
        slices.stream()
            .filter(
                slice ->
                    slice.getMetadata().getLabels() != null
                        && service.equals(slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL)))
            .filter(slice -> slice.getEndpoints() != null)
            .flatMap(slice -> slice.getEndpoints().stream())
            .filter(
                endpoint ->
                    endpoint.getConditions() == null
                        || !Boolean.FALSE.equals(endpoint.getConditions().getReady()))
            .count();
  }
}
