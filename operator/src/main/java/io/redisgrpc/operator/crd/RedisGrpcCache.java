package io.redisgrpc.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
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
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.redis.mode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Redis",
    jsonPath = ".status.redis.summary",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Gateway",
    jsonPath = ".status.gateway.summary",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Endpoint",
    jsonPath = ".status.gateway.endpoint",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "has(self.spec)",
    fieldPath = ".spec",
    message =
        "spec is required: a RedisGrpcCache needs at least spec.redis.mode, such as spec: {redis: {mode: Cluster}}")
// The cache's name begins the names of its Services and StatefulSets (model.Names), which must be
// DNS labels.
@ValidationRule(
    value = "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message =
        "metadata.name must be a DNS label, since it begins the names of the cache's Services and StatefulSets: lowercase"
            + " letters, digits and '-', starting with a letter and ending with a letter or digit, no dots (such as orders-cache)")
@ValidationRule(
    value =
        "self.metadata.name.size() <= (has(self.spec) && has(self.spec.redis) && has(self.spec.redis.mode)"
            + " && self.spec.redis.mode == 'Sentinel' ? "
            + NameLimits.MAX_NAME_LENGTH_SENTINEL
            + " : "
            + NameLimits.MAX_NAME_LENGTH_CLUSTER
            + ")",
    message =
        "metadata.name must be at most "
            + NameLimits.MAX_NAME_LENGTH_CLUSTER
            + " characters in mode Cluster and "
            + NameLimits.MAX_NAME_LENGTH_SENTINEL
            + " in mode Sentinel: the StatefulSets <name>-redis and <name>-sentinel may have at most "
            + NameLimits.MAX_STATEFULSET_NAME_LENGTH
            + " characters, because Kubernetes labels their pods with the StatefulSet's name and an"
            + " 11-character revision hash, and a label value has at most 63")
public class RedisGrpcCache extends CustomResource<RedisGrpcCacheSpec, RedisGrpcCacheStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;
  public static final String GROUP = "cache.redisgrpc.io";
  public static final String VERSION = "v1alpha1";
}
