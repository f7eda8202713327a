package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

@ValidationRule(
    value = "self.mode != 'Cluster' || !has(self.sentinel)",
    message =
        "spec.redis.sentinel is only allowed with mode Sentinel; use spec.redis.cluster for mode Cluster")
@ValidationRule(
    value = "self.mode != 'Sentinel' || !has(self.cluster)",
    message =
        "spec.redis.cluster is only allowed with mode Cluster; use spec.redis.sentinel for mode Sentinel")
@ValidationRule(
    value =
        "!has(self.memory) || !has(self.memory.maxmemoryRatio) || (has(self.resources) && has(self.resources.limits) && 'memory' in self.resources.limits)",
    message =
        "spec.redis.memory.maxmemoryRatio needs spec.redis.resources.limits.memory to take the ratio of")
@SchemaCustomizer(value = QuantityBounds.class, input = "resources")
public class RedisSpec {
  @Required
  @ValidationRule(
      value = "self == oldSelf",
      message =
          "spec.redis.mode is immutable: create a new RedisGrpcCache to move between Cluster and Sentinel")
  @JsonPropertyDescription(
      "Cluster (sharded Redis Cluster) or Sentinel (one master, replicas and sentinels). Immutable.")
  public RedisMode mode;

  @JsonPropertyDescription("Shards and replicas for mode Cluster.")
  public ClusterSpec cluster;

  @JsonPropertyDescription("Data pods, sentinels and quorum for mode Sentinel.")
  public SentinelSpec sentinel;

  @Size(min = 1, max = 512)
  @JsonPropertyDescription(
      "Redis container image (Redis 7.0 or newer), also used for the sentinels. It needs redis-server,"
          + " redis-sentinel, redis-cli and sh on the PATH and must run as any non-root user. Unset: the operator's default,"
          + " redis:7.2 unless the chart's defaultImages.redis names another.")
  public String image;

  @JsonPropertyDescription("Pull secrets for the Redis image.")
  public List<LocalObjectReference> imagePullSecrets = new ArrayList<>();

  @ValidationRule(
      value = CelRules.LIMITS_ARE_QUANTITIES,
      messageExpression =
          "'spec.redis.resources.limits.' + "
              + CelRules.FIRST_BAD_LIMIT
              + " + ' must be "
              + CelRules.QUANTITY_HINT
              + "'",
      message = "spec.redis.resources.limits: every limit must be " + CelRules.QUANTITY_HINT)
  @ValidationRule(
      value = CelRules.REQUESTS_ARE_QUANTITIES,
      messageExpression =
          "'spec.redis.resources.requests.' + "
              + CelRules.FIRST_BAD_REQUEST
              + " + ' must be "
              + CelRules.QUANTITY_HINT
              + "'",
      message = "spec.redis.resources.requests: every request must be " + CelRules.QUANTITY_HINT)
  @ValidationRule(
      value = CelRules.REQUESTS_WITHIN_LIMITS,
      messageExpression =
          "'spec.redis.resources.requests.' + "
              + CelRules.FIRST_REQUEST_ABOVE_LIMIT
              + " + ' must not exceed spec.redis.resources.limits.' + "
              + CelRules.FIRST_REQUEST_ABOVE_LIMIT
              + " + ': lower the request or raise the limit (a missing request defaults to the limit)'",
      message =
          "spec.redis.resources.requests must not exceed spec.redis.resources.limits of the same resource")
  // Map entries as self.limits['memory'], not self.limits.memory: the API server's cost estimate
  // bounds the former by the map's maxLength (QuantityBounds) but not the latter.
  @ValidationRule(
      value =
          "!has(self.limits) || !('memory' in self.limits) || !isQuantity(string(self.limits['memory']))"
              + " || quantity(string(self.limits['memory'])).compareTo(quantity('1Mi')) >= 0",
      message =
          "spec.redis.resources.limits.memory must be at least 1Mi, such as 512Mi or 2Gi: maxmemory is a share of it,"
              + " and a share rounded down to 0 bytes would let Redis grow without bound")
  @ValidationRule(
      value =
          "!has(self.requests) || !('memory' in self.requests) || !isQuantity(string(self.requests['memory']))"
              + " || quantity(string(self.requests['memory'])).compareTo(quantity('1Mi')) >= 0",
      message =
          "spec.redis.resources.requests.memory must be at least 1Mi, such as 256Mi or 1Gi: without a limit maxmemory is a share"
              + " of it, and a share rounded down to 0 bytes would let Redis grow without bound")
  @JsonPropertyDescription(
      "Resources of each Redis container. The memory limit is the base of memory.maxmemoryRatio.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("maxmemory and eviction; applied live without restarts.")
  @Default("{}")
  public MemorySpec memory = new MemorySpec();

  @JsonPropertyDescription("RDB and/or AOF persistence with a PersistentVolumeClaim per pod.")
  @Default("{}")
  public PersistenceSpec persistence = new PersistenceSpec();

  @JsonPropertyDescription("Where Redis and sentinel pods may run.")
  public SchedulingSpec scheduling = new SchedulingSpec();

  public ClusterSpec clusterOrDefault() {
    return cluster == null ? new ClusterSpec() : cluster;
  }

  public SentinelSpec sentinelOrDefault() {
    return sentinel == null ? new SentinelSpec() : sentinel;
  }
}
