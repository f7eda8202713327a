package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMapVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.redisgrpc.operator.crd.GatewaySpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The gateway Deployment and its autoscaler. Pure. */
public final class GatewayWorkloads {
  public static final int GRPC_PORT = 50051;

  private GatewayWorkloads() {}

  public static final String CREDENTIALS_DIR = "/etc/redisgrpc/credentials";
  public static final String POLICY_DIR = "/etc/redisgrpc/policy";

  /** The gateway's command line, derived from the spec. */
  public static List<String> args(RedisGrpcCache cache) {
    GatewaySpec gateway = cache.getSpec().gateway;
    String namespace = cache.getMetadata().getNamespace();
    List<String> args = new ArrayList<>();
    args.add("--port=" + GRPC_PORT);
    args.add("--metrics-port=" + Names.GATEWAY_METRICS_PORT);
    if (cache.getSpec().redis.mode == RedisMode.Cluster) {
      args.add("--redis-mode=CLUSTER");
      args.add(
          "--redis-nodes="
              + Names.serviceHost(Names.redis(cache), namespace)
              + ":"
              + Names.REDIS_PORT);
    } else {
      args.add("--redis-mode=SENTINEL");
      args.add(
          "--redis-nodes="
              + Names.serviceHost(Names.sentinel(cache), namespace)
              + ":"
              + Names.SENTINEL_PORT);
      args.add("--sentinel-master=" + Names.SENTINEL_MASTER_NAME);
    }
    // One password file per user (docs/security.md); re-read on every reconnect, so a rotated
    // password reaches the gateway without a restart.
    args.add("--redis-credentials-dir=" + CREDENTIALS_DIR);
    args.add("--max-value-bytes=" + gateway.limits.maxValueBytes);
    args.add("--max-key-bytes=" + gateway.limits.maxKeyBytes);
    args.add("--max-batch-operations=" + gateway.limits.maxBatchOperations);
    args.addAll(TlsRendering.gatewayArgs(cache));
    if (TlsRendering.enabled(cache)) {
      // mTLS tells callers apart: each is held to its declared client (prefixes, permissions, own
      // ACL user).
      args.add("--policy-file=" + POLICY_DIR + "/" + GatewayPolicy.FILE);
    }
    return args;
  }

  public static Deployment deployment(RedisGrpcCache cache) {
    GatewaySpec gateway = cache.getSpec().gateway;
    List<String> args = args(cache);
    DeploymentBuilder deployment =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(Names.gateway(cache))
            .withNamespace(cache.getMetadata().getNamespace())
            .withLabels(Labels.of(cache, Labels.GATEWAY))
            .endMetadata()
            .withNewSpec()
            .withRevisionHistoryLimit(10)
            .withProgressDeadlineSeconds(600)
            .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
            .withMaxUnavailable(new IntOrString(0))
            .withMaxSurge(new IntOrString(1))
            .endRollingUpdate()
            .endStrategy()
            .withNewSelector()
            .withMatchLabels(Labels.selector(cache, Labels.GATEWAY))
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(Labels.of(cache, Labels.GATEWAY))
            .withAnnotations(
                Map.of(PodTemplates.CONFIG_HASH_ANNOTATION, Hashes.sha256(String.join(" ", args))))
            .endMetadata()
            .withSpec(
                PodTemplates.podSpec(
                        cache,
                        Labels.GATEWAY,
                        gateway.scheduling,
                        PodSecurity.GATEWAY_UID,
                        gateway.imagePullSecrets)
                    .withContainers(
                        new ContainerBuilder()
                            .withName("gateway")
                            .withImage(Images.gateway(cache))
                            .withImagePullPolicy("IfNotPresent")
                            .withArgs(args)
                            .addToPorts(
                                new ContainerPortBuilder()
                                    .withName("grpc")
                                    .withContainerPort(GRPC_PORT)
                                    .withProtocol("TCP")
                                    .build())
                            .addToPorts(
                                new ContainerPortBuilder()
                                    .withName("metrics")
                                    .withContainerPort(Names.GATEWAY_METRICS_PORT)
                                    .withProtocol("TCP")
                                    .build())
                            // Plaintext HTTP on the metrics port, so the probes work with mTLS on
                            // the gRPC port:
                            // ready only while a call can succeed (Redis answers, every slot has a
                            // master);
                            // alive while the process runs, also while it waits for Redis.
                            .withReadinessProbe(
                                PodTemplates.httpProbe("/ready", "metrics", 1, 2, 2))
                            .withLivenessProbe(
                                PodTemplates.httpProbe("/live", "metrics", 10, 10, 6))
                            .withResources(
                                Resources.withDefaults(gateway.resources, "100m", "256Mi"))
                            .withSecurityContext(PodSecurity.container())
                            .withTerminationMessagePath("/dev/termination-log")
                            .withTerminationMessagePolicy("File")
                            .withVolumeMounts(
                                PodTemplates.mount("tmp", "/tmp", false),
                                PodTemplates.mount("credentials", CREDENTIALS_DIR, true))
                            .addAllToVolumeMounts(TlsRendering.gatewayMounts(cache))
                            .addToVolumeMounts(PodTemplates.mount("policy", POLICY_DIR, true))
                            .build())
                    .withVolumes(
                        PodTemplates.emptyDir("tmp"),
                        PodTemplates.secretVolume("credentials", Names.gatewayCredentials(cache)))
                    .addAllToVolumes(TlsRendering.gatewayVolumes(cache))
                    .addToVolumes(
                        new VolumeBuilder()
                            .withName("policy")
                            .withConfigMap(
                                new ConfigMapVolumeSourceBuilder()
                                    .withName(Names.gatewayPolicy(cache))
                                    .withDefaultMode(420)
                                    .build())
                            .build())
                    .build())
            .endTemplate()
            .endSpec();
    // With autoscaling the HPA owns the replica count; leaving it out keeps the two from fighting.
    if (gateway.autoscaling == null) {
      deployment.editSpec().withReplicas(gateway.replicas).endSpec();
    }
    return deployment.build();
  }

  public static HorizontalPodAutoscaler autoscaler(RedisGrpcCache cache) {
    // Also called (for the object's name) when autoscaling was just switched off and the HPA goes.
    GatewaySpec.AutoscalingSpec autoscaling =
        cache.getSpec().gateway.autoscaling == null
            ? new GatewaySpec.AutoscalingSpec()
            : cache.getSpec().gateway.autoscaling;
    return new HorizontalPodAutoscalerBuilder()
        .withNewMetadata()
        .withName(Names.gateway(cache))
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache, Labels.GATEWAY))
        .endMetadata()
        .withNewSpec()
        .withNewScaleTargetRef()
        .withApiVersion("apps/v1")
        .withKind("Deployment")
        .withName(Names.gateway(cache))
        .endScaleTargetRef()
        .withMinReplicas(autoscaling.minReplicas)
        .withMaxReplicas(autoscaling.maxReplicas)
        .addNewMetric()
        .withType("Resource")
        .withNewResource()
        .withName("cpu")
        .withNewTarget()
        .withType("Utilization")
        .withAverageUtilization(autoscaling.targetCPUUtilizationPercentage)
        .endTarget()
        .endResource()
        .endMetric()
        .endSpec()
        .build();
  }
}
