package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicyBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder;
import io.redisgrpc.operator.crd.PersistenceSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.RedisSpec;
import io.redisgrpc.operator.redis.acl.AclRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Redis and Sentinel StatefulSets. Pure. */
public final class RedisWorkloads {
  private RedisWorkloads() {}

  public static int redisPods(RedisSpec redis) {
    return redis.mode == RedisMode.Cluster
        ? redis.clusterOrDefault().pods()
        : redis.sentinelOrDefault().replicas;
  }

  /** Hash of what Redis reads only at start: a change rolls the pods; live settings do not. */
  public static String restartHash(RedisGrpcCache cache) {
    RedisSpec redis = cache.getSpec().redis;
    return Hashes.sha256(
        String.join("\n", RedisConfig.restartRequired(redis)),
        redis.mode == RedisMode.Sentinel ? RedisConfig.sentinelModeStartScript(cache) : "",
        String.join("\n", TlsRendering.redisConf(cache)));
  }

  public static StatefulSet redis(RedisGrpcCache cache) {
    RedisSpec redis = cache.getSpec().redis;
    String namespace = cache.getMetadata().getNamespace();
    boolean cluster = redis.mode == RedisMode.Cluster;
    String selfHost = "$(POD_NAME)." + Names.redisHeadless(cache) + "." + namespace + ".svc";
    PersistenceSpec persistence =
        redis.persistence == null ? new PersistenceSpec() : redis.persistence;
    List<String> command =
        cluster
            // Without persistence a container restarted in place (crash, OOM, liveness) finds its
            // nodes.conf on the pod's emptyDir but no data: with it, it would claim its slots again
            // empty, and its replica would resync from it and lose them too. Without it, it comes
            // back as a new node; its replica takes over and the operator attaches it as a replica.
            ? List.of(
                "sh",
                "-c",
                (persistence.enabled() ? "" : "rm -f " + RedisConfig.CLUSTER_CONFIG_FILE + " && ")
                    + RedisConfig.writeAuthInclude()
                    + " && exec redis-server /etc/redis/redis.conf"
                    // The pod IP is announced explicitly: a node that restarts with its nodes.conf
                    // (persistence) on a new IP would otherwise keep announcing the old one, as it
                    // learns
                    // its own address only from a CLUSTER MEET (seen on a real node: the cluster
                    // never
                    // counted as formed again).
                    + " --cluster-announce-ip $(POD_IP) --cluster-announce-hostname "
                    + selfHost
                    + " --cluster-preferred-endpoint-type hostname")
            : List.of("sh", RedisConfig.CONFIG_DIR + "/" + RedisConfig.START_SCRIPT);
    ContainerBuilder container =
        new ContainerBuilder()
            .withName("redis")
            .withImage(Images.redis(cache))
            .withImagePullPolicy("IfNotPresent")
            .withCommand(command)
            .withEnv(PodTemplates.podName(), PodTemplates.podIp())
            .addToPorts(
                new ContainerPortBuilder()
                    .withName("redis")
                    .withContainerPort(Names.REDIS_PORT)
                    .withProtocol("TCP")
                    .build())
            // Started: the process answers (the operator works only on started pods). Ready: it
            // serves, i.e. what a client needs (see serves()); Services route to ready pods only.
            .withStartupProbe(PodTemplates.execProbe(answers(cache, Names.REDIS_PORT), 1, 2, 90))
            .withReadinessProbe(PodTemplates.execProbe(serves(cache), 0, 5, 2))
            .withLivenessProbe(PodTemplates.tcpProbe("redis", 0, 10, 6))
            .withResources(MemoryPlan.redisResources(redis))
            .withSecurityContext(PodSecurity.container())
            .withTerminationMessagePath("/dev/termination-log")
            .withTerminationMessagePolicy("File")
            .withVolumeMounts(
                PodTemplates.mount("config", RedisConfig.CONFIG_DIR, true),
                PodTemplates.mount("acl", RedisConfig.ACL_DIR, true),
                PodTemplates.mount("credentials", RedisConfig.CREDENTIALS_DIR, true),
                PodTemplates.mount("data", "/data", false),
                PodTemplates.mount("tmp", "/tmp", false))
            .addAllToVolumeMounts(TlsRendering.mounts(cache));
    if (cluster) {
      // A master being stopped on purpose hands its slots to a replica first (see the script).
      container
          .withNewLifecycle()
          .withNewPreStop()
          .withNewExec()
          .withCommand("sh", RedisConfig.CONFIG_DIR + "/" + RedisConfig.STOP_SCRIPT)
          .endExec()
          .endPreStop()
          .endLifecycle();
    }
    if (cluster) {
      container.addToPorts(
          new ContainerPortBuilder()
              .withName("cluster-bus")
              .withContainerPort(Names.CLUSTER_BUS_PORT)
              .withProtocol("TCP")
              .build());
    }
    List<Volume> volumes =
        new ArrayList<>(
            List.of(
                PodTemplates.configVolume(cache),
                PodTemplates.emptyDir("tmp"),
                PodTemplates.secretVolume("acl", Names.aclSecret(cache)),
                PodTemplates.secretVolume(
                    "credentials", Names.credentials(cache), AclRules.REPLICATION)));
    if (!persistence.enabled()) {
      volumes.add(PodTemplates.emptyDir("data"));
    }
    volumes.addAll(TlsRendering.volumes(cache, TlsNames.redisCertificate(cache)));
    return statefulSet(
        cache,
        Names.redis(cache),
        Names.redisHeadless(cache),
        Labels.REDIS,
        redisPods(redis),
        restartHash(cache),
        container.build(),
        List.of(),
        volumes,
        persistence.enabled() ? List.of(claim(cache, persistence)) : List.of(),
        redis);
  }

