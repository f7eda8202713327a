package io.redisgrpc.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Redis Cluster or Sentinel deployment with a gRPC gateway in front of it. */
@Group(RedisGrpcCache.GROUP)
@Version(RedisGrpcCache.VERSION)
@Kind("RedisGrpcCache")
@Plural("redisgrpccaches")
@ShortNames("rgc")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.redis.mode", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Redis", jsonPath = ".status.redis.summary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Gateway", jsonPath = ".status.gateway.summary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".status.gateway.endpoint", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class RedisGrpcCache extends CustomResource<RedisGrpcCacheSpec, RedisGrpcCacheStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;
  public static final String GROUP = "cache.redisgrpc.io";
  public static final String VERSION = "v1alpha1";
}
