package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

public class RedisGrpcCacheSpec {
  @Required
  @JsonPropertyDescription(
      "The Redis servers: topology, image, resources, memory policy, persistence and scheduling.")
  public RedisSpec redis = new RedisSpec();

  @JsonPropertyDescription("The gRPC gateway Deployment in front of Redis.")
  @Default("{}")
  public GatewaySpec gateway = new GatewaySpec();

  @JsonPropertyDescription("TLS between clients, gateway and Redis.")
  @Default("{}")
  public TlsSpec tls = new TlsSpec();

  @JsonPropertyDescription("Clients allowed through the gateway and credential rotation.")
  @Default("{}")
  public AuthSpec auth = new AuthSpec();
}
