package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

@SchemaCustomizer(value = QuantityBounds.class, input = "resources")
public class GatewaySpec {
  @Min(1)
  @Max(100)
  @Default("2")
  @JsonPropertyDescription("Gateway pods (the starting count when autoscaling is on).")
  public Integer replicas = 2;

  @Size(min = 1, max = 512)
  @JsonPropertyDescription(
      "Gateway container image. Unset: the operator's default, ghcr.io/redisgrpc/redis-grpc-gateway at the"
          + " operator's version unless the chart's defaultImages.gateway names another.")
  public String image;

  public List<LocalObjectReference> imagePullSecrets = new ArrayList<>();

  @ValidationRule(
      value = CelRules.LIMITS_ARE_QUANTITIES,
      messageExpression =
          "'spec.gateway.resources.limits.' + "
              + CelRules.FIRST_BAD_LIMIT
              + " + ' must be "
              + CelRules.QUANTITY_HINT
              + "'",
      message = "spec.gateway.resources.limits: every limit must be " + CelRules.QUANTITY_HINT)
  @ValidationRule(
      value = CelRules.REQUESTS_ARE_QUANTITIES,
      messageExpression =
          "'spec.gateway.resources.requests.' + "
              + CelRules.FIRST_BAD_REQUEST
              + " + ' must be "
              + CelRules.QUANTITY_HINT
              + "'",
      message = "spec.gateway.resources.requests: every request must be " + CelRules.QUANTITY_HINT)
  @ValidationRule(
      value = CelRules.REQUESTS_WITHIN_LIMITS,
      messageExpression =
          "'spec.gateway.resources.requests.' + "
              + CelRules.FIRST_REQUEST_ABOVE_LIMIT
              + " + ' must not exceed spec.gateway.resources.limits.' + "
              + CelRules.FIRST_REQUEST_ABOVE_LIMIT
              + " + ': lower the request or raise the limit (a missing request defaults to the limit)'",
      message =
          "spec.gateway.resources.requests must not exceed spec.gateway.resources.limits of the same resource")
  @JsonPropertyDescription("Resources of each gateway container.")
  public ResourceRequirements resources;

  @Default("{}")
  public GatewayServiceSpec service = new GatewayServiceSpec();

  @Default("{}")
  public GatewayLimits limits = new GatewayLimits();

  @JsonPropertyDescription("A HorizontalPodAutoscaler on CPU when set.")
  public AutoscalingSpec autoscaling;

  public SchedulingSpec scheduling = new SchedulingSpec();

  public static class GatewayServiceSpec {
    @Default("ClusterIP")
    public ServiceType type = ServiceType.ClusterIP;

    @Min(1)
    @Max(65535)
    @Default("50051")
    public Integer port = 50051;
  }

  public enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer
  }

  public static class GatewayLimits {
    @Min(1)
    @Max(536870912)
    @Default("1048576")
    @JsonPropertyDescription("Largest value the gateway accepts.")
    public Integer maxValueBytes = 1_048_576;

    @Min(1)
    @Max(65536)
    @Default("4096")
    @JsonPropertyDescription("Largest key the gateway accepts.")
    public Integer maxKeyBytes = 4096;

    @Min(1)
    @Max(100000)
    @Default("1000")
    @JsonPropertyDescription("Most operations in one Batch.")
    public Integer maxBatchOperations = 1000;
  }

  @ValidationRule(
      value = "self.minReplicas <= self.maxReplicas",
      message = "spec.gateway.autoscaling.minReplicas must not exceed maxReplicas")
  public static class AutoscalingSpec {
    @Min(1)
    @Default("2")
    public Integer minReplicas = 2;

    @Min(1)
    @Max(1000)
    @Default("10")
    public Integer maxReplicas = 10;

    @Min(1)
    @Max(100)
    @Default("70")
    public Integer targetCPUUtilizationPercentage = 70;
  }
}
