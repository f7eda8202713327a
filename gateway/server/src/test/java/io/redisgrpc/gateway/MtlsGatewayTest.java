package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.assertFails;
import static io.redisgrpc.gateway.TestGateway.assertFailsWithCode;
import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway with mTLS, a policy and per-client ACL users, in front of a real redis-server, with
 * real certificates: who gets in, what each client may do, that clients cannot reach each other's
 * keys or channels, that Redis itself enforces each client's ACL user, and that certificate renewal
 * and password rotation under continuous traffic fail no request.
 */
@Integration
class MtlsGatewayTest {
  static final String SPIFFE = "spiffe://redisgrpc.io/ns/shop/cache/c/client/";

  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;
  static TestCertificates.Issued ca;
  static TestCertificates.Issued wrongCa;
  static Path caFile;
  static Path creds;
  static Path policyFile;
  static Path tlsDir;
  static final List<ManagedChannel> channels = new ArrayList<>();

  static String policy(String readerPermissions) {
    return """
        {"version": 1, "clients": [
          {"name": "orders", "identities": ["%1$sorders"], "keyPrefix": "orders:", "channelPrefix": "orders.", "permissions": ["read","write","pubsub"]},
          {"name": "billing", "identities": ["%1$sbilling"], "keyPrefix": "billing:", "channelPrefix": "billing.", "permissions": ["read","write","pubsub"]},
          {"name": "reader", "identities": ["reader"], "keyPrefix": "reader:", "channelPrefix": "reader.", "permissions": [%2$s]},
          {"name": "misfit", "identities": ["%1$smisfit"], "keyPrefix": "misfit:", "channelPrefix": "misfit.", "permissions": ["read","write"]}
        ]}"""
        .formatted(SPIFFE, readerPermissions);
  }

