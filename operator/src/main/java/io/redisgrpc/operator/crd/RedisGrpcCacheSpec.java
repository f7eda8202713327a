package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

public class RedisGrpcCacheSpec {
  @Required
  @JsonPropertyDescription(
      "The Redis servers: topology, image, resources, memory policy, persistence and scheduling.")
  public RedisSpec redis = new RedisSpec();

  @JsonPropertyDescription("The gRPC gateway Deployment in front of Redis.")
  @io.fabric8.generator.annotation.Default("{}")
  public GatewaySpec gateway = new GatewaySpec();

  @JsonPropertyDescription("TLS between clients, gateway and Redis.")
  @io.fabric8.generator.annotation.Default("{}")
  public TlsSpec tls = new TlsSpec();

  @JsonPropertyDescription("Clients allowed through the gateway and credential rotation.")
  @io.fabric8.generator.annotation.Default("{}")
  public AuthSpec auth = new AuthSpec();
}
