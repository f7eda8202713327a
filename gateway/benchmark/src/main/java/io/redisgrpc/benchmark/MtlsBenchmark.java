package io.redisgrpc.benchmark;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.redisgrpc.gateway.GatewayServer;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Plaintext against mTLS, in one run: one redis-server, three in-process gateways in front of it
 * (plaintext; mTLS; mTLS with a policy, so calls are identified, authorized, key-scoped and run on
 * the client's own ACL user connection), GET through the unary and Pipeline APIs. The variants are
 * measured in turn within each round, so a disturbance from outside hits all of them alike; the
 * report gives the median over the rounds.
 */
@Command(
    name = "mtls-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Compares the gateway with plaintext gRPC, with mTLS and with mTLS plus a policy, and writes a Markdown report.")
public final class MtlsBenchmark implements Callable<Integer> {
  enum Variant {
    PLAINTEXT("plaintext"),
    MTLS("mTLS"),
    MTLS_POLICY("mTLS + policy + ACL user");

    final String label;

    Variant(String label) {
      this.label = label;
    }
  }

  @Option(
      names = "--duration-seconds",
      defaultValue = "3",
      description = "Measured time per scenario and round. Default: ${DEFAULT-VALUE}")
  int durationSeconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "1",
      description = "Unmeasured time before each scenario. Default: ${DEFAULT-VALUE}")
  int warmupSeconds;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description = "Rounds over all scenarios; the median is reported. Default: ${DEFAULT-VALUE}")
  int rounds;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "16,64",
      description = "Requests in flight. Default: ${DEFAULT-VALUE}")
  List<Integer> concurrency;

  @Option(
      names = "--keys",
      defaultValue = "10000",
      description = "Keys pre-populated (100 B values). Default: ${DEFAULT-VALUE}")
  int keyCount;

  @Option(
      names = "--output",
      defaultValue = "docs/benchmarks/gateway-mtls.md",
      description = "Markdown report. Default: ${DEFAULT-VALUE}")
  Path output;

  private String[] args = new String[0];

  public static void main(String[] args) {
    System.setProperty("log4j2.configurationFile", "log4j2-benchmark.xml");
    MtlsBenchmark benchmark = new MtlsBenchmark();
    benchmark.args = args.clone();
    System.exit(new CommandLine(benchmark).execute(args));
  }

  record Result(Variant variant, String client, int concurrency, List<Drivers.Measurement> rounds) {
    Drivers.Measurement median(ToDoubleFunction<Drivers.Measurement> by) {
      List<Drivers.Measurement> sorted = new ArrayList<>(rounds);
      sorted.sort(Comparator.comparingDouble(by));
      return sorted.get(sorted.size() / 2);
    }

    double medianOf(ToDoubleFunction<Drivers.Measurement> value) {
      return value.applyAsDouble(median(value));
    }
  }

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    String loadBefore = Machine.loadAverage();
    Path work = Files.createTempDirectory("mtls-benchmark-");
    List<AutoCloseable> closeables = new ArrayList<>();
    EventLoopGroup clientLoop = null;
    try {
      // Certificates: a CA, the gateway's server certificate, one client certificate.
      KeyPair caKeys = keyPair();
      X509CertificateHolder ca = certificate("bench-ca", caKeys, null, caKeys, true, null);
      KeyPair serverKeys = keyPair();
      KeyPair clientKeys = keyPair();
      Path caFile = write(work.resolve("ca.crt"), pem(ca));
      Path serverCrt =
          write(
              work.resolve("server.crt"),
              pem(certificate("gateway", serverKeys, ca, caKeys, false, null)));
      Path serverKey =
          write(
              work.resolve("server.key"),
              pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null).generate()));
      Path clientCrt =
          write(
              work.resolve("client.crt"),
              pem(
                  certificate(
                      "bench", clientKeys, ca, caKeys, false, "spiffe://bench/client/bench")));
      Path clientKey =
          write(
              work.resolve("client.key"),
              pem(new JcaPKCS8Generator(clientKeys.getPrivate(), null).generate()));
      Path credentials = Files.createDirectories(work.resolve("credentials"));
      write(credentials.resolve("_gateway"), "gw-pw");
      write(credentials.resolve("bench"), "bench-pw");
      Path policy =
          write(
              work.resolve("policy.json"),
              """
          {"version": 1, "clients": [{"name": "bench", "identities": ["spiffe://bench/client/bench"], "keyPrefix": "bench:",
            "channelPrefix": "bench.", "permissions": ["read", "write", "pubsub"]}]}""");

      RedisProcess redis =
          RedisProcess.server(
                  work,
                  List.of(
                      "user _gateway on >gw-pw ~* &* +@all",
                      "user bench on >bench-pw ~bench:* &bench.* +@all -@dangerous"))
              .start();
      closeables.add(redis::stop);
      RedisClient redisClient = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
      closeables.add(() -> redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
      StatefulRedisConnection<byte[], byte[]> connection =
          redisClient.connect(ByteArrayCodec.INSTANCE);
      Map<String, String> info = RedisNodes.parseInfo(connection.sync().info("server"));
      CpuProbe probe =
          new CpuProbe(
              Long.parseLong(info.getOrDefault("process_id", "0")), Machine.clockTicksPerSecond());
      Map<String, String> machine =
          Machine.describe(
              info.getOrDefault("redis_version", "?"), "(redis-benchmark not used here)");
      Keyspace keyspace = new Keyspace(keyCount, 100);
      populate(connection.async(), keyspace, "");
      populate(connection.async(), keyspace, "bench:");

      List<String> common =
          List.of(
              "--port=0",
              "--metrics-port=-1",
              "--bind=127.0.0.1",
              "--redis-nodes=127.0.0.1:" + redis.port());
      List<String> tls =
          List.of(
              "--tls-cert-file=" + serverCrt,
              "--tls-key-file=" + serverKey,
              "--tls-client-ca-file=" + caFile);
      boolean epoll = Epoll.isAvailable();
      clientLoop =
          epoll
              ? new EpollEventLoopGroup(
                  1, new DefaultThreadFactory(CpuProbe.LOADGEN_GRPC_THREAD_PREFIX, true))
              : new NioEventLoopGroup(
                  1, new DefaultThreadFactory(CpuProbe.LOADGEN_GRPC_THREAD_PREFIX, true));
      ChannelCredentials clientTls =
          TlsChannelCredentials.newBuilder()
              .keyManager(clientCrt.toFile(), clientKey.toFile())
              .trustManager(caFile.toFile())
              .build();
      Map<Variant, ManagedChannel> channels = new LinkedHashMap<>();
      for (Variant variant : Variant.values()) {
        List<String> args = new ArrayList<>(common);
        if (variant != Variant.PLAINTEXT) {
          args.addAll(tls);
        }
        if (variant == Variant.MTLS_POLICY) {
          args.addAll(List.of("--policy-file=" + policy, "--redis-credentials-dir=" + credentials));
        }
        GatewayServer gateway =
            GatewayServer.start(GatewayConfig.parse(args.toArray(String[]::new)));
        closeables.add(gateway);
        NettyChannelBuilder builder =
            variant == Variant.PLAINTEXT
                ? NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext()
                : NettyChannelBuilder.forAddress("localhost", gateway.port(), clientTls);
        ManagedChannel channel =
            builder
                .directExecutor()
                .eventLoopGroup(clientLoop)
                .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .build();
        closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        channels.put(variant, channel);
      }

      Duration warmup = Duration.ofSeconds(warmupSeconds);
      Duration duration = Duration.ofSeconds(durationSeconds);
      // JIT warm-up on every path, unmeasured.
      for (int i = 0; i < 2; i++) {
        for (ManagedChannel channel : channels.values()) {
          Drivers.closedLoop(
              Clients.unary(channel, keyspace, Op.GET),
              16,
              Duration.ZERO,
              Duration.ofSeconds(1),
              probe);
          Drivers.closedLoop(
              Clients.pipeline(channel, keyspace, Op.GET),
              16,
              Duration.ZERO,
              Duration.ofSeconds(1),
              probe);
        }
      }
      Map<String, Result> results = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (int c : concurrency) {
          for (String client : List.of("unary", "Pipeline")) {
            for (Variant variant : Variant.values()) {
              ManagedChannel channel = channels.get(variant);
              LoadClient load =
                  client.equals("unary")
                      ? Clients.unary(channel, keyspace, Op.GET)
                      : Clients.pipeline(channel, keyspace, Op.GET);
              Drivers.Measurement m = Drivers.closedLoop(load, c, warmup, duration, probe);
              results
                  .computeIfAbsent(
                      variant + "/" + client + "/" + c,
                      k -> new Result(variant, client, c, new ArrayList<>()))
                  .rounds()
                  .add(m);
              System.out.printf(
                  Locale.ROOT,
                  "round %d  GET 100 B c=%-3d %-8s %-26s %,10.0f ops/s  p50 %6.3f ms  p99 %6.3f ms  failed %d  background %.2f cores%n",
                  round,
                  c,
                  client,
                  variant.label,
                  m.opsPerSecond(),
                  m.latency().getValueAtPercentile(50) / 1e6,
                  m.latency().getValueAtPercentile(99) / 1e6,
                  m.failedOps(),
                  m.cpu().otherProcessesCores());
              System.gc();
            }
          }
        }
      }
      String report = report(results, machine, loadBefore, (System.nanoTime() - started) / 1e9);
      Path parent = output.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(output, report);
      System.out.println(report);
      connection.close();
      return 0;
    } finally {
      for (int i = closeables.size() - 1; i >= 0; i--) {
        try {
          closeables.get(i).close();
        } catch (Exception ignored) {
          // best effort
        }
      }
      if (clientLoop != null) {
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    }
  }

  private String report(
      Map<String, Result> results, Map<String, String> machine, String loadBefore, double seconds) {
    StringBuilder out = new StringBuilder();
    out.append("# Gateway benchmark: plaintext vs mTLS\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "Generated by `hack/bench-gateway-mtls.sh %s` on %s in %.0f s.%n%n",
            String.join(" ", args),
            ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
            seconds));
    out.append(
            "One redis-server and three in-process gateways in front of it, measured in turn in every round with the same\n"
                + "load generator (one gRPC channel, GET of 100 B values over ")
        .append(keyCount)
        .append(
            " pre-populated keys):\n\n"
                + "- **plaintext**: no TLS (the configuration of [gateway.md](gateway.md));\n"
                + "- **mTLS**: `--tls-cert-file/--tls-key-file/--tls-client-ca-file` (TLS 1.3, EC P-256 certificates), no policy;\n"
                + "- **mTLS + policy + ACL user**: also `--policy-file` and `--redis-credentials-dir`: every call is identified from\n"
                + "  the client certificate, authorized, key-scoped (`bench:` prefix) and runs on the client's own ACL-user connection.\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "%d rounds of %d s per scenario (after %d s warm-up each); the table shows the median round.%n%n",
            rounds,
            durationSeconds,
            warmupSeconds));
    out.append(
        "ops/s is the median round, with the lowest and highest round beside it; p50/p99 and CPU are from that median round.\n"
            + "CPU µs/op counts redis-server, the gateways and the load generator (this JVM), not other processes.\n\n");
    out.append(
        "| API | in flight | variant | ops/s (median) | rounds min–max | vs plaintext | p50 ms | p99 ms | CPU µs/op | failed |\n");
    out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Result result : results.values()) {
      Result plain =
          results.get(Variant.PLAINTEXT + "/" + result.client() + "/" + result.concurrency());
      double ops = result.medianOf(Drivers.Measurement::opsPerSecond);
      double plainOps = plain.medianOf(Drivers.Measurement::opsPerSecond);
      Drivers.Measurement m = result.median(Drivers.Measurement::opsPerSecond);
      long failed = result.rounds().stream().mapToLong(Drivers.Measurement::failedOps).sum();
      double cpuPerOp =
          m.cpu().total() / 1000.0 / Math.max(1, m.opsPerSecond() * m.cpu().wallSeconds());
      double min =
          result.rounds().stream().mapToDouble(Drivers.Measurement::opsPerSecond).min().orElse(0);
      double max =
          result.rounds().stream().mapToDouble(Drivers.Measurement::opsPerSecond).max().orElse(0);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %,.0f | %,.0f–%,.0f | %s | %.3f | %.3f | %.1f | %d |%n",
              result.client(),
              result.concurrency(),
              result.variant().label,
              ops,
              min,
              max,
              result.variant() == Variant.PLAINTEXT
                  ? "1.00"
                  : String.format(Locale.ROOT, "%.2f", ops / plainOps),
              m.latency().getValueAtPercentile(50) / 1e6,
              m.latency().getValueAtPercentile(99) / 1e6,
              cpuPerOp,
              failed));
    }
    double maxBackground =
        results.values().stream()
            .flatMap(r -> r.rounds().stream())
            .mapToDouble(m -> m.cpu().otherProcessesCores())
            .max()
            .orElse(0);
    out.append(
        String.format(
            Locale.ROOT,
            "%nOther processes used up to %.2f cores during the measured scenarios (load average before the run: %s).%n",
            maxBackground,
            loadBefore));
    out.append(
        "\n**Read with care:** the machine has 2 cores shared with other builds and test runs. The variants are interleaved\n"
            + "round by round so outside load hits them alike, but differences smaller than the min–max spread of the rounds are\n"
            + "noise, not an effect of TLS. For the absolute numbers against Redis used directly see [gateway.md](gateway.md).\n");
    out.append("\nMachine:\n\n");
    machine.forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
    return out.toString();
  }

  private static void populate(
      RedisAsyncCommands<byte[], byte[]> redis, Keyspace keyspace, String prefix) throws Exception {
    List<RedisFuture<String>> pending = new ArrayList<>();
    byte[] prefixBytes = prefix.getBytes(StandardCharsets.US_ASCII);
    for (int from = 0; from < keyspace.keyCount(); from += 1000) {
      Map<byte[], byte[]> chunk = new HashMap<>();
      for (int i = from; i < Math.min(keyspace.keyCount(), from + 1000); i++) {
        byte[] key = new byte[prefixBytes.length + keyspace.keys[i].length];
        System.arraycopy(prefixBytes, 0, key, 0, prefixBytes.length);
        System.arraycopy(keyspace.keys[i], 0, key, prefixBytes.length, keyspace.keys[i].length);
        chunk.put(key, keyspace.value);
      }
      pending.add(redis.mset(chunk));
    }
    for (RedisFuture<String> future : pending) {
      future.get(30, TimeUnit.SECONDS);
    }
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509CertificateHolder certificate(
      String cn,
      KeyPair keys,
      X509CertificateHolder issuer,
      KeyPair issuerKeys,
      boolean isCa,
      String uri)
      throws Exception {
    X500Name subject = new X500Name("CN=" + cn);
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuer == null ? subject : issuer.getSubject(),
            BigInteger.valueOf(System.nanoTime()),
            Date.from(Instant.now().minusSeconds(3600)),
            Date.from(Instant.now().plusSeconds(86400)),
            subject,
            keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (!isCa) {
      List<GeneralName> names =
          new ArrayList<>(List.of(new GeneralName(GeneralName.dNSName, "localhost")));
      if (uri != null) {
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
      }
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
    }
    return builder.build(
        new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate()));
  }

  private static String pem(Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static Path write(Path file, String text) throws Exception {
    Files.writeString(file, text);
    return file;
  }
}