  @BeforeAll
  static void start() throws IOException {
    ca = TestCertificates.ca("test-ca");
    wrongCa = TestCertificates.ca("wrong-ca");
    caFile = dir.resolve("ca.crt");
    TestCertificates.writeString(caFile, ca.certificatePem());
    tlsDir = Files.createDirectories(dir.resolve("gateway-tls"));
    publishServerCertificate(TestCertificates.server(ca, "gateway"), "v1");

    creds = Files.createDirectories(dir.resolve("credentials"));
    for (String user : List.of("_gateway", "orders", "billing", "reader", "misfit")) {
      Files.writeString(creds.resolve(user), user + "-pw-1\n");
    }
    // The operator's ACL shape: each client only its own key and channel prefix. "misfit" is
    // deliberately granted other keys than its policy prefix, to show Redis refuses by itself.
    // The default user stays on for the test's own admin probes.
    redis =
        RedisProcess.server(
                dir,
                List.of(
                    "user _gateway on >_gateway-pw-1 ~* &* +@all",
                    "user orders on >orders-pw-1 ~orders:* &orders.* +@all -@dangerous",
                    "user billing on >billing-pw-1 ~billing:* &billing.* +@all -@dangerous",
                    "user reader on >reader-pw-1 ~reader:* &reader.* +@all -@dangerous",
                    "user misfit on >misfit-pw-1 ~elsewhere:* +@all -@dangerous"))
            .start();
    policyFile = dir.resolve("policy.json");
    Files.writeString(policyFile, policy("\"read\""));
    gateway =
        TestGateway.start(
            "--redis-nodes=" + redis.hostAndPort(),
            "--tls-cert-file=" + tlsDir.resolve("tls.crt"),
            "--tls-key-file=" + tlsDir.resolve("tls.key"),
            "--tls-client-ca-file=" + caFile,
            "--policy-file=" + policyFile,
            "--redis-credentials-dir=" + creds,
            "--file-watch-interval-ms=100");
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (gateway != null) {
      gateway.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /**
   * Kubernetes' Secret volume layout: tls.crt -> ..data/tls.crt, ..data -> ..vN, swapped
   * atomically.
   */
  static void publishServerCertificate(TestCertificates.Issued cert, String version) {
    try {
      Path versionDir = Files.createDirectories(tlsDir.resolve(".." + version));
      cert.write(versionDir, "tls");
      Path link = tlsDir.resolve("..data_tmp");
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, versionDir.getFileName());
      Files.move(
          link,
          tlsDir.resolve("..data"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      for (String name : List.of("tls.crt", "tls.key")) {
        if (!Files.exists(tlsDir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(tlsDir.resolve(name), Path.of("..data", name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ManagedChannel channel(TestCertificates.Issued clientCert, String name) {
    try {
      TlsChannelCredentials.Builder creds =
          TlsChannelCredentials.newBuilder().trustManager(caFile.toFile());
      if (clientCert != null) {
        TestCertificates.Files2 files = clientCert.write(dir, name + "-" + clientCert.serial());
        creds.keyManager(files.cert().toFile(), files.key().toFile());
      }
      ChannelCredentials credentials = creds.build();
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress("localhost", gateway.server.port(), credentials).build();
      channels.add(channel);
      return channel;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static CacheGrpc.CacheBlockingStub cache(ManagedChannel channel) {
    return CacheGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  static PubSubGrpc.PubSubBlockingStub pubSub(ManagedChannel channel) {
    return PubSubGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  static ManagedChannel as(String client) {
    return channel(TestCertificates.client(ca, client, SPIFFE + client), client);
  }

  static GetResponse get(ManagedChannel channel, String key) {
    return cache(channel).get(GetRequest.newBuilder().setKey(bytes(key)).build());
  }

  static void set(ManagedChannel channel, String key, String value) {
    assertThat(
            cache(channel)
                .set(SetRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build())
                .getApplied())
        .isTrue();
  }

  static String adminGet(String key) {
    return RedisNodes.withNode(redis.port(), c -> c.get(key));
  }

  // ------------------------------------------------------------------ who gets in

  @Test
  void acceptsAClientCertificateOfTheTrustedCa() {
    ManagedChannel orders = as("orders");
    set(orders, "greeting", "hello");
    assertThat(get(orders, "greeting").getValue().toStringUtf8()).isEqualTo("hello");
    assertThat(adminGet("orders:greeting"))
        .as("stored under the client's prefix")
        .isEqualTo("hello");
  }

  @Test
  void refusesConnectionsWithoutAValidClientCertificate() {
    assertFailsWithCode(Status.Code.UNAVAILABLE, () -> get(channel(null, "none"), "k"));
    assertFailsWithCode(
        Status.Code.UNAVAILABLE,
        () ->
            get(
                channel(TestCertificates.client(wrongCa, "orders", SPIFFE + "orders"), "wrong-ca"),
                "k"));
    assertFailsWithCode(
        Status.Code.UNAVAILABLE,
        () ->
            get(
                channel(TestCertificates.expiredClient(ca, "orders", SPIFFE + "orders"), "expired"),
                "k"));
  }

  @Test
  void unknownIdentityIsUnauthenticated() {
    ManagedChannel stranger =
        channel(TestCertificates.client(ca, "stranger", SPIFFE + "stranger"), "stranger");
    String message =
        assertFails(Status.Code.UNAUTHENTICATED, "UNKNOWN_IDENTITY", () -> get(stranger, "k"));
    assertThat(message).contains(SPIFFE + "stranger").contains("stranger");
    assertFails(
        Status.Code.UNAUTHENTICATED,
        "UNKNOWN_IDENTITY",
        () ->
            pubSub(stranger)
                .publish(
                    PublishRequest.newBuilder()
                        .setChannel(bytes("c"))
                        .setMessage(bytes("m"))
                        .build()));
  }

  @Test
  void theCommonNameIdentifiesWhenNoUriSanMatches() {
    // "reader" is declared by CN; the certificate's URI SAN is unknown, so the CN is used.
    ManagedChannel reader =
        channel(TestCertificates.client(ca, "reader", SPIFFE + "not-declared"), "reader");
    assertThat(get(reader, "anything").getFound()).isFalse();
  }

  // ------------------------------------------------------------------ permissions

  @Test
  void operationsOutsideTheClientsPermissionsAreDenied() {
    ManagedChannel reader = channel(TestCertificates.client(ca, "reader"), "reader-only");
    RedisNodes.withNode(redis.port(), c -> c.set("reader:config", "v1"));
    assertThat(get(reader, "config").getValue().toStringUtf8()).isEqualTo("v1");
    String message =
        assertFails(
            Status.Code.PERMISSION_DENIED,
            "NOT_PERMITTED",
            () ->
                cache(reader)
                    .set(
                        SetRequest.newBuilder()
                            .setKey(bytes("config"))
                            .setValue(bytes("v2"))
                            .build()));
    assertThat(message).contains("Set needs the 'write' permission").contains("'reader'");
    assertFails(
        Status.Code.PERMISSION_DENIED,
        "NOT_PERMITTED",
        () -> cache(reader).listPop(ListPopRequest.newBuilder().setKey(bytes("q")).build()));
    assertFails(
        Status.Code.PERMISSION_DENIED,
        "NOT_PERMITTED",
        () ->
            pubSub(reader)
                .publish(
                    PublishRequest.newBuilder()
                        .setChannel(bytes("c"))
                        .setMessage(bytes("m"))
                        .build()));
    assertFails(
        Status.Code.PERMISSION_DENIED,
        "NOT_PERMITTED",
        () ->
            pubSub(reader)
                .subscribe(SubscribeRequest.newBuilder().addChannels(bytes("c")).build())
                .next());
    assertFails(
        Status.Code.PERMISSION_DENIED,
        "NOT_PERMITTED",
        () ->
            cache(reader)
                .getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("config")).build()));
    // In a Batch each operation is judged on its own.
    BatchResponse batch =
        cache(reader)
            .batch(
                BatchRequest.newBuilder()
                    .addOperations(
                        Operation.newBuilder()
                            .setGet(GetRequest.newBuilder().setKey(bytes("config"))))
                    .addOperations(
                        Operation.newBuilder()
                            .setDelete(DeleteRequest.newBuilder().addKeys(bytes("config"))))
                    .build());
    assertThat(batch.getResults(0).getGet().getValue().toStringUtf8()).isEqualTo("v1");
    assertThat(batch.getResults(1).getError().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED.value());
    assertThat(adminGet("reader:config")).isEqualTo("v1");
  }

  // ------------------------------------------------------------------ isolation

  @Test
  void clientsCannotReachEachOthersKeysEvenWithCraftedKeys() {
    ManagedChannel orders = as("orders");
    ManagedChannel billing = as("billing");
    set(billing, "secret", "billing-only");
    set(billing, "{tag}secret", "billing-tagged");
    for (String crafted :
        List.of(
            "secret",
            "billing:secret",
            "../billing:secret",
            "{billing:}secret",
            "{tag}secret",
            "*",
            "billing:*")) {
      assertThat(get(orders, crafted).getFound()).as(crafted).isFalse();
    }
    set(orders, "billing:secret", "overwritten?");
    set(orders, "{billing:secret}", "overwritten?");
    assertThat(adminGet("billing:secret")).isEqualTo("billing-only");
    assertThat(get(billing, "secret").getValue().toStringUtf8()).isEqualTo("billing-only");
    assertThat(
            cache(orders)
                .exists(
                    ExistsRequest.newBuilder()
                        .addKeys(bytes("secret"))
                        .addKeys(bytes("billing:secret"))
                        .build())
                .getCount())
        .as("only orders' own copy of billing:secret")
        .isEqualTo(1);
    assertThat(adminGet("orders:billing:secret")).isEqualTo("overwritten?");
    List<String> keys = RedisNodes.withNode(redis.port(), c -> c.keys("*"));
    assertThat(keys).allSatisfy(k -> assertThat(k).matches("(orders|billing|reader|misfit):.*"));
  }

  @Test
  void clientsCannotReachEachOthersChannelsEvenWithGlobPatterns() {
    ManagedChannel orders = as("orders");
    ManagedChannel billing = as("billing");
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<SubscribeEvent> events =
                PubSubGrpc.newBlockingStub(billing)
                    .subscribe(
                        SubscribeRequest.newBuilder()
                            .addPatterns(bytes("*"))
                            .addChannels(bytes("news"))
                            .build());
            Subscribed subscribed = events.next().getSubscribed();
            assertThat(subscribed.getPatternsList()).containsExactly(bytes("*"));
            assertThat(subscribed.getChannelsList()).containsExactly(bytes("news"));
            // orders publishes to what would be billing's channels: nobody of billing hears it
            for (String channel : List.of("news", "billing.news", "*", "{billing}")) {
              long receivers =
                  pubSub(orders)
                      .publish(
                          PublishRequest.newBuilder()
                              .setChannel(bytes(channel))
                              .setMessage(bytes("from orders"))
                              .build())
                      .getReceivers();
              assertThat(receivers).as(channel).isZero();
            }
            pubSub(billing)
                .publish(
                    PublishRequest.newBuilder()
                        .setChannel(bytes("news"))
                        .setMessage(bytes("from billing"))
                        .build());
            List<Message> received = new ArrayList<>();
            while (received.size() < 2) {
              SubscribeEvent event = events.next();
              if (event.hasMessage()) {
                received.add(event.getMessage());
              }
            }
            assertThat(received)
                .extracting(m -> m.getPayload().toStringUtf8())
                .containsOnly("from billing");
            assertThat(received)
                .extracting(m -> m.getChannel().toStringUtf8())
                .containsOnly("news");
            assertThat(received).extracting(m -> m.getPattern().toStringUtf8()).contains("*", "");
          });
    } finally {
      call.cancel(null);
    }
  }

  @Test
  void pipelineAndLeasesAreScopedLikeEveryOtherCall() throws Exception {
    ManagedChannel orders = as("orders");
    List<PipelineResponse> answers = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<PipelineRequest> requests =
        CacheGrpc.newStub(orders)
            .pipeline(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PipelineResponse value) {
                    synchronized (answers) {
                      answers.add(value);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    done.countDown();
                  }
                });
    requests.onNext(
        PipelineRequest.newBuilder()
            .setId(1)
            .setOperation(
                Operation.newBuilder()
                    .setSet(SetRequest.newBuilder().setKey(bytes("piped")).setValue(bytes("p"))))
            .build());
    requests.onCompleted();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(answers)
        .singleElement()
        .satisfies(a -> assertThat(a.getResult().getSet().getApplied()).isTrue());
    assertThat(adminGet("orders:piped")).isEqualTo("p");

    GetOrLeaseResponse lease =
        cache(orders).getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("report")).build());
    assertThat(lease.getOutcome()).isEqualTo(GetOrLeaseResponse.Outcome.LEASE_GRANTED);
    assertThat(
            cache(orders)
                .fillLease(
                    FillLeaseRequest.newBuilder()
                        .setKey(bytes("report"))
                        .setValue(bytes("filled"))
                        .setLeaseToken(lease.getLeaseToken())
                        .build())
                .getLeaseHeld())
        .isTrue();
    assertThat(adminGet("orders:report")).isEqualTo("filled");
    assertThat(
            cache(as("billing"))
                .getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("report")).build())
                .getOutcome())
        .as("billing's own report is a different key")
        .isEqualTo(GetOrLeaseResponse.Outcome.LEASE_GRANTED);
  }

  // ------------------------------------------------------------------ Redis enforces each client's
  // own ACL user

  @Test
  void eachClientTalksToRedisAsItsOwnAclUser() {
    ManagedChannel orders = as("orders");
    set(orders, "who", "orders");
    String clients = RedisNodes.withNode(redis.port(), c -> c.clientList());
    assertThat(clients).contains("user=orders").contains("user=_gateway");
    // A connection as "orders" that skipped the gateway's scoping is refused by Redis itself.
    String refused =
        RedisNodes.withNode(
            RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(redis.port())
                .withAuthentication("orders", "orders-pw-1".toCharArray())
                .build(),
            c -> {
              try {
                c.get("billing:secret");
                return "allowed";
              } catch (RedisCommandExecutionException e) {
                return e.getMessage();
              }
            });
    assertThat(refused).startsWith("NOPERM");
    // "misfit"'s ACL user may not touch its policy prefix: Redis refuses, the gateway says so.
    String message =
        assertFails(
            Status.Code.PERMISSION_DENIED, "REDIS_NOPERM", () -> set(as("misfit"), "k", "v"));
    assertThat(message).contains("NOPERM");
  }

  // ------------------------------------------------------------------ live policy

  @Test
  void policyChangesApplyLiveAndABadFileKeepsTheLastGoodPolicy() throws IOException {
    ManagedChannel reader = channel(TestCertificates.client(ca, "reader"), "reader-reload");
    SetRequest write = SetRequest.newBuilder().setKey(bytes("reload")).setValue(bytes("x")).build();
    assertFails(Status.Code.PERMISSION_DENIED, "NOT_PERMITTED", () -> cache(reader).set(write));
    double errorsBefore = metric("redisgrpc_policy_reloads_total{result=\"error\"");
    try {
      Files.writeString(policyFile, policy("\"read\", \"write\""));
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(() -> cache(reader).set(write).getApplied());
      Files.writeString(policyFile, "{\"version\": 1, \"clients\": [ broken");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> metric("redisgrpc_policy_reloads_total{result=\"error\"") > errorsBefore);
      assertThat(cache(reader).set(write).getApplied())
          .as("last good policy still in force")
          .isTrue();
    } finally {
      Files.writeString(policyFile, policy("\"read\""));
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(
              () -> {
                assertFails(
                    Status.Code.PERMISSION_DENIED, "NOT_PERMITTED", () -> cache(reader).set(write));
                return true;
              });
    }
  }

  static double metric(String prefix) {
    try {
      String body =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + gateway.server.metricsPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return body.lines()
          .filter(l -> l.startsWith(prefix))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ renewal and rotation under
  // load

  /**
   * Calls Get/Set without pause on one channel, plus a call on a brand-new connection every 25th
   * time; records failures.
   */
  static final class Traffic implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    final AtomicBoolean running = new AtomicBoolean(true);

    /**
     * Held by the traffic thread for one call pair at a time; {@link #pause()} takes it between
     * pairs.
     */
    final Semaphore gate = new Semaphore(1);

    final Thread thread;

    Traffic(String client) {
      ManagedChannel steady = as(client);
      thread =
          new Thread(
              () -> {
                long i = 0;
                while (running.get()) {
                  gate.acquireUninterruptibly();
                  try {
                    ManagedChannel target = steady;
                    if (++i % 25 == 0) {
                      target = as(client);
                    }
                    set(target, "load", "v" + i);
                    get(target, "load");
                    if (target != steady) {
                      target.shutdownNow();
                    }
                    ok.incrementAndGet();
                  } catch (Throwable e) {
                    failures.add(e);
                  } finally {
                    gate.release();
                  }
                }
              },
              "traffic-" + client);
      thread.start();
    }

    /** Waits until no call is in flight and holds further calls back. */
    void pause() {
      gate.acquireUninterruptibly();
    }

    void resume() {
      gate.release();
    }

    void awaitMore(long calls) {
      long target = ok.get() + calls;
      await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= target || !failures.isEmpty());
    }

    @Override
    public void close() {
      running.set(false);
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void renewedServerCertificateIsServedWithoutFailingARequest() throws Exception {
    BigInteger before = servedCertificate().getSerialNumber();
    TestCertificates.Issued renewed = TestCertificates.server(ca, "gateway-renewed");
    try (Traffic traffic = new Traffic("orders")) {
      traffic.awaitMore(50);
      publishServerCertificate(renewed, "v2-" + renewed.serial());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> servedCertificate().getSerialNumber().equals(renewed.serial()));
      traffic.awaitMore(100);
      traffic.close();
      assertThat(traffic.failures).as("failed calls").isEmpty();
      assertThat(traffic.ok.get()).isGreaterThan(150);
    }
    assertThat(renewed.serial()).isNotEqualTo(before);
  }

  /**
   * The certificate a fresh TLS handshake gets from the gateway (JDK TLS, with a client
   * certificate).
   */
  static X509Certificate servedCertificate() throws Exception {
    TestCertificates.Issued client = TestCertificates.client(ca, "probe", SPIFFE + "orders");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "client",
        client.keys().getPrivate(),
        new char[0],
        new Certificate[] {client.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.server.port())) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void rotatedPasswordIsUsedOnReconnectWithoutFailingARequest() throws IOException {
    try (Traffic traffic = new Traffic("billing")) {
      traffic.awaitMore(50);
      // Trust: Redis accepts both passwords. Use: the mounted file changes. Retire: the old one
      // goes.
      RedisNodes.withNode(
          redis.port(),
          c -> c.aclSetuser("billing", AclSetuserArgs.Builder.addPassword("billing-pw-2")));
      Files.writeString(creds.resolve("billing"), "billing-pw-2\n");
      RedisNodes.withNode(
          redis.port(),
          c -> c.aclSetuser("billing", AclSetuserArgs.Builder.removePassword("billing-pw-1")));
      // A rotation never cuts connections (Redis keeps sessions when a password goes); the test
      // cuts them to force a new login, between calls: a reset under an in-flight command is a
      // lost connection, not a rotation, and Lettuce fails that command.
      traffic.pause();
      long killed =
          RedisNodes.withNode(redis.port(), c -> c.clientKill(KillArgs.Builder.user("billing")));
      assertThat(killed)
          .as("billing's connections were open and are forced to reconnect")
          .isPositive();
      // Only the new password works now, so billing connections that are back used it.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  RedisNodes.withNode(redis.port(), c -> c.clientList()).contains("user=billing"));
      traffic.resume();
      traffic.awaitMore(100);
      traffic.close();
      assertThat(traffic.failures).as("failed calls").isEmpty();
    }
  }
}
