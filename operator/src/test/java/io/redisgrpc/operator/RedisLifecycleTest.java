package io.redisgrpc.operator;

import static io.redisgrpc.operator.LoopbackPods.as;
import static io.redisgrpc.operator.LoopbackPods.topology;
import static io.redisgrpc.operator.testing.CacheApi.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.gateway.GatewayServer;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.operator.crd.AuthSpec;
import io.redisgrpc.operator.crd.ClusterSpec;
import io.redisgrpc.operator.crd.EvictionPolicy;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.crd.SentinelSpec;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.lifecycle.RedisEndpoints;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.reconciler.RedisGrpcCacheReconciler;
import io.redisgrpc.operator.status.ConditionTypes;
import io.redisgrpc.operator.testing.CacheApi;
import io.redisgrpc.operator.testing.ClientSpecs;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisBinaries;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import io.redisgrpc.testkit.RedisSentinelHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator against a real API server, talking to real redis-server and redis-sentinel
 * processes. There is no kubelet here, so no pod ever runs: the processes stand in for the pods
 * (the reconciler is handed their loopback addresses instead of pod IPs), and a Secret informer
 * stands in for the kubelet's projection of the gateway's password Secret into files.
 */
@Integration
class RedisLifecycleTest {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLifecycleTest.class);
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static KubernetesClient client;
  static String namespace;
  static CacheApi caches;
  static OperatorHarness operator;
  static final Map<String, RedisEndpoints.Topology> topologies = new ConcurrentHashMap<>();

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    client = TestCluster.client();
    namespace = TestCluster.newNamespace("life");
    caches = new CacheApi(client, namespace, TIMEOUT);
    RedisEndpoints endpoints =
        (cache, context) ->
            topologies.getOrDefault(cache.getMetadata().getName(), RedisEndpoints.Topology.none());
    operator =
        new OperatorHarness(
            client,
            namespace,
            new RedisGrpcCacheReconciler(Clock.systemUTC(), endpoints, Duration.ofSeconds(2)));
  }

  @AfterAll
  static void stop() {
    operator.close();
  }

  @Test
  void clusterIsFormedWithUsersAndLiveConfigAndDriftIsRepaired() {
    try (RedisClusterHarness nodes =
        RedisClusterHarness.startNodes(dir.resolve("c1"), 3, 1, List.of())) {
      topologies.put("c1", topology(nodes.nodes(), List.of()));
      caches.create(
          "c1",
          spec -> {
            spec.redis.mode = RedisMode.Cluster;
            spec.redis.memory.maxmemory = new Quantity("64Mi");
            spec.auth.clients.add(
                ClientSpecs.client(
                    "orders",
                    "orders:",
                    null,
                    AuthSpec.Permission.READ,
                    AuthSpec.Permission.WRITE));
          });
      RedisGrpcCache formed =
          awaitStatus(
              "c1",
              c ->
                  Boolean.TRUE.equals(c.getStatus().redis.clusterFormed)
                      && Boolean.TRUE.equals(c.getStatus().redis.aclInSync)
                      && Boolean.TRUE.equals(c.getStatus().redis.liveConfigApplied));
      assertThat(formed.getStatus().redis.slotsAssigned).isEqualTo(16384);
      assertThat(formed.getStatus().redis.masters).isEqualTo(3);
      assertThat(formed.getStatus().redis.minReplicasPerMaster).isEqualTo(1);
      assertThat(condition(formed, ConditionTypes.CREDENTIALS_READY).getStatus()).isEqualTo("True");
      assertThat(formed.getStatus().credentials.generation).isEqualTo(1L);

      Map<String, String> credentials = caches.secretData("c1-credentials");
      assertThat(credentials)
          .containsOnlyKeys(
              "_exporter", "_gateway", "_operator", "_replication", "_sentinel", "orders");
      assertThat(caches.secretData("c1-gateway-credentials"))
          .containsOnlyKeys("_gateway", "orders");
      assertThat(caches.secretData("c1-acl").get("users.acl"))
          .contains("user default reset off")
          .doesNotContain(credentials.get("orders"));
      for (RedisProcess node : nodes.nodes()) {
        assertThat(RedisNodes.loginReply(node.port(), null, null))
            .as("default user is off on %s", node.port())
            .startsWith("NOAUTH");
        assertThat(
                as(node, "_operator", credentials.get("_operator"), c -> c.aclGetuser("orders"))
                    .toString())
            .contains("~orders:*");
        String replicationInfo =
            as(node, "_replication", credentials.get("_replication"), c -> c.ping());
        assertThat(replicationInfo).as("replication logs in as its own user").isEqualTo("PONG");
      }
      // The gateway's shared user (no mTLS here) may use data keys but no admin commands.
      RedisProcess anyMaster = nodes.nodes().get(0);
      assertThatThrownBy(
              () -> as(anyMaster, "_gateway", credentials.get("_gateway"), RedisCommands::flushall))
          .hasMessageContaining("NOPERM");

      // Drift: a user loosened by hand comes back.
      RedisProcess drifted = nodes.nodes().get(4);
      as(
          drifted,
          "_operator",
          credentials.get("_operator"),
          c -> c.aclSetuser("orders", AclSetuserArgs.Builder.allKeys()));
      Awaitility.await("hand-made ACL change repaired")
          .atMost(TIMEOUT)
          .until(
              () ->
                  !as(
                          drifted,
                          "_operator",
                          credentials.get("_operator"),
                          c -> c.aclGetuser("orders"))
                      .toString()
                      .contains("~*"));

      // Live config: a new eviction policy reaches every node without a restart.
      Map<Integer, String> pids = new LinkedHashMap<>();
      nodes.nodes().forEach(node -> pids.put(node.port(), processId(node, credentials)));
      String hashBefore = formed.getStatus().redis.liveConfigHash;
      caches.edit(
          "c1", cache -> cache.getSpec().redis.memory.evictionPolicy = EvictionPolicy.ALLKEYS_LFU);
      Awaitility.await("policy applied on every node")
          .atMost(TIMEOUT)
          .until(
              () ->
                  nodes.nodes().stream()
                      .allMatch(
                          node ->
                              "allkeys-lfu"
                                  .equals(
                                      as(
                                              node,
                                              "_operator",
                                              credentials.get("_operator"),
                                              c -> c.configGet("maxmemory-policy"))
                                          .get("maxmemory-policy"))));
      nodes
          .nodes()
          .forEach(
              node ->
                  assertThat(processId(node, credentials))
                      .as("no restart of %s", node.port())
                      .isEqualTo(pids.get(node.port())));
      RedisGrpcCache applied =
          awaitStatus(
              "c1",
              c ->
                  !hashBefore.equals(c.getStatus().redis.liveConfigHash)
                      && Boolean.TRUE.equals(c.getStatus().redis.liveConfigApplied));
      assertThat(applied.getStatus().redis.liveConfigHash).isNotEqualTo(hashBefore);
    } finally {
      topologies.remove("c1");
    }
  }

  /**
   * A delete by hand of the credentials Secret, the source of truth for passwords Redis already
   * holds, is undone with the same passwords (a new set would lock everyone out of the running
   * pods); the Secrets derived from it come back too.
   */
  @Test
  void aCredentialsSecretDeletedByHandComesBackWithTheSamePasswords() {
    try (RedisClusterHarness nodes =
        RedisClusterHarness.startNodes(dir.resolve("hand"), 3, 1, List.of())) {
      topologies.put("hand", topology(nodes.nodes(), List.of()));
      caches.create("hand", spec -> spec.redis.mode = RedisMode.Cluster);
      awaitStatus(
          "hand",
          c ->
              Boolean.TRUE.equals(c.getStatus().redis.clusterFormed)
                  && Boolean.TRUE.equals(c.getStatus().redis.aclInSync));
      Map<String, String> before = caches.secretData("hand-credentials");
      assertThat(
              client
                  .secrets()
                  .inNamespace(namespace)
                  .withName("hand-credentials")
                  .get()
                  .getMetadata()
                  .getFinalizers())
          .contains(CredentialStore.KEEP_FINALIZER);

      String uidBefore =
          client
              .secrets()
              .inNamespace(namespace)
              .withName("hand-credentials")
              .get()
              .getMetadata()
              .getUid();
      client.secrets().inNamespace(namespace).withName("hand-credentials").delete();
      Awaitility.await("the Secret written again")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                Secret now =
                    client.secrets().inNamespace(namespace).withName("hand-credentials").get();
                return now != null
                    && !uidBefore.equals(now.getMetadata().getUid())
                    && now.getMetadata().getDeletionTimestamp() == null;
              });
      assertThat(caches.secretData("hand-credentials"))
          .as("the same passwords, rotation state included")
          .isEqualTo(before);
      // The Event follows the write (the round writes the Secret, then the reconciler records it).
      Event restored =
          Awaitility.await("a CredentialsRestored Event")
              .atMost(TIMEOUT)
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () ->
                      client.v1().events().inNamespace(namespace).list().getItems().stream()
                          .filter(
                              e ->
                                  "CredentialsRestored".equals(e.getReason())
                                      && "hand".equals(e.getInvolvedObject().getName()))
                          .findFirst()
                          .orElse(null),
                  Objects::nonNull);
      assertThat(restored.getType()).isEqualTo("Warning");
      assertThat(restored.getMessage())
          .contains("hand-credentials", CredentialStore.ROTATE_ANNOTATION);
      RedisProcess node = nodes.nodes().get(0);
      assertThat(LoopbackPods.<String>as(node, "_operator", before.get("_operator"), c -> c.ping()))
          .isEqualTo("PONG");

      // The Secrets derived from it (nothing watches them) are written again at the next look.
      Map<String, String> acl = caches.secretData("hand-acl");
      Map<String, String> gateway = caches.secretData("hand-gateway-credentials");
      client.secrets().inNamespace(namespace).withName("hand-acl").delete();
      client.secrets().inNamespace(namespace).withName("hand-gateway-credentials").delete();
      Awaitility.await("derived Secrets written again")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () ->
                  caches.secretData("hand-acl").equals(acl)
                      && caches.secretData("hand-gateway-credentials").equals(gateway));

      // Edited by hand: an edited password becomes that user's password, the operator's own
      // included (it pushes the ACL over the sessions it is already logged in with).
      String operatorPassword = "edited-operator-" + "x".repeat(24);
      String gatewayPassword = "edited-gateway-" + "y".repeat(24);
      client
          .secrets()
          .inNamespace(namespace)
          .withName("hand-credentials")
          .edit(
              s -> {
                s.getData()
                    .put(
                        "_operator",
                        Base64.getEncoder()
                            .encodeToString(operatorPassword.getBytes(StandardCharsets.UTF_8)));
                s.getData()
                    .put(
                        "_gateway",
                        Base64.getEncoder()
                            .encodeToString(gatewayPassword.getBytes(StandardCharsets.UTF_8)));
                return s;
              });
      Awaitility.await("the edited passwords accepted by every node, the old ones refused")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  nodes.nodes().stream()
                      .allMatch(
                          n ->
                              "OK"
                                      .equals(
                                          RedisNodes.loginReply(
                                              n.port(), "_operator", operatorPassword))
                                  && "OK"
                                      .equals(
                                          RedisNodes.loginReply(
                                              n.port(), "_gateway", gatewayPassword))
                                  && RedisNodes.loginReply(
                                          n.port(), "_operator", before.get("_operator"))
                                      .startsWith("WRONGPASS")));
      Awaitility.await("the gateway's Secret follows")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () ->
                  gatewayPassword.equals(
                      caches.secretData("hand-gateway-credentials").get("_gateway")));
      // And the operator still reaches Redis: a change made now is applied.
      caches.edit(
          "hand",
          cache -> cache.getSpec().redis.memory.evictionPolicy = EvictionPolicy.ALLKEYS_LFU);
      Awaitility.await("a setting applied after the edit")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  "allkeys-lfu"
                      .equals(
                          LoopbackPods.<Map<String, String>>as(
                                  node,
                                  "_operator",
                                  operatorPassword,
                                  c -> c.configGet("maxmemory-policy"))
                              .get("maxmemory-policy")));
      RedisGrpcCache afterEdit =
          awaitStatus(
              "hand",
              c ->
                  Boolean.TRUE.equals(c.getStatus().redis.aclInSync)
                      && Boolean.TRUE.equals(c.getStatus().redis.liveConfigApplied));
      assertThat(condition(afterEdit, ConditionTypes.CREDENTIALS_READY).getStatus())
          .isEqualTo("True");

      client.resources(RedisGrpcCache.class).inNamespace(namespace).withName("hand").delete();
      Awaitility.await("the credentials Secret goes with the cache")
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.secrets().inNamespace(namespace).withName("hand-credentials").get()
                      == null);
    } finally {
      topologies.remove("hand");
    }
  }

  @Test
  void rotationThroughTheGatewayFailsNoRequestAndTheMasterServiceFollowsAFailover()
      throws Exception {
    try (RedisSentinelHarness group =
        RedisSentinelHarness.start(dir.resolve("s1"), 1, 3, 2, List.of())) {
      topologies.put("s1", topology(group.dataNodes(), group.sentinels()));
      caches.create(
          "s1",
          spec -> {
            spec.redis.mode = RedisMode.Sentinel;
            spec.auth.clients.add(
                ClientSpecs.client(
                    "orders",
                    "orders:",
                    null,
                    AuthSpec.Permission.READ,
                    AuthSpec.Permission.WRITE));
            spec.auth.rotation.gracePeriod = "3s";
          });
      RedisGrpcCache ready =
          awaitStatus(
              "s1",
              c ->
                  "True".equals(condition(c, ConditionTypes.CREDENTIALS_READY).getStatus())
                      && "s1-redis-0".equals(c.getStatus().redis.master));
      assertThat(ready.getStatus().credentials.phase).isEqualTo("Idle");
      assertThat(caches.await(Service.class, "s1-master").getSpec().getSelector())
          .containsEntry("statefulset.kubernetes.io/pod-name", "s1-redis-0");
      String oldGatewayPassword = caches.secretData("s1-gateway-credentials").get("_gateway");

      Path files = Files.createDirectories(dir.resolve("s1-gateway-files"));
      Files.writeString(files.resolve("username"), "_gateway");
      try (SecretProjection projection =
              new SecretProjection(
                  "s1-gateway-credentials", "_gateway", files.resolve("password"));
          GatewayServer gateway =
              GatewayServer.start(
                  GatewayConfig.parse(
                      "--port=0",
                      "--metrics-port=-1",
                      "--bind=127.0.0.1",
                      "--redis-mode=SENTINEL",
                      "--redis-nodes=" + group.sentinelList(),
                      "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME,
                      "--redis-username-file=" + files.resolve("username"),
                      "--redis-password-file=" + files.resolve("password")));
          Traffic traffic = new Traffic(gateway.port(), "rotation")) {
        traffic.awaitMore(200);
        long started = System.nanoTime();
        long before = traffic.successes();
        caches.edit(
            "s1",
            cache ->
                cache.getMetadata().getAnnotations().put(CredentialStore.ROTATE_ANNOTATION, "now"));
        RedisGrpcCache rotated =
            awaitStatus(
                "s1",
                c ->
                    c.getStatus().credentials.generation == 2
                        && "Idle".equals(c.getStatus().credentials.phase));
        LOG.info(
            String.format(
                "ROTATION requested→Idle in %d ms; %d requests answered meanwhile, %d failed",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                traffic.successes() - before,
                traffic.failures()));
        String newGatewayPassword = caches.secretData("s1-gateway-credentials").get("_gateway");
        assertThat(newGatewayPassword).isNotEqualTo(oldGatewayPassword);
        assertThat(caches.secretData("s1-credentials"))
            .as("nothing retiring or pending once Idle")
            .doesNotContainKeys("_gateway.retiring", "_gateway.pending");
        assertThat(rotated.getStatus().credentials.lastRotationTime).isNotNull();

        // Rotation drops no connection: the running gateway keeps its sessions. A gateway that
        // logs in now (a new pod) has only the projected file, which must hold the new password.
        Awaitility.await("projection caught up")
            .atMost(TIMEOUT)
            .until(() -> Files.readString(files.resolve("password")).equals(newGatewayPassword));
        try (GatewayServer second =
                GatewayServer.start(
                    GatewayConfig.parse(
                        "--port=0",
                        "--metrics-port=-1",
                        "--bind=127.0.0.1",
                        "--redis-mode=SENTINEL",
                        "--redis-nodes=" + group.sentinelList(),
                        "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME,
                        "--redis-username-file=" + files.resolve("username"),
                        "--redis-password-file=" + files.resolve("password")));
            Traffic fresh = new Traffic(second.port(), "fresh-gateway")) {
          fresh.awaitMore(100);
          fresh.stop();
          assertThat(fresh.failures())
              .as("a gateway started after the rotation: %s", fresh.lastFailure())
              .isZero();
          assertThat(fresh.successes()).as("it served requests").isGreaterThanOrEqualTo(100);
        }
        traffic.awaitMore(200);
        traffic.stop();
        assertThat(traffic.failures())
            .as("failed requests during the rotation: %s", traffic.lastFailure())
            .isZero();
        assertThat(traffic.successes()).isGreaterThan(400);
        for (RedisProcess node : group.dataNodes()) {
          assertThat(RedisNodes.loginReply(node.port(), "_gateway", oldGatewayPassword))
              .startsWith("WRONGPASS");
          String pong = as(node, "_gateway", newGatewayPassword, RedisCommands::ping);
          assertThat(pong).isEqualTo("PONG");
        }
      }

      // A sentinel that lost its state (a pod restarted without its rewritten config) is taught
      // again.
      // It comes back at the same address, as a pod keeps its DNS name: the other sentinels then
      // replace the old identity instead of counting a dead peer in every failover vote.
      RedisProcess lost = group.sentinels().get(2);
      lost.kill();
      int port = lost.port();
      try (RedisProcess blank =
          new RedisProcess(
                  RedisBinaries.sentinel(),
                  port,
                  RedisProcess.createDir(dir, "sentinel-blank-" + port),
                  List.of())
              .start()) {
        topologies.put(
            "s1",
            topology(
                group.dataNodes(),
                List.of(group.sentinels().get(0), group.sentinels().get(1), blank)));
        String master = "127.0.0.1:" + group.dataNodes().get(0).port();
        Awaitility.await("the blank sentinel monitors the master again")
            .atMost(TIMEOUT)
            .until(() -> master.equals(masterNamedBy(blank)));
        // Before it can take part in a failover it must have found the replica and its peers (INFO
        // every 10 s, hello every 2 s); a sentinel elected leader without them aborts the failover.
        Awaitility.await("the blank sentinel knows the replica and the other sentinels")
            .atMost(TIMEOUT)
            .until(
                () -> sentinelView(blank),
                view ->
                    Integer.parseInt(view.getOrDefault("num-slaves", "0")) >= 1
                        && Integer.parseInt(view.getOrDefault("num-other-sentinels", "0")) >= 2);

        // Failover: the master dies, the sentinels promote the replica, the master Service follows.
        group.dataNodes().get(0).kill();
        RedisGrpcCache failedOver =
            awaitStatus("s1", c -> "s1-redis-1".equals(c.getStatus().redis.master));
        assertThat(failedOver.getStatus().redis.master).isEqualTo("s1-redis-1");
        Awaitility.await("master Service follows")
            .atMost(TIMEOUT)
            .until(
                () ->
                    "s1-redis-1"
                        .equals(
                            client
                                .services()
                                .inNamespace(namespace)
                                .withName("s1-master")
                                .get()
                                .getSpec()
                                .getSelector()
                                .get("statefulset.kubernetes.io/pod-name")));
      }
    } finally {
      topologies.remove("s1");
    }
  }

  static Map<String, String> sentinelView(RedisProcess sentinel) {
    RedisClient redis =
        RedisClient.create(
            RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(sentinel.port())
                .withTimeout(Duration.ofSeconds(2))
                .build());
    try (var connection = redis.connectSentinel()) {
      return connection.sync().master(RedisSentinelHarness.MASTER_NAME);
    } catch (RedisException e) {
      return Map.of();
    } finally {
      redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  static String masterNamedBy(RedisProcess sentinel) {
    RedisClient redis =
        RedisClient.create(
            RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(sentinel.port())
                .withTimeout(Duration.ofSeconds(2))
                .build());
    try (var connection = redis.connectSentinel()) {
      var address =
          (InetSocketAddress)
              connection.sync().getMasterAddrByName(RedisSentinelHarness.MASTER_NAME);
      return address == null ? null : address.getHostString() + ":" + address.getPort();
    } catch (RedisException e) {
      return null;
    } finally {
      redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void sentinelReplicasGoDownOnlyAfterTheMasterLeftTheLeavingPod() {
    try (RedisSentinelHarness group =
        RedisSentinelHarness.start(dir.resolve("s2"), 2, 3, 2, List.of())) {
      // The master stands in for the highest ordinal, the pod a scale-down removes.
      RedisProcess master = group.dataNodes().get(0);
      List<RedisProcess> pods = List.of(group.dataNodes().get(1), group.dataNodes().get(2), master);
      topologies.put("s2", topology(pods, group.sentinels()));
      caches.create(
          "s2",
          spec -> {
            spec.redis.mode = RedisMode.Sentinel;
            spec.redis.sentinel = new SentinelSpec();
            spec.redis.sentinel.replicas = 3;
          });
      awaitStatus(
          "s2",
          c ->
              "s2-redis-2".equals(c.getStatus().redis.master)
                  && "True".equals(condition(c, ConditionTypes.CREDENTIALS_READY).getStatus()));
      String operatorPassword = caches.secretData("s2-credentials").get("_operator");
      as(master, "_operator", operatorPassword, c -> c.set("kept", "across the move"));

      caches.edit("s2", cache -> cache.getSpec().redis.sentinel.replicas = 2);
      Awaitility.await("StatefulSet shrinks once the master moved")
          .atMost(TIMEOUT)
          .until(() -> statefulSetReplicas("s2-redis") == 2);
      String named = masterNamedBy(group.sentinels().get(0));
      assertThat(named)
          .as("when the pod may go, the sentinels' master is a staying pod")
          .isIn("127.0.0.1:" + pods.get(0).port(), "127.0.0.1:" + pods.get(1).port());
      RedisGrpcCache moved =
          awaitStatus(
              "s2", c -> List.of("s2-redis-0", "s2-redis-1").contains(c.getStatus().redis.master));
      RedisProcess newMaster =
          pods.get(
              Integer.parseInt(moved.getStatus().redis.master.substring("s2-redis-".length())));
      String kept = as(newMaster, "_operator", operatorPassword, c -> c.get("kept"));
      assertThat(kept).isEqualTo("across the move");
    } finally {
      topologies.remove("s2");
    }
  }

  @Test
  void shardsGoUpAndDownUnderWriteLoadWithoutLosingAKey() throws Exception {
    Path c2 = dir.resolve("c2");
    try (RedisClusterHarness initial = RedisClusterHarness.startNodes(c2, 3, 1, List.of())) {
      List<RedisProcess> pods = new ArrayList<>(initial.nodes());
      topologies.put("c2", topology(pods, List.of()));
      caches.create(
          "c2",
          spec -> {
            spec.redis.mode = RedisMode.Cluster;
            spec.redis.cluster = new ClusterSpec();
          });
      awaitStatus("c2", c -> Boolean.TRUE.equals(c.getStatus().redis.clusterFormed));

      Path files = Files.createDirectories(dir.resolve("c2-gateway-files"));
      Files.writeString(files.resolve("username"), "_gateway");
      List<RedisProcess> added = new ArrayList<>();
      try (SecretProjection projection =
              new SecretProjection(
                  "c2-gateway-credentials", "_gateway", files.resolve("password"));
          GatewayServer gateway =
              GatewayServer.start(
                  GatewayConfig.parse(
                      "--port=0",
                      "--metrics-port=-1",
                      "--bind=127.0.0.1",
                      "--redis-mode=CLUSTER",
                      "--redis-nodes=127.0.0.1:" + pods.get(0).port(),
                      "--topology-refresh-ms=1000",
                      "--redis-username-file=" + files.resolve("username"),
                      "--redis-password-file=" + files.resolve("password")));
          Writer writer = new Writer(gateway.port())) {
        writer.awaitMore(500);

        // Up: the StatefulSet grows; the "kubelet" starts the new pods, loading the ACL file as a
        // pod does.
        long upStarted = System.nanoTime();
        caches.edit("c2", cache -> cache.getSpec().redis.cluster.shards = 4);
        Awaitility.await("StatefulSet grows")
            .atMost(TIMEOUT)
            .until(() -> statefulSetReplicas("c2-redis") == 8);
        Path aclFile = c2.resolve("users.acl");
        Files.writeString(aclFile, caches.secretData("c2-acl").get("users.acl"));
        for (int i = 0; i < 2; i++) {
          RedisProcess pod =
              RedisProcess.server(
                      c2,
                      List.of(
                          "cluster-enabled yes",
                          "cluster-config-file nodes.conf",
                          "cluster-node-timeout 2000",
                          "cluster-replica-validity-factor 0",
                          "aclfile " + aclFile))
                  .start();
          added.add(pod);
          pods.add(pod);
        }
        topologies.put("c2", topology(pods, List.of()));
        RedisGrpcCache four =
            awaitStatus(
                "c2",
                c ->
                    Integer.valueOf(4).equals(c.getStatus().redis.masters)
                        && Boolean.TRUE.equals(c.getStatus().redis.clusterFormed));
        assertThat(four.getStatus().redis.slotsAssigned).isEqualTo(16384);
        assertThat(four.getStatus().redis.minReplicasPerMaster).isEqualTo(1);
        long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - upStarted);
        writer.awaitMore(500);

        // Down: the StatefulSet keeps its pods until the leaving ones hold no slot.
        long downStarted = System.nanoTime();
        long writesBefore = writer.acknowledged();
        caches.edit("c2", cache -> cache.getSpec().redis.cluster.shards = 3);
        Awaitility.await("StatefulSet shrinks once drained")
            .atMost(TIMEOUT)
            .until(() -> statefulSetReplicas("c2-redis") == 6);
        String operatorPassword = caches.secretData("c2-credentials").get("_operator");
        for (RedisProcess leaving : pods.subList(6, 8)) {
          String nodes = as(leaving, "_operator", operatorPassword, RedisCommands::clusterNodes);
          String myself =
              nodes.lines().filter(line -> line.contains("myself")).findFirst().orElseThrow();
          assertThat(myself.split(" "))
              .as("a leaving pod owns no slot when the StatefulSet lets it go: %s", myself)
              .hasSize(8);
        }
        for (RedisProcess pod : List.copyOf(pods.subList(6, 8))) {
          pod.stop();
          pods.remove(pod);
        }
        topologies.put("c2", topology(pods, List.of()));
        RedisGrpcCache three =
            awaitStatus(
                "c2",
                c ->
                    Integer.valueOf(3).equals(c.getStatus().redis.masters)
                        && Boolean.TRUE.equals(c.getStatus().redis.clusterFormed));
        assertThat(three.getStatus().redis.slotsAssigned).isEqualTo(16384);
        long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downStarted);
        writer.awaitMore(200);
        writer.stop();

        assertThat(writer.failures())
            .as("writes refused during resharding: %s", writer.lastFailure())
            .isZero();
        assertThat(writer.acknowledged() - writesBefore)
            .as("writes kept flowing during the scale-down")
            .isGreaterThan(1000);
        Map<String, String> missing = writer.verify();
        LOG.info(
            String.format(
                "SCALING up 3->4 in %d ms, down 4->3 in %d ms; %d writes acknowledged (%d during scale-down), %d keys checked, %d missing",
                upMillis,
                downMillis,
                writer.acknowledged(),
                writer.acknowledged() - writesBefore,
                writer.keys(),
                missing.size()));
        assertThat(missing).as("acknowledged keys not readable afterwards").isEmpty();
      } finally {
        added.forEach(RedisProcess::kill);
      }
    } finally {
      topologies.remove("c2");
    }
  }

  /**
   * A new pod template (here an image) under write load: the StatefulSet (OnDelete, with the real
   * StatefulSet and disruption controllers) changes nothing by itself; the operator evicts the
   * replicas first, then hands each master over to a replica and evicts it once it is a replica.
   * The loopback processes stand in for the pods' Redis (they are not restarted); a "kubelet" marks
   * the pods the StatefulSet controller creates Ready.
   */
  @Test
  void aNewTemplateRestartsReplicasFirstAndHandsEachMasterOverBeforeItsPodGoes() throws Exception {
    try (RedisClusterHarness nodes =
        RedisClusterHarness.startNodes(dir.resolve("c3"), 3, 1, List.of())) {
      topologies.put("c3", topology(nodes.nodes(), List.of()));
      caches.create(
          "c3",
          spec -> {
            spec.redis.mode = RedisMode.Cluster;
            spec.redis.cluster = new ClusterSpec();
          });
      awaitStatus("c3", c -> Boolean.TRUE.equals(c.getStatus().redis.clusterFormed));
      Rolled rolled =
          rollImageUnderWrites(
              "c3",
              nodes.nodes(),
              List.of(
                  "--redis-mode=CLUSTER",
                  "--redis-nodes=127.0.0.1:" + nodes.nodes().get(0).port(),
                  "--topology-refresh-ms=1000"));
      assertThat(rolled.failures())
          .as("writes refused during the rolling update: %s", rolled.lastFailure())
          .isZero();
      RedisGrpcCache after =
          awaitStatus("c3", c -> Boolean.TRUE.equals(c.getStatus().redis.clusterFormed));
      assertThat(after.getStatus().redis.slotsAssigned).isEqualTo(16384);
      assertThat(after.getStatus().redis.minReplicasPerMaster).isEqualTo(1);
    } finally {
      topologies.remove("c3");
    }
  }

  /**
   * The same in Sentinel mode, where the hand-over is the sentinels' failover: the operator pauses
   * writes on the master until a replica has everything, so the write the old master would
   * acknowledge between the promotion and its own demotion cannot happen. Calls fail (UNAVAILABLE)
   * while the master changes, but no acknowledged write is lost.
   */
  @Test
  void sentinelModeRollsReplicasFirstAndPausesTheMasterBeforeTheSentinelsFailOver()
      throws Exception {
    try (RedisSentinelHarness group =
        RedisSentinelHarness.start(dir.resolve("s3"), 2, 3, 2, List.of())) {
      topologies.put("s3", topology(group.dataNodes(), group.sentinels()));
      caches.create(
          "s3",
          spec -> {
            spec.redis.mode = RedisMode.Sentinel;
            spec.redis.sentinel = new SentinelSpec();
            spec.redis.sentinel.replicas = 3;
          });
      awaitStatus(
          "s3",
          c ->
              "s3-redis-0".equals(c.getStatus().redis.master)
                  && "True".equals(condition(c, ConditionTypes.CREDENTIALS_READY).getStatus()));
      Rolled rolled =
          rollImageUnderWrites(
              "s3",
              group.dataNodes(),
              List.of(
                  "--redis-mode=SENTINEL",
                  "--redis-nodes=" + group.sentinelList(),
                  "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME));
      assertThat(rolled.deleted().get(2).getKey()).as("the master's pod last").isZero();
    } finally {
      topologies.remove("s3");
    }
  }

  record Rolled(List<Map.Entry<Integer, String>> deleted, long failures, String lastFailure) {}

  /**
   * Changes the cache's image while a gateway (started with {@code gatewayArgs}) takes writes,
   * plays the kubelet until every pod is on the new template, and checks what holds in both modes:
   * each pod deleted once, replicas first, every pod a replica when it went, Events for the steps,
   * and no acknowledged write lost.
   */
  Rolled rollImageUnderWrites(String name, List<RedisProcess> nodes, List<String> gatewayArgs)
      throws Exception {
    int pods = nodes.size();
    try (ReadyKubelet kubelet = new ReadyKubelet(name)) {
      Awaitility.await(pods + " Ready pods")
          .atMost(TIMEOUT)
          .until(() -> kubelet.readyPods() == pods);
      String operatorPassword = caches.secretData(name + "-credentials").get("_operator");
      IntFunction<String> role =
          ordinal ->
              as(
                  nodes.get(ordinal),
                  "_operator",
                  operatorPassword,
                  c -> String.valueOf(c.role().get(0)));
      List<Integer> replicasBefore =
          IntStream.range(0, pods).filter(i -> role.apply(i).equals("slave")).boxed().toList();
      kubelet.onDelete(role);

      Path files = Files.createDirectories(dir.resolve(name + "-gateway-files"));
      Files.writeString(files.resolve("username"), "_gateway");
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--port=0",
                  "--metrics-port=-1",
                  "--bind=127.0.0.1",
                  "--redis-username-file=" + files.resolve("username"),
                  "--redis-password-file=" + files.resolve("password")));
      args.addAll(gatewayArgs);
      try (SecretProjection projection =
              new SecretProjection(
                  name + "-gateway-credentials", "_gateway", files.resolve("password"));
          GatewayServer gateway =
              GatewayServer.start(GatewayConfig.parse(args.toArray(String[]::new)));
          Writer writer = new Writer(gateway.port())) {
        writer.awaitMore(500);
        long started = System.nanoTime();
        caches.edit(name, cache -> cache.getSpec().redis.image = "redis-grpc/redis:rolled");
        Awaitility.await("every pod on the new template and Ready")
            .atMost(TIMEOUT)
            .until(
                () -> {
                  var set =
                      client
                          .apps()
                          .statefulSets()
                          .inNamespace(namespace)
                          .withName(name + "-redis")
                          .get();
                  return set.getStatus() != null
                      && set.getStatus().getUpdateRevision() != null
                      && kubelet.deleted().size() >= pods
                      && kubelet.readyPods() == pods
                      && client
                          .pods()
                          .inNamespace(namespace)
                          .withLabel(Labels.INSTANCE, name)
                          .withLabel(Labels.COMPONENT, Labels.REDIS)
                          .list()
                          .getItems()
                          .stream()
                          .allMatch(
                              pod ->
                                  set.getStatus()
                                      .getUpdateRevision()
                                      .equals(
                                          pod.getMetadata()
                                              .getLabels()
                                              .get("controller-revision-hash")));
                });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        writer.awaitMore(200);
        writer.stop();

        List<Map.Entry<Integer, String>> deleted = kubelet.deleted();
        Map<String, String> missing = writer.verify();
        LOG.info(
            String.format(
                "ROLLING update of %s in %d ms: pods deleted in this order, with their Redis role then: %s; "
                    + "%d writes acknowledged, %d failed (last: %s), %d missing",
                name,
                millis,
                deleted,
                writer.acknowledged(),
                writer.failures(),
                writer.lastFailure(),
                missing.size()));
        assertThat(deleted.stream().map(Map.Entry::getKey))
            .as("each pod restarted once")
            .doesNotHaveDuplicates()
            .hasSize(pods);
        assertThat(deleted.subList(0, replicasBefore.size()).stream().map(Map.Entry::getKey))
            .as("the replicas first")
            .containsExactlyInAnyOrderElementsOf(replicasBefore);
        assertThat(deleted)
            .as("every pod was a replica when it went: masters are handed over first")
            .allSatisfy(entry -> assertThat(entry.getValue()).isEqualTo("slave"));
        assertThat(
                client.v1().events().inNamespace(namespace).list().getItems().stream()
                    .filter(
                        e ->
                            "RollingUpdate".equals(e.getReason())
                                && name.equals(e.getInvolvedObject().getName())))
            .as("each restart and hand-over is an Event")
            .hasSizeGreaterThanOrEqualTo(pods + (pods - replicasBefore.size()));
        assertThat(missing).as("acknowledged writes not readable afterwards").isEmpty();
        return new Rolled(deleted, writer.failures(), writer.lastFailure());
      }
    }
  }

  // --- the stand-ins and helpers ---

  /**
   * The kubelet's part: a Secret key kept in a file, replaced atomically when the Secret changes.
   */
  static final class SecretProjection implements AutoCloseable {
    private final SharedIndexInformer<Secret> informer;

    SecretProjection(String secret, String key, Path file) {
      informer =
          client
              .secrets()
              .inNamespace(namespace)
              .withName(secret)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Secret s) {
                      write(s);
                    }

                    @Override
                    public void onUpdate(Secret old, Secret s) {
                      write(s);
                    }

                    @Override
                    public void onDelete(Secret s, boolean unknown) {}

                    private void write(Secret s) {
                      try {
                        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                        Files.writeString(
                            tmp,
                            new String(
                                Base64.getDecoder().decode(s.getData().get(key)),
                                StandardCharsets.UTF_8));
                        Files.move(
                            tmp,
                            file,
                            StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    }
                  });
      Awaitility.await("secret projected").atMost(TIMEOUT).until(() -> Files.exists(file));
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  /** A client writing and reading through the gateway without pause, counting every answer. */
  static final class Traffic implements AutoCloseable {
    private final ManagedChannel channel;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastFailure = "none";
    private final Thread thread;

    /**
     * @param name the traffic's own keys ({@code name:0} ...): two generators running at once never
     *     share a key
     */
    Traffic(int port, String name) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      CacheGrpc.CacheBlockingStub stub = CacheGrpc.newBlockingStub(channel);
      thread =
          new Thread(
              () -> {
                long i = 0;
                while (running.get()) {
                  ByteString key = ByteString.copyFromUtf8(name + ":" + (i % 1000));
                  ByteString value = ByteString.copyFromUtf8("v" + i);
                  try {
                    stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .set(SetRequest.newBuilder().setKey(key).setValue(value).build());
                    ByteString read =
                        stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .get(GetRequest.newBuilder().setKey(key).build())
                            .getValue();
                    if (!read.equals(value)) {
                      throw new IllegalStateException(
                          "read " + read.toStringUtf8() + " after writing " + value.toStringUtf8());
                    }
                    ok.incrementAndGet();
                  } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    lastFailure = e.toString();
                  }
                  i++;
                }
              },
              "traffic");
      thread.start();
    }

    void awaitMore(long count) {
      long target = ok.get() + count;
      Awaitility.await("traffic flowing")
          .atMost(TIMEOUT)
          .until(() -> ok.get() >= target || !thread.isAlive());
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    long failures() {
      return failed.get();
    }

    long successes() {
      return ok.get();
    }

    String lastFailure() {
      return lastFailure;
    }

    @Override
    public void close() throws InterruptedException {
      stop();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Writes distinct keys through the gateway without pause; remembers every acknowledged one. */
  /**
   * The kubelet's part for pods nobody runs: every pod of the cache's Redis StatefulSet is marked
   * Ready (the loopback processes serve for them), and each deletion is recorded with what {@code
   * onDelete} says of that pod at that moment.
   */
  static final class ReadyKubelet implements AutoCloseable {
    private final SharedIndexInformer<Pod> informer;

    /**
     * The sentinel pods are marked Ready too (loopback sentinels serve for them); their deletions
     * are not recorded.
     */
    private final SharedIndexInformer<Pod> sentinels;

    private final List<Map.Entry<Integer, String>> deleted =
        Collections.synchronizedList(new ArrayList<>());
    private volatile IntFunction<String> onDelete = ordinal -> "";

    ReadyKubelet(String cache) {
      informer =
          markReady(
              cache,
              Labels.REDIS,
              pod -> {
                String name = pod.getMetadata().getName();
                int ordinal = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
                deleted.add(Map.entry(ordinal, onDelete.apply(ordinal)));
              });
      sentinels = markReady(cache, Labels.SENTINEL, pod -> {});
    }

    /**
     * Marks the cache's pods of {@code component} Ready as they come; {@code deletedPod} sees each
     * one deleted.
     */
    private SharedIndexInformer<Pod> markReady(
        String cache, String component, Consumer<Pod> deletedPod) {
      return client
          .pods()
          .inNamespace(namespace)
          .withLabel(Labels.INSTANCE, cache)
          .withLabel(Labels.COMPONENT, component)
          .inform(
              new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                  markReady(pod);
                }

                @Override
                public void onUpdate(Pod old, Pod pod) {
                  markReady(pod);
                }

                @Override
                public void onDelete(Pod pod, boolean unknown) {
                  deletedPod.accept(pod);
                }
              });
    }

    void onDelete(IntFunction<String> probe) {
      this.onDelete = probe;
    }

    private void markReady(Pod pod) {
      if (pod.getMetadata().getDeletionTimestamp() != null || Readiness.isPodReady(pod)) {
        return;
      }
      pod.setStatus(
          new PodStatusBuilder()
              .withPhase("Running")
              .addNewCondition()
              .withType("Ready")
              .withStatus("True")
              .endCondition()
              .build());
      try {
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
      } catch (KubernetesClientException conflict) {
        // a newer version of the pod is on its way; its update event marks it
      }
    }

    long readyPods() {
      return informer.getStore().list().stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .filter(Readiness::isPodReady)
          .count();
    }

    List<Map.Entry<Integer, String>> deleted() {
      return List.copyOf(deleted);
    }

    @Override
    public void close() {
      informer.close();
      sentinels.close();
    }
  }

  static final class Writer implements AutoCloseable {
    private final ManagedChannel channel;
    private final CacheGrpc.CacheBlockingStub stub;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastFailure = "none";
    private final Thread thread;

    Writer(int port) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      stub = CacheGrpc.newBlockingStub(channel);
      thread =
          new Thread(
              () -> {
                for (long i = 0; running.get(); i++) {
                  String key = "scale:" + i;
                  String value = "v" + i;
                  try {
                    stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .set(
                            SetRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8(value))
                                .build());
                    acknowledged.put(key, value);
                  } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    lastFailure = e.toString();
                  }
                }
              },
              "writer");
      thread.start();
    }

    void awaitMore(long count) {
      long target = acknowledged.size() + count;
      Awaitility.await("writes flowing")
          .atMost(TIMEOUT)
          .until(() -> acknowledged.size() >= target || !thread.isAlive());
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    long acknowledged() {
      return acknowledged.size();
    }

    long keys() {
      return acknowledged.size();
    }

    long failures() {
      return failed.get();
    }

    String lastFailure() {
      return lastFailure;
    }

    /** Every acknowledged key read back; returns those missing or wrong. */
    Map<String, String> verify() {
      Map<String, String> missing = new LinkedHashMap<>();
      acknowledged.forEach(
          (key, value) -> {
            var reply =
                stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
            if (!reply.getFound() || !reply.getValue().toStringUtf8().equals(value)) {
              missing.put(key, reply.getFound() ? reply.getValue().toStringUtf8() : "(absent)");
            }
          });
      return missing;
    }

    @Override
    public void close() throws InterruptedException {
      stop();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static int statefulSetReplicas(String name) {
    var set = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
    return set == null ? -1 : set.getSpec().getReplicas();
  }

  static String processId(RedisProcess node, Map<String, String> credentials) {
    return RedisNodes.parseInfo(
            as(node, "_operator", credentials.get("_operator"), c -> c.info("server")))
        .get("process_id");
  }

  /** Waits for a status that satisfies the condition and already reports credentials. */
  static RedisGrpcCache awaitStatus(String name, Predicate<RedisGrpcCache> condition) {
    return caches.awaitStatus(
        name, cache -> cache.getStatus().credentials != null && condition.test(cache));
  }
}