  public static StatefulSet sentinel(RedisGrpcCache cache) {
    RedisSpec redis = cache.getSpec().redis;
    // Sentinel rewrites its config file, so it runs from a writable copy.
    Container copyConfig =
        new ContainerBuilder()
            .withName("config")
            .withImage(Images.redis(cache))
            .withImagePullPolicy("IfNotPresent")
            .withCommand("sh", RedisConfig.CONFIG_DIR + "/" + RedisConfig.SENTINEL_SEED_SCRIPT)
            .withEnv(PodTemplates.podName())
            .withResources(Resources.withDefaults(null, "10m", "16Mi"))
            .withSecurityContext(PodSecurity.container())
            .withTerminationMessagePath("/dev/termination-log")
            .withTerminationMessagePolicy("File")
            .withVolumeMounts(
                PodTemplates.mount("config", RedisConfig.CONFIG_DIR, true),
                PodTemplates.mount("data", "/data", false),
                PodTemplates.mount("credentials", RedisConfig.CREDENTIALS_DIR, true))
            .build();
    Container sentinel =
        new ContainerBuilder()
            .withName("sentinel")
            .withImage(Images.redis(cache))
            .withImagePullPolicy("IfNotPresent")
            .withCommand("redis-sentinel", "/data/sentinel.conf")
            .addToPorts(
                new ContainerPortBuilder()
                    .withName("sentinel")
                    .withContainerPort(Names.SENTINEL_PORT)
                    .withProtocol("TCP")
                    .build())
            .withReadinessProbe(
                PodTemplates.execProbe(cli(cache, Names.SENTINEL_PORT, "ping"), 5, 5, 3))
            .withLivenessProbe(PodTemplates.tcpProbe("sentinel", 15, 10, 6))
            .withResources(Resources.withDefaults(null, "50m", "64Mi"))
            .withSecurityContext(PodSecurity.container())
            .withTerminationMessagePath("/dev/termination-log")
            .withTerminationMessagePolicy("File")
            .withVolumeMounts(
                PodTemplates.mount("data", "/data", false),
                PodTemplates.mount("tmp", "/tmp", false))
            .addAllToVolumeMounts(TlsRendering.mounts(cache))
            .build();
    List<Volume> volumes =
        new ArrayList<>(
            List.of(
                PodTemplates.configVolume(cache),
                PodTemplates.emptyDir("data"),
                PodTemplates.emptyDir("tmp")));
    volumes.add(
        PodTemplates.secretVolume("credentials", Names.credentials(cache), AclRules.SENTINEL));
    volumes.addAll(TlsRendering.volumes(cache, TlsNames.sentinelCertificate(cache)));
    return statefulSet(
        cache,
        Names.sentinel(cache),
        Names.sentinelHeadless(cache),
        Labels.SENTINEL,
        redis.sentinelOrDefault().sentinels,
        Hashes.sha256(RedisConfig.sentinelConf(cache)),
        sentinel,
        List.of(copyConfig),
        volumes,
        List.of(),
        redis);
  }

