package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.SecretVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.SchedulingSpec;
import java.util.List;

/**
 * Pieces every pod of a cache shares: scheduling, security, volumes and probes, with each field the
 * API server would default written out, so server-side apply sees no difference once the objects
 * exist.
 */
public final class PodTemplates {
  public static final String CONFIG_HASH_ANNOTATION = "redisgrpc.io/config-hash";

  private PodTemplates() {}

  /** Common pod-level settings: account, security context, scheduling, pull secrets. */
  public static PodSpecBuilder podSpec(
      RedisGrpcCache cache,
      String component,
      SchedulingSpec scheduling,
      long uid,
      List<LocalObjectReference> pullSecrets) {
    SchedulingSpec s = scheduling == null ? new SchedulingSpec() : scheduling;
    PodSpecBuilder spec =
        new PodSpecBuilder()
            .withServiceAccountName(Names.serviceAccount(cache))
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withSecurityContext(PodSecurity.pod(uid))
            .withTerminationGracePeriodSeconds(30L)
            .withRestartPolicy("Always")
            .withDnsPolicy("ClusterFirst")
            .withSchedulerName("default-scheduler")
            .withImagePullSecrets(pullSecrets == null ? List.of() : pullSecrets)
            .withAffinity(s.affinity != null ? s.affinity : spreadOverNodes(cache, component))
            .withTolerations(s.tolerations)
            .withTopologySpreadConstraints(s.topologySpreadConstraints)
            .withNodeSelector(s.nodeSelector);
    if (s.priorityClassName != null) {
      spec.withPriorityClassName(s.priorityClassName);
    }
    return spec;
  }

  /** Without user affinity, pods of one component prefer different nodes. */
  static Affinity spreadOverNodes(RedisGrpcCache cache, String component) {
    return new AffinityBuilder()
        .withNewPodAntiAffinity()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution()
        .withWeight(100)
        .withNewPodAffinityTerm()
        .withTopologyKey("kubernetes.io/hostname")
        .withNewLabelSelector()
        .withMatchLabels(Labels.selector(cache, component))
        .endLabelSelector()
        .endPodAffinityTerm()
        .endPreferredDuringSchedulingIgnoredDuringExecution()
        .endPodAntiAffinity()
        .build();
  }

  public static Volume configVolume(RedisGrpcCache cache) {
    return new VolumeBuilder()
        .withName("config")
        .withConfigMap(
            new ConfigMapVolumeSourceBuilder()
                .withName(Names.config(cache))
                .withDefaultMode(420)
                .build())
        .build();
  }

  /**
   * A Secret volume, optionally only some keys (each to a file named like the key). Read-only for
   * the owner.
   */
  public static Volume secretVolume(String volumeName, String secretName, String... keys) {
    SecretVolumeSourceBuilder source =
        new SecretVolumeSourceBuilder().withSecretName(secretName).withDefaultMode(0400);
    for (String key : keys) {
      source.addNewItem().withKey(key).withPath(key).endItem();
    }
    return new VolumeBuilder().withName(volumeName).withSecret(source.build()).build();
  }

  public static Volume emptyDir(String name) {
    return new VolumeBuilder().withName(name).withEmptyDir(new EmptyDirVolumeSource()).build();
  }

  public static VolumeMount mount(String name, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(name)
        .withMountPath(path)
        .withReadOnly(readOnly)
        .build();
  }

  public static EnvVar podName() {
    return new EnvVarBuilder()
        .withName("POD_NAME")
        .withNewValueFrom()
        .withNewFieldRef()
        .withApiVersion("v1")
        .withFieldPath("metadata.name")
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  /**
   * POD_IP from the downward API: the pod's own address, without asking DNS or the image's tools.
   */
  public static EnvVar podIp() {
    return new EnvVarBuilder()
        .withName("POD_IP")
        .withNewValueFrom()
        .withNewFieldRef()
        .withApiVersion("v1")
        .withFieldPath("status.podIP")
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  public static Probe execProbe(List<String> command, int initialDelay, int period, int failures) {
    return new ProbeBuilder()
        .withNewExec()
        .withCommand(command)
        .endExec()
        .withInitialDelaySeconds(initialDelay)
        .withPeriodSeconds(period)
        .withTimeoutSeconds(3)
        .withSuccessThreshold(1)
        .withFailureThreshold(failures)
        .build();
  }

  public static Probe tcpProbe(String port, int initialDelay, int period, int failures) {
    return new ProbeBuilder()
        .withNewTcpSocket()
        .withNewPort(port)
        .endTcpSocket()
        .withInitialDelaySeconds(initialDelay)
        .withPeriodSeconds(period)
        .withTimeoutSeconds(3)
        .withSuccessThreshold(1)
        .withFailureThreshold(failures)
        .build();
  }

  public static Probe httpProbe(
      String path, String port, int initialDelay, int period, int failures) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withNewPort(port)
        .withScheme("HTTP")
        .endHttpGet()
        .withInitialDelaySeconds(initialDelay)
        .withPeriodSeconds(period)
        .withTimeoutSeconds(3)
        .withSuccessThreshold(1)
        .withFailureThreshold(failures)
        .build();
  }
}
