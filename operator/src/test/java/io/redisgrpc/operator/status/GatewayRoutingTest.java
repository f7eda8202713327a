package io.redisgrpc.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayRoutingTest {

  @Test
  void countsTheReadyEndpointsOfTheServiceOnly() {
    EndpointSlice first =
        slice(
            "c-gateway", endpoint("10.244.0.5", true, false), endpoint("10.244.0.6", false, false));
    EndpointSlice second = slice("c-gateway", endpoint("10.244.0.7", null, null));
    EndpointSlice other = slice("d-gateway", endpoint("10.244.0.8", true, false));
    assertThat(GatewayRouting.readyEndpoints(List.of(first, second, other), "c-gateway"))
        .as(
            "ready, and ready left out (the API's 'unknown, take as ready'), but not the unready one nor another Service's")
        .isEqualTo(2);
    assertThat(GatewayRouting.readyEndpoints(List.of(other), "c-gateway")).isZero();
  }

  @Test
  void aTerminatingEndpointIsNotReady() {
    EndpointSlice rolling = slice("c-gateway", endpoint("10.244.0.5", false, true));
    assertThat(GatewayRouting.readyEndpoints(List.of(rolling), "c-gateway")).isZero();
  }

  @Test
  void routesOnlyWithAReadyEndpointAndNoRefusal() {
    assertThat(new GatewayRouting(0, GatewayRouting.Probe.NOT_RUN).routes()).isFalse();
    assertThat(new GatewayRouting(1, GatewayRouting.Probe.REFUSED).routes()).isFalse();
    assertThat(new GatewayRouting(1, GatewayRouting.Probe.NOT_RUN).routes()).isTrue();
    assertThat(new GatewayRouting(1, GatewayRouting.Probe.CONNECTED).routes()).isTrue();
    assertThat(new GatewayRouting(1, GatewayRouting.Probe.CONNECTED).problem("c-gateway")).isNull();
  }

  private static EndpointSlice slice(String service, Endpoint... endpoints) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(service + "-abcde")
        .withLabels(Map.of(GatewayRouting.SERVICE_NAME_LABEL, service))
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .build();
  }

  private static Endpoint endpoint(String ip, Boolean ready, Boolean terminating) {
    EndpointBuilder builder = new EndpointBuilder().withAddresses(ip);
    if (ready != null || terminating != null) {
      builder.withNewConditions().withReady(ready).withTerminating(terminating).endConditions();
    }
    return builder.build();
  }
}