  /**
   * Startup: the process answers at all. With the default user off an unauthenticated PING gets
   * NOAUTH, and a node loading its data set answers LOADING; both prove the process is up.
   * redis-cli exits 0 on error replies, so the reply itself is checked.
   */
  static List<String> answers(RedisGrpcCache cache, int port) {
    return List.of(
        "sh",
        "-c",
        String.join(" ", cli(cache, port, "ping")) + " | grep -qE '^(PONG|NOAUTH|LOADING)'");
  }

  /**
   * Readiness: the node serves. It accepts a login as the replication user (the one password the
   * pod holds), so it has loaded the cache's users and its data set; in Cluster mode it has also
   * joined a cluster that covers its view of the slots ({@code cluster_state:ok}), so a client
   * routed here is never told the cluster is down. The password reaches redis-cli through its
   * environment, never the command line.
   */
  static List<String> serves(RedisGrpcCache cache) {
    String login =
        "REDISCLI_AUTH=\"$(cat "
            + RedisConfig.CREDENTIALS_DIR
            + "/"
            + AclRules.REPLICATION
            + ")\" "
            + String.join(
                " ",
                cli(cache, Names.REDIS_PORT, "--no-auth-warning", "--user", AclRules.REPLICATION));
    String check = login + " ping | grep -qx PONG";
    if (cache.getSpec().redis.mode == RedisMode.Cluster) {
      check += " && " + login + " cluster info | grep -q '^cluster_state:ok'";
    }
    return List.of("sh", "-c", check);
  }

  /** redis-cli against the local server, with the pod's certificate when TLS is on. */
  private static List<String> cli(RedisGrpcCache cache, int port, String... command) {
    List<String> args = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
    args.addAll(TlsRendering.redisCliArgs(cache));
    args.addAll(List.of(command));
    return args;
  }

  private static StatefulSet statefulSet(
      RedisGrpcCache cache,
      String name,
      String serviceName,
      String component,
      int replicas,
      String configHash,
      Container container,
      List<Container> initContainers,
      List<Volume> volumes,
      List<PersistentVolumeClaim> claims,
      RedisSpec redis) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache, component))
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(serviceName)
        .withPodManagementPolicy("Parallel")
        .withRevisionHistoryLimit(10)
        // Redis pods move to a new template only when the operator deletes them, in its order
        // (replicas first, masters handed over first: lifecycle/PodRoller); sentinels hold no
        // data and roll as usual.
        .withUpdateStrategy(
            Labels.REDIS.equals(component)
                ? new StatefulSetUpdateStrategyBuilder().withType("OnDelete").build()
                : new StatefulSetUpdateStrategyBuilder()
                    .withType("RollingUpdate")
                    .withNewRollingUpdate()
                    .withPartition(0)
                    .endRollingUpdate()
                    .build())
        .withNewSelector()
        .withMatchLabels(Labels.selector(cache, component))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.of(cache, component))
        .withAnnotations(Map.of(PodTemplates.CONFIG_HASH_ANNOTATION, configHash))
        .endMetadata()
        .withSpec(
            PodTemplates.podSpec(
                    cache,
                    component,
                    redis.scheduling,
                    PodSecurity.REDIS_UID,
                    redis.imagePullSecrets)
                .withInitContainers(initContainers)
                .withContainers(container)
                .withVolumes(volumes)
                .build())
        .endTemplate()
        .withVolumeClaimTemplates(claims)
        .withPersistentVolumeClaimRetentionPolicy(
            claims.isEmpty() ? null : claimRetention(redis.persistence))
        .endSpec()
        .build();
  }

  private static StatefulSetPersistentVolumeClaimRetentionPolicy claimRetention(
      PersistenceSpec persistence) {
    PersistenceSpec.ClaimRetentionSpec retention =
        persistence.claimRetention == null
            ? new PersistenceSpec.ClaimRetentionSpec()
            : persistence.claimRetention;
    return new StatefulSetPersistentVolumeClaimRetentionPolicyBuilder()
        .withWhenDeleted(retention.whenDeleted.name())
        .withWhenScaled(retention.whenScaled.name())
        .build();
  }

  private static PersistentVolumeClaim claim(RedisGrpcCache cache, PersistenceSpec persistence) {
    PersistentVolumeClaimBuilder claim =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName("data")
            .withLabels(Labels.of(cache, Labels.REDIS))
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadWriteOnce")
            .withVolumeMode("Filesystem")
            .withNewResources()
            .addToRequests("storage", persistence.size)
            .endResources()
            .endSpec();
    if (persistence.storageClassName != null) {
      claim.editSpec().withStorageClassName(persistence.storageClassName).endSpec();
    }
    return claim.build();
  }
}
