package io.redisgrpc.benchmark;

import io.grpc.ManagedChannel;
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
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.gateway.GatewayServer;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures the gateway against Redis used directly, in one run, on one machine: it starts its own
 * redis-server and an in-process gateway, drives GET/SET through redis-benchmark, a direct Lettuce
 * client and the gateway's unary, Batch and Pipeline APIs, runs a fixed-rate latency test, and
 * writes a Markdown report. Every number in the report comes from the run.
 */
@Command(
    name = "gateway-benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Benchmarks the redis-grpc gateway against direct Redis access and writes a Markdown report.")
public final class GatewayBenchmark implements Callable<Integer> {

  enum Client {
    REDIS_BENCHMARK("redis-benchmark"),
    LETTUCE("Lettuce direct"),
    UNARY("gateway unary"),
    BATCH("gateway Batch"),
    PIPELINE("gateway Pipeline");

    final String label;

    Client(String label) {
      this.label = label;
    }
  }

  @Option(
      names = "--duration-seconds",
      defaultValue = "4",
      description = "Measured time per scenario. Default: ${DEFAULT-VALUE}")
  int durationSeconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "1",
      description =
          "Unmeasured load before each scenario (the JIT is also warmed once at start). Default: ${DEFAULT-VALUE}")
  int warmupSeconds;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "1,16,64,256",
      description = "Requests in flight. Default: ${DEFAULT-VALUE}")
  List<Integer> concurrency;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "100,1024",
      description = "Value sizes in bytes. Default: ${DEFAULT-VALUE}")
  List<Integer> sizes;

  @Option(
      names = "--ops",
      split = ",",
      defaultValue = "GET,SET",
      description = "Commands. Default: ${DEFAULT-VALUE}")
  List<Op> ops;

  @Option(
      names = "--clients",
      split = ",",
      defaultValue = "REDIS_BENCHMARK,LETTUCE,UNARY,BATCH,PIPELINE",
      description = "Which clients to run. Default: ${DEFAULT-VALUE}")
  List<Client> clients;

  @Option(
      names = "--rate",
      defaultValue = "1000",
      description = "Requests per second of the fixed-rate latency test. Default: ${DEFAULT-VALUE}")
  int rate;

  @Option(
      names = "--rate-seconds",
      defaultValue = "10",
      description = "Measured time of each fixed-rate run. Default: ${DEFAULT-VALUE}")
  int rateSeconds;

  @Option(
      names = "--batch-size",
      defaultValue = "16",
      description =
          "Operations per Batch call (at most the concurrency). Default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(
      names = "--keys",
      defaultValue = "10000",
      description = "Keys pre-populated and used at random. Default: ${DEFAULT-VALUE}")
  int keyCount;

  @Option(
      names = "--output",
      defaultValue = "docs/benchmarks/gateway.md",
      description =
          "Markdown report (with --quick: gateway/benchmark/target/gateway-quick.md unless given). Default: ${DEFAULT-VALUE}")
  Path output;

  @Option(
      names = "--profile",
      defaultValue = "auto",
      description =
          "JFR-profile the gateway scenarios: auto (when a throughput target is missed), always, never. Default: ${DEFAULT-VALUE}")
  String profile;

  @Option(
      names = "--max-background",
      defaultValue = "0.15",
      description =
          "A scenario during which other processes used more CPU than this (cores) is re-run. Default: ${DEFAULT-VALUE}")
  double maxBackground;

  @Option(
      names = "--retry-budget-seconds",
      defaultValue = "60",
      description =
          "Most time spent on such re-runs (and on waiting for the machine to calm down) per run. Default: ${DEFAULT-VALUE}")
  int retryBudgetSeconds;

  @Option(
      names = "--quick",
      description =
          "Short smoke run (~2 min): 1 s per scenario, concurrency 1,64, 100 B values, 3 s fixed-rate runs.")
  boolean quick;

  @Spec CommandSpec spec;

  private String[] args = new String[0];

  record Row(
      Op op,
      int size,
      int concurrency,
      Client client,
      String inFlight,
      double opsPerSecond,
      double p50Ms,
      double p99Ms,
      long failed,
      CpuProbe.Usage cpu) {
    double cpuMicrosPerOp(String group) {
      return cpu == null ? 0 : cpu.cpuNanos().getOrDefault(group, 0L) / 1000.0 / ops();
    }

    double cpuMicrosPerOp() {
      return cpu == null ? 0 : cpu.total() / 1000.0 / ops();
    }

    private double ops() {
      return Math.max(1, opsPerSecond * cpu.wallSeconds());
    }
  }

  record RateRow(String client, Drivers.Measurement measurement, long gcCount, long gcMillis) {
    double ms(double percentile) {
      return measurement.latency().getValueAtPercentile(percentile) / 1e6;
    }

    double background() {
      return measurement.cpu().otherProcessesCores();
    }
  }

  record Target(String name, String measured, Boolean met) {}

  public static void main(String[] args) {
    System.setProperty("log4j2.configurationFile", "log4j2-benchmark.xml");
    GatewayBenchmark benchmark = new GatewayBenchmark();
    benchmark.args = args.clone();
    int code = new CommandLine(benchmark).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }

  private final List<Row> rows = new ArrayList<>();
  private final List<RateRow> rateRows = new ArrayList<>();
  private final Map<String, Profiler.Profile> profiles = new LinkedHashMap<>();
  private Map<String, String> machine;
  private int cores;
  private String loadBefore;

  @Override
  public Integer call() throws Exception {
    applyQuick();
    if (durationSeconds < 1
        || warmupSeconds < 0
        || rate < 1
        || rateSeconds < 1
        || batchSize < 1
        || keyCount < 1
        || sizes.isEmpty()
        || concurrency.isEmpty()
        || concurrency.stream().anyMatch(c -> c < 1)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "durations, rate, batch size, keys and concurrency must be positive");
    }
    cores = Machine.nproc();
    loadBefore = Machine.loadAverage();
    long started = System.nanoTime();
    Path work = Files.createTempDirectory("gateway-benchmark-");
    RedisProcess redis = null;
    ClientResources resources = null;
    RedisClient redisClient = null;
    GatewayServer gateway = null;
    EventLoopGroup clientLoop = null;
    ManagedChannel channel = null;
    try {
      redis = RedisProcess.server(work, List.of()).start();
      resources = ClientResources.create();
      redisClient = RedisClient.create(resources, RedisURI.create("127.0.0.1", redis.port()));
      StatefulRedisConnection<byte[], byte[]> connection =
          redisClient.connect(ByteArrayCodec.INSTANCE);
      RedisAsyncCommands<byte[], byte[]> redisAsync = connection.async();
      Map<String, String> info = RedisNodes.parseInfo(connection.sync().info("server"));
      CpuProbe probe =
          new CpuProbe(
              Long.parseLong(info.getOrDefault("process_id", "0")), Machine.clockTicksPerSecond());
      machine =
          Machine.describe(info.getOrDefault("redis_version", "?"), RedisBenchmarkRunner.version());

      gateway =
          GatewayServer.start(
              GatewayConfig.parse(
                  "--port=0",
                  "--metrics-port=-1",
                  "--bind=127.0.0.1",
                  "--redis-nodes=127.0.0.1:" + redis.port()));
      boolean epoll = Epoll.isAvailable();
      DefaultThreadFactory threads =
          new DefaultThreadFactory(CpuProbe.LOADGEN_GRPC_THREAD_PREFIX, true);
      clientLoop = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
              .usePlaintext()
              .directExecutor()
              .eventLoopGroup(clientLoop)
              .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .maxInboundMessageSize(64 << 20)
              .build();
      ManagedChannel gatewayChannel = channel;

      RedisBenchmarkRunner redisBenchmark = new RedisBenchmarkRunner(redis.port(), keyCount);
      Duration warmup = Duration.ofSeconds(warmupSeconds);
      Duration duration = Duration.ofSeconds(durationSeconds);

      log(
          "redis-server %s on port %d, gateway on port %d; %d cores",
          info.get("redis_version"), redis.port(), gateway.port(), cores);
      Keyspace first = populate(redisAsync, new Keyspace(keyCount, sizes.get(0)));
      double startBackground = awaitQuiet(probe, Duration.ofSeconds(quick ? 10 : 60));
      log("outside load before the run: %.2f cores", startBackground);
      jitWarmUp(redisAsync, channel, first, probe);

      for (int size : sizes) {
        Keyspace keyspace =
            size == first.size ? first : populate(redisAsync, new Keyspace(keyCount, size));
        for (Op op : ops) {
          for (int c : concurrency) {
            for (Client client : clients) {
              String label = op + " " + sizeLabel(size) + " c=" + c + " " + client.label;
              Row row =
                  withRetries(
                      label,
                      probe,
                      () ->
                          client == Client.REDIS_BENCHMARK
                              ? redisBenchmarkRow(redisBenchmark, connection, op, size, c, probe)
                              : measure(
                                  client,
                                  redisAsync,
                                  gatewayChannel,
                                  keyspace,
                                  op,
                                  c,
                                  warmup,
                                  duration,
                                  probe),
                      r -> r.cpu() == null ? 0 : r.cpu().otherProcessesCores());
              rows.add(row);
              log(
                  "%-4s %5d B c=%-4d %-17s %11s ops/s  p50 %7.3f ms  p99 %7.3f ms%s",
                  op,
                  size,
                  c,
                  client.label,
                  String.format(Locale.ROOT, "%,.0f", row.opsPerSecond()),
                  row.p50Ms(),
                  row.p99Ms(),
                  row.failed() > 0 ? "  FAILED " + row.failed() : "");
              System.gc();
            }
          }
        }
      }

      Keyspace small = first.size == 100 ? first : new Keyspace(keyCount, 100);
      populate(redisAsync, small);
      Duration rateDuration = Duration.ofSeconds(rateSeconds);
      rateRows.add(
          withRetries(
              "fixed rate Lettuce direct",
              probe,
              () ->
                  rateRun(
                      "Lettuce direct",
                      Clients.lettuce(redisAsync, small, Op.GET),
                      warmup,
                      rateDuration,
                      probe),
              RateRow::background));
      rateRows.add(
          withRetries(
              "fixed rate gateway unary",
              probe,
              () ->
                  rateRun(
                      "gateway unary",
                      Clients.unary(gatewayChannel, small, Op.GET),
                      warmup,
                      rateDuration,
                      probe),
              RateRow::background));
      rateRows.add(
          withRetries(
              "fixed rate health check",
              probe,
              () ->
                  rateRun(
                      "gRPC health check (no Redis)",
                      Clients.healthCheck(gatewayChannel),
                      warmup,
                      rateDuration,
                      probe),
              RateRow::background));

      List<Target> targets = targets();
      boolean throughputMissed =
          targets.stream().limit(2).anyMatch(t -> Boolean.FALSE.equals(t.met()));
      boolean pipelineMissed = Boolean.FALSE.equals(targets.get(1).met());
      if (profile.equals("always") || (profile.equals("auto") && throughputMissed)) {
        int c = referenceConcurrency();
        populate(redisAsync, small);
        for (Client client : List.of(Client.UNARY, Client.PIPELINE)) {
          if (client == Client.PIPELINE && !pipelineMissed && !profile.equals("always")) {
            continue;
          }
          log("JFR profile: %s GET 100 B c=%d", client.label, c);
          LoadClient load = load(client, redisAsync, channel, small, Op.GET, c);
          Duration profileDuration = Duration.ofSeconds(Math.max(5, durationSeconds));
          profiles.put(
              client.label,
              Profiler.profile(
                  () ->
                      Drivers.closedLoop(load, slots(client, c), warmup, profileDuration, probe)));
        }
      }

      String report = report(targets, (System.nanoTime() - started) / 1e9);
      Path parent = output.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(output, report);
      System.out.println();
      System.out.println(report);
      log("report written to %s", output);
      connection.close();
      return 0;
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      if (clientLoop != null) {
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
      if (gateway != null) {
        gateway.close();
      }
      if (redisClient != null) {
        redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      if (resources != null) {
        resources.shutdown(0, 2, TimeUnit.SECONDS);
      }
      if (redis != null) {
        redis.stop();
      }
      deleteTree(work);
    }
  }

  /**
   * Runs every client with every command (concurrency 16, 1 s each, unmeasured) until a whole round
   * adds little JIT compilation time, so the first scenarios do not pay for the compiler.
   */
  private void jitWarmUp(
      RedisAsyncCommands<byte[], byte[]> redis,
      ManagedChannel channel,
      Keyspace keyspace,
      CpuProbe probe)
      throws InterruptedException {
    var compiler = ManagementFactory.getCompilationMXBean();
    long start = System.nanoTime();
    long limit = TimeUnit.SECONDS.toNanos(quick ? 15 : 30);
    int rounds = 0;
    long lastRoundCompileMs = -1;
    while (System.nanoTime() - start < limit) {
      long before = compiler.getTotalCompilationTime();
      long roundStart = System.nanoTime();
      for (Client client : clients) {
        if (client == Client.REDIS_BENCHMARK) {
          continue;
        }
        for (Op op : ops) {
          Drivers.closedLoop(
              load(client, redis, channel, keyspace, op, 16),
              slots(client, 16),
              Duration.ZERO,
              Duration.ofSeconds(1),
              probe);
        }
      }
      rounds++;
      lastRoundCompileMs = compiler.getTotalCompilationTime() - before;
      double roundMs = (System.nanoTime() - roundStart) / 1e6;
      // Quiet: the compiler used less than 2 % of the round's wall time.
      if (rounds >= 2 && lastRoundCompileMs < 0.02 * roundMs) {
        break;
      }
    }
    warmUpSummary =
        String.format(
            Locale.ROOT,
            "%d round(s), %.0f s; JIT compile time in the last round %d ms",
            rounds,
            (System.nanoTime() - start) / 1e9,
            lastRoundCompileMs);
    log("JIT warm-up: %s", warmUpSummary);
  }

  private String warmUpSummary = "none";
  private long retryNanos;
  private int reruns;

  interface Attempt<T> {
    T run() throws Exception;
  }

  /**
   * Runs a scenario; while other processes disturbed it (more than --max-background cores) and the
   * retry budget lasts, waits for the machine to calm down and runs it again, keeping the least
   * disturbed attempt (at most three attempts).
   */
  private <T> T withRetries(
      String label, CpuProbe probe, Attempt<T> attempt, ToDoubleFunction<T> background)
      throws Exception {
    T best = attempt.run();
    T last = best;
    for (int tries = 1;
        tries < 3
            && background.applyAsDouble(best) > maxBackground
            && retryNanos < TimeUnit.SECONDS.toNanos(retryBudgetSeconds);
        tries++) {
      long start = System.nanoTime();
      log(
          "  %s: other processes used %.2f cores, waiting for quiet and re-running",
          label, background.applyAsDouble(last));
      awaitQuiet(probe, Duration.ofSeconds(15));
      T next = attempt.run();
      last = next;
      reruns++;
      retryNanos += System.nanoTime() - start;
      if (background.applyAsDouble(next) < background.applyAsDouble(best)) {
        best = next;
      }
    }
    return best;
  }

  /**
   * Waits until other processes use less than --max-background cores over one second, at most
   * {@code max}.
   */
  private double awaitQuiet(CpuProbe probe, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    double background;
    do {
      CpuProbe.Snapshot before = probe.snapshot();
      Thread.sleep(1000);
      background = probe.between(before, probe.snapshot()).otherProcessesCores();
    } while (background > maxBackground && System.nanoTime() < deadline);
    return background;
  }

  private void applyQuick() {
    if (!quick) {
      return;
    }
    var parsed = spec.commandLine().getParseResult();
    if (!parsed.hasMatchedOption("--duration-seconds")) {
      durationSeconds = 1;
    }
    if (!parsed.hasMatchedOption("--warmup-seconds")) {
      warmupSeconds = 1;
    }
    if (!parsed.hasMatchedOption("--concurrency")) {
      concurrency = List.of(1, 64);
    }
    if (!parsed.hasMatchedOption("--sizes")) {
      sizes = List.of(100);
    }
    if (!parsed.hasMatchedOption("--rate-seconds")) {
      rateSeconds = 3;
    }
    if (!parsed.hasMatchedOption("--output")) {
      output = Path.of("gateway/benchmark/target/gateway-quick.md");
    }
  }

  // ------------------------------------------------------------------ running

  private static Keyspace populate(RedisAsyncCommands<byte[], byte[]> redis, Keyspace keyspace)
      throws Exception {
    List<RedisFuture<String>> pending = new ArrayList<>();
    for (int from = 0; from < keyspace.keyCount(); from += 1000) {
      Map<byte[], byte[]> chunk = new HashMap<>();
      for (int i = from; i < Math.min(keyspace.keyCount(), from + 1000); i++) {
        chunk.put(keyspace.keys[i], keyspace.value);
      }
      pending.add(redis.mset(chunk));
    }
    for (RedisFuture<String> future : pending) {
      future.get(30, TimeUnit.SECONDS);
    }
    return keyspace;
  }

  private LoadClient load(
      Client client,
      RedisAsyncCommands<byte[], byte[]> redis,
      ManagedChannel channel,
      Keyspace keyspace,
      Op op,
      int c) {
    switch (client) {
      case LETTUCE:
        return Clients.lettuce(redis, keyspace, op);
      case UNARY:
        return Clients.unary(channel, keyspace, op);
      case BATCH:
        return Clients.batch(channel, keyspace, op, batchOps(c));
      case PIPELINE:
        return Clients.pipeline(channel, keyspace, op);
      default:
        throw new IllegalArgumentException(client.label);
    }
  }

  /** Operations per Batch call: the batch size, but never more than the concurrency. */
  private int batchOps(int c) {
    return Math.min(batchSize, c);
  }

  /** Sends in flight: Batch keeps c / batch-ops calls in flight so c operations are outstanding. */
  private int slots(Client client, int c) {
    return client == Client.BATCH ? Math.max(1, c / batchOps(c)) : c;
  }

  private String inFlight(Client client, int c) {
    switch (client) {
      case REDIS_BENCHMARK:
        return c + (c == 1 ? " connection" : " connections");
      case LETTUCE:
        return "1 connection × " + c;
      case UNARY:
        return "1 channel × " + c + (c == 1 ? " call" : " calls");
      case BATCH:
        return slots(client, c) + " × " + batchOps(c) + "-op batches";
      case PIPELINE:
        return "1 stream × " + c;
      default:
        return "?";
    }
  }

  private Row measure(
      Client client,
      RedisAsyncCommands<byte[], byte[]> redis,
      ManagedChannel channel,
      Keyspace keyspace,
      Op op,
      int c,
      Duration warmup,
      Duration duration,
      CpuProbe probe)
      throws Exception {
    Drivers.Measurement m =
        Drivers.closedLoop(
            load(client, redis, channel, keyspace, op, c),
            slots(client, c),
            warmup,
            duration,
            probe);
    return new Row(
        op,
        keyspace.size,
        c,
        client,
        inFlight(client, c),
        m.opsPerSecond(),
        m.latency().getValueAtPercentile(50) / 1e6,
        m.latency().getValueAtPercentile(99) / 1e6,
        m.failedOps(),
        m.cpu());
  }

  private Row redisBenchmarkRow(
      RedisBenchmarkRunner runner,
      StatefulRedisConnection<byte[], byte[]> connection,
      Op op,
      int size,
      int c,
      CpuProbe probe) {
    long missesBefore = keyspaceMisses(connection);
    RedisBenchmarkRunner.Result result = runner.run(op, size, c, durationSeconds, probe);
    long misses = op == Op.GET ? keyspaceMisses(connection) - missesBefore : 0;
    return new Row(
        op,
        size,
        c,
        Client.REDIS_BENCHMARK,
        inFlight(Client.REDIS_BENCHMARK, c),
        result.rps(),
        result.p50Ms(),
        result.p99Ms(),
        misses,
        result.cpu());
  }

  private static long keyspaceMisses(StatefulRedisConnection<byte[], byte[]> connection) {
    return Long.parseLong(
        RedisNodes.parseInfo(connection.sync().info("stats")).getOrDefault("keyspace_misses", "0"));
  }

  private RateRow rateRun(
      String name, LoadClient client, Duration warmup, Duration duration, CpuProbe probe)
      throws InterruptedException {
    long[] gcBefore = gc();
    Drivers.Measurement m = Drivers.openLoop(client, rate, warmup, duration, probe);
    long[] gcAfter = gc();
    RateRow row = new RateRow(name, m, gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1]);
    log(
        "fixed rate %d/s %-28s p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  (%d requests, %d failed)",
        rate,
        name,
        row.ms(50),
        row.ms(99),
        row.ms(99.9),
        m.latency().getTotalCount(),
        m.failedOps());
    return row;
  }

  private static long[] gc() {
    long count = 0;
    long millis = 0;
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, bean.getCollectionCount());
      millis += Math.max(0, bean.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  // ------------------------------------------------------------------ evaluation

  private int referenceConcurrency() {
    return concurrency.contains(64)
        ? 64
        : concurrency.stream().min(Comparator.comparingInt(c -> Math.abs(c - 64))).orElse(64);
  }

  private Row row(Op op, int size, int c, Client client) {
    return rows.stream()
        .filter(
            r -> r.op() == op && r.size() == size && r.concurrency() == c && r.client() == client)
        .findFirst()
        .orElse(null);
  }

  private double ratio(Row row) {
    Row lettuce = row(row.op(), row.size(), row.concurrency(), Client.LETTUCE);
    return lettuce == null || lettuce.opsPerSecond() == 0
        ? Double.NaN
        : row.opsPerSecond() / lettuce.opsPerSecond();
  }

  private List<Target> targets() {
    List<Target> out = new ArrayList<>();
    out.add(
        throughputTarget(
            "Unary GET throughput ≥ 0.7× direct Lettuce at concurrency 64",
            List.of(Op.GET),
            Client.UNARY,
            0.7));
    out.add(
        throughputTarget(
            "Pipeline throughput ≥ 1.0× direct Lettuce (concurrency 64, GET and SET)",
            ops,
            Client.PIPELINE,
            1.0));
    RateRow direct = rateRows.get(0);
    RateRow viaGateway = rateRows.get(1);
    double addedP50 = viaGateway.ms(50) - direct.ms(50);
    double addedP99 = viaGateway.ms(99) - direct.ms(99);
    out.add(
        new Target(
            "Added latency at " + rate + " req/s (GET 100 B): p50 < 0.2 ms",
            String.format(
                Locale.ROOT,
                "%+.3f ms (gateway %.3f − direct %.3f)",
                addedP50,
                viaGateway.ms(50),
                direct.ms(50)),
            addedP50 < 0.2));
    out.add(
        new Target(
            "Added latency at " + rate + " req/s (GET 100 B): p99 < 1 ms",
            String.format(
                Locale.ROOT,
                "%+.3f ms (gateway %.3f − direct %.3f)",
                addedP99,
                viaGateway.ms(99),
                direct.ms(99)),
            addedP99 < 1.0));
    return out;
  }

  private Target throughputTarget(String name, List<Op> targetOps, Client client, double minimum) {
    if (!concurrency.contains(64)) {
      return new Target(name, "not measured (64 is not in --concurrency)", null);
    }
    List<String> measured = new ArrayList<>();
    Boolean met = true;
    for (Op op : targetOps) {
      for (int size : sizes) {
        Row row = row(op, size, 64, client);
        Row lettuce = row(op, size, 64, Client.LETTUCE);
        if (row == null || lettuce == null) {
          measured.add(op + " " + sizeLabel(size) + ": not measured");
          met = null;
          continue;
        }
        double ratio = ratio(row);
        measured.add(
            String.format(
                Locale.ROOT,
                "%s %s: **%.2f×** (%,.0f vs %,.0f ops/s)",
                op,
                sizeLabel(size),
                ratio,
                row.opsPerSecond(),
                lettuce.opsPerSecond()));
        if (met != null && !(ratio >= minimum)) {
          met = false;
        }
      }
    }
    return new Target(name, String.join("; ", measured), met);
  }

  // ------------------------------------------------------------------ report

  private String report(List<Target> targets, double runSeconds) {
    StringBuilder md = new StringBuilder();
    md.append("# Gateway benchmark\n\n");
    md.append("Generated by `gateway/benchmark` (`io.redisgrpc.benchmark.GatewayBenchmark`) on ")
        .append(
            ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
        .append(
            String.format(
                Locale.ROOT,
                "; the run took %.0f s. Every number below comes from that run.%n%n",
                runSeconds));

    md.append("## Machine\n\n");
    machine.forEach((k, v) -> md.append("- **").append(k).append(":** ").append(v).append('\n'));
    md.append(backgroundNote());
    md.append(
            "- **Shared CPU:** the load generator (this JVM), the gateway (in the same JVM, its own gRPC server and Lettuce\n"
                + "  connection) and redis-server — and redis-benchmark in its rows — all run on these ")
        .append(cores)
        .append(
            " cores. Anything the load\n  generator or the gateway spends is taken from Redis, so absolute numbers are "
                + "lower than on separate machines and\n  the gateway rows pay for both ends of the gRPC connection.\n\n");

    md.append("## Reproduce\n\n```sh\nhack/bench-gateway.sh");
    for (String arg : args) {
      md.append(' ').append(arg);
    }
    md.append("\n```\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Settings of this run: %d s measured per scenario after %d s warm-up (plus a JIT warm-up at start: every client and "
                + "command at concurrency 16 until the compiler is quiet — %s), "
                + "concurrency %s, value sizes %s, %d keys, Batch size %d, fixed-rate test %d req/s for %d s. "
                + "`hack/bench-gateway.sh --help` lists the options; `--quick` is a ~2 minute smoke run.%n%n",
            durationSeconds,
            warmupSeconds,
            warmUpSummary,
            join(concurrency),
            sizes.stream().map(GatewayBenchmark::sizeLabel).collect(Collectors.joining(", ")),
            keyCount,
            batchSize,
            rate,
            rateSeconds));

    md.append("## Method\n\n");
    md.append(
            "- One redis-server (no persistence) and one gateway (`GatewayServer`, standalone mode, metrics off) are started by the\n"
                + "  benchmark. Before the GET rows of each size, ")
        .append(keyCount)
        .append(
            " keys `key:000000000000`… are written with values of that size;\n"
                + "  every client uses random keys from that set (redis-benchmark via `-r ")
        .append(keyCount)
        .append("`). SET writes values of the same size.\n");
    md.append("- **redis-benchmark**: `redis-benchmark -t get|set -d SIZE -c C -n N -r ")
        .append(keyCount)
        .append(
            " --csv -q`: C connections, one request in\n"
                + "  flight on each; N is sized by a short calibration run so the run lasts about the scenario duration. "
                + "Throughput, p50 and p99 are\n  redis-benchmark's own figures.\n");
    md.append(
        "- **Lettuce direct**: one `RedisClient` connection, async API, C commands kept in flight (closed loop: each reply sends the\n"
            + "  next command). This is the baseline for the × Lettuce column.\n");
    md.append(
        "- **gateway unary**: `Cache.Get`/`Cache.Set` on one gRPC channel (one HTTP/2 connection), async stub, C calls in flight.\n");
    md.append("- **gateway Batch**: `Cache.Batch` calls of min(")
        .append(batchSize)
        .append(
            ", C) operations each, with C ÷ that many calls in flight, so C operations are\n"
                + "  outstanding (C = 1: one 1-op batch; 16: one 16-op batch; 64: 4 × 16; 256: 16 × 16). ops/s counts operations; "
                + "**latency is per\n  Batch call**.\n");
    md.append(
        "- **gateway Pipeline**: one `Cache.Pipeline` bidi stream per scenario with C requests in flight; ops/s counts answered\n"
            + "  requests, latency is per request (send to matching response).\n");
    md.append(
        "- Latency of the closed-loop rows is measured from send to answer (HdrHistogram); in a closed loop it is mostly queueing\n"
            + "  at high concurrency. × Lettuce = ops/s of the row ÷ ops/s of Lettuce direct with the same command, size and concurrency.\n");
    md.append(
        "- Failed counts errors and GET misses (redis-benchmark rows: Redis `keyspace_misses`); all should be 0.\n");
    md.append(
            "- Background cores: CPU used during the measured window by processes that are not part of the benchmark (all-CPU\n"
                + "  busy time from `/proc/stat` minus this JVM, redis-server and redis-benchmark). A scenario with more than ")
        .append(String.format(Locale.ROOT, "%.2f", maxBackground))
        .append(
            " is re-run after\n"
                + "  waiting for the machine to calm down (up to 3 attempts, within a ")
        .append(retryBudgetSeconds)
        .append(" s budget) and the least disturbed attempt is kept.\n\n");

    md.append("## Results\n\n");
    for (int size : sizes) {
      for (Op op : ops) {
        md.append("### ").append(op).append(", ").append(sizeLabel(size)).append(" values\n\n");
        md.append(
            "| concurrency | client | in flight | ops/s | p50 ms | p99 ms | × Lettuce | failed | background cores |\n");
        md.append("|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (int c : concurrency) {
          for (Client client : clients) {
            Row row = row(op, size, c, client);
            if (row == null) {
              continue;
            }
            md.append(
                String.format(
                    Locale.ROOT,
                    "| %d | %s | %s | %,.0f | %s | %s | %.2f× | %d | %s |%n",
                    c,
                    client.label,
                    row.inFlight(),
                    row.opsPerSecond(),
                    ms(row.p50Ms()),
                    ms(row.p99Ms()),
                    ratio(row),
                    row.failed(),
                    row.cpu() == null ? "–" : background(row.cpu().otherProcessesCores())));
          }
        }
        md.append('\n');
      }
    }

    md.append("## Fixed-rate latency: GET 100 B at ").append(rate).append(" req/s (open loop)\n\n");
    md.append(
        "One thread sends at fixed intervals whatever the answers do, and each request is timed from its *intended* send\n"
            + "time, so a stall counts against every request it delays (no coordinated omission). The health check is a gRPC call\n"
            + "through the same channel that the gateway answers without Redis: the cost of the gRPC hop alone.\n\n");
    md.append(
        "| client | requests | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | failed | GCs (ms) | background cores |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RateRow r : rateRows) {
      Histogram h = r.measurement().latency();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %s | %s | %s | %s | %s | %d | %d (%d) | %s |%n",
              r.client(),
              h.getTotalCount(),
              ms(r.ms(50)),
              ms(r.ms(90)),
              ms(r.ms(99)),
              ms(r.ms(99.9)),
              ms(h.getMaxValue() / 1e6),
              r.measurement().failedOps(),
              r.gcCount(),
              r.gcMillis(),
              background(r.background())));
    }
    RateRow direct = rateRows.get(0);
    RateRow viaGateway = rateRows.get(1);
    md.append(
        String.format(
            Locale.ROOT,
            "%nAdded by the gateway (gateway unary − Lettuce direct): **p50 %+.3f ms, p99 %+.3f ms** "
                + "(difference of the percentiles).%n%n",
            viaGateway.ms(50) - direct.ms(50),
            viaGateway.ms(99) - direct.ms(99)));

    md.append("## Targets\n\n| target | measured | result |\n|---|---|---|\n");
    for (Target t : targets) {
      md.append("| ")
          .append(t.name())
          .append(" | ")
          .append(t.measured())
          .append(" | ")
          .append(t.met() == null ? "n/a" : t.met() ? "**met**" : "**missed**")
          .append(" |\n");
    }
    md.append('\n');

    md.append(cpuSection());
    String why = why(targets);
    if (!why.isEmpty()) {
      md.append("## Why\n\n").append(why);
    }
    return md.toString();
  }

  private String backgroundNote() {
    List<Double> background = new ArrayList<>();
    rows.stream()
        .filter(r -> r.cpu() != null)
        .forEach(r -> background.add(r.cpu().otherProcessesCores()));
    rateRows.forEach(r -> background.add(r.measurement().cpu().otherProcessesCores()));
    double mean = background.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double max = background.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    long disturbed = background.stream().filter(b -> b > maxBackground).count();
    String out =
        String.format(
            Locale.ROOT,
            "- **Other load:** load average %s at start, %s at end; processes outside the benchmark used "
                + "%.2f cores on average (max %.2f) during the measured windows. %d scenario(s) were re-run because of outside load "
                + "(%.0f s spent on re-runs and waiting)",
            loadBefore,
            Machine.loadAverage(),
            mean,
            max,
            reruns,
            retryNanos / 1e9);
    if (disturbed > 0) {
      out +=
          String.format(
              Locale.ROOT,
              "; **%d of %d scenarios still ran with more than %.2f cores of outside load** (marked ⚠ "
                  + "in the \"background cores\" columns) — treat those rows with care",
              disturbed,
              background.size(),
              maxBackground);
    } else {
      out +=
          String.format(
              Locale.ROOT,
              "; no kept scenario had more than %.2f cores of outside load",
              maxBackground);
    }
    return out + ".\n";
  }

  private String cpuSection() {
    int c = referenceConcurrency();
    StringBuilder md = new StringBuilder();
    md.append("## Where the CPU goes (GET, concurrency ").append(c).append(")\n\n");
    md.append(
            "CPU time per operation in µs, measured over each scenario's measured window: redis-server and redis-benchmark from\n"
                + "`/proc`, this JVM per thread (load generator's gRPC client event loop, gateway gRPC server event loops, Lettuce I/O\n"
                + "threads — the benchmark's own connection in the Lettuce rows, the gateway's in the gateway rows — other Java threads,\n"
                + "and GC/JIT = process CPU minus all Java threads). \"cores busy\" is total CPU ÷ wall time, out of ")
        .append(cores)
        .append(".\n\n");
    String[] groups = CpuProbe.GROUPS;
    md.append("| size | client | ops/s | cores busy |");
    for (String g : groups) {
      md.append(' ').append(g).append(" |");
    }
    md.append(" total µs/op |\n|---|---|---:|---:|");
    for (int i = 0; i < groups.length; i++) {
      md.append("---:|");
    }
    md.append("---:|\n");
    for (int size : sizes) {
      for (Client client : clients) {
        Row row = row(Op.GET, size, c, client);
        if (row == null || row.cpu() == null) {
          continue;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %,.0f | %.2f |",
                sizeLabel(size),
                client.label,
                row.opsPerSecond(),
                row.cpu().cores()));
        for (String g : groups) {
          md.append(String.format(Locale.ROOT, " %.1f |", row.cpuMicrosPerOp(g)));
        }
        md.append(String.format(Locale.ROOT, " **%.1f** |%n", row.cpuMicrosPerOp()));
      }
    }
    md.append('\n');
    return md.toString();
  }

  private String why(List<Target> targets) {
    StringBuilder md = new StringBuilder();
    int c = referenceConcurrency();
    int size = sizes.get(0);
    Row lettuce = row(Op.GET, size, c, Client.LETTUCE);
    Row unary = row(Op.GET, size, c, Client.UNARY);
    Row pipeline = row(Op.GET, size, c, Client.PIPELINE);
    boolean throughputMissed =
        targets.stream().limit(2).anyMatch(t -> Boolean.FALSE.equals(t.met()));
    if (throughputMissed
        && lettuce != null
        && lettuce.cpu() != null
        && unary != null
        && unary.cpu() != null) {
      md.append(
          String.format(
              Locale.ROOT,
              "**Throughput.** GET, %s, %d in flight: direct Lettuce kept %.2f of the %d cores busy "
                  + "for %,.0f ops/s, i.e. %.1f CPU-µs per operation for the whole box (%s). Through the gateway the same GET cost "
                  + "%.1f µs as a unary call (%s)",
              sizeLabel(size),
              c,
              lettuce.cpu().cores(),
              cores,
              lettuce.opsPerSecond(),
              lettuce.cpuMicrosPerOp(),
              breakdown(lettuce),
              unary.cpuMicrosPerOp(),
              breakdown(unary)));
      if (pipeline != null && pipeline.cpu() != null) {
        md.append(
            String.format(
                Locale.ROOT,
                " and %.1f µs as a Pipeline request (%s)",
                pipeline.cpuMicrosPerOp(),
                breakdown(pipeline)));
      }
      md.append(". ");
      double lettuceBusy = lettuce.cpu().cores() + lettuce.cpu().otherProcessesCores();
      double unaryBusy = unary.cpu().cores() + unary.cpu().otherProcessesCores();
      // With the same cores fully busy, throughput is inversely proportional to CPU per operation.
      md.append(
          String.format(
              Locale.ROOT,
              "With the load generator, gateway and Redis sharing %d cores, throughput can be at most about "
                  + "cores ÷ CPU per operation, so the CPU-bound ceiling relative to direct Lettuce is %.1f ÷ %.1f = **%.2f× for unary** "
                  + "(measured %.2f×)",
              cores,
              lettuce.cpuMicrosPerOp(),
              unary.cpuMicrosPerOp(),
              lettuce.cpuMicrosPerOp() / unary.cpuMicrosPerOp(),
              ratio(unary)));
      if (pipeline != null && pipeline.cpu() != null) {
        md.append(
            String.format(
                Locale.ROOT,
                " and %.1f ÷ %.1f = **%.2f× for Pipeline** (measured %.2f×)",
                lettuce.cpuMicrosPerOp(),
                pipeline.cpuMicrosPerOp(),
                lettuce.cpuMicrosPerOp() / pipeline.cpuMicrosPerOp(),
                ratio(pipeline)));
      }
      double unaryCeiling = lettuce.cpuMicrosPerOp() / unary.cpuMicrosPerOp();
      double pipelineCeiling =
          pipeline == null || pipeline.cpu() == null
              ? Double.NaN
              : lettuce.cpuMicrosPerOp() / pipeline.cpuMicrosPerOp();
      List<String> unreachable = new ArrayList<>();
      if (unaryCeiling < 0.7) {
        unreachable.add("unary 0.7×");
      }
      if (pipelineCeiling < 1.0) {
        unreachable.add("Pipeline 1.0×");
      }
      md.append(
          unreachable.isEmpty()
              ? ": the ceilings are above the targets, so the shortfall is waiting rather than CPU work. "
              : ": the "
                  + String.join(" and ", unreachable)
                  + " target"
                  + (unreachable.size() > 1 ? "s are" : " is")
                  + " above what this setup can reach with the gateway's current CPU cost per operation, however the waiting is tuned. ");
      md.append(
          String.format(
              Locale.ROOT,
              "The remaining gap to the ceiling is idle CPU (busy including outside load: direct %.2f, "
                  + "unary %.2f of %d cores) — time lost to thread hand-offs and wake-ups. ",
              lettuceBusy,
              unaryBusy,
              cores));
      md.append(
          String.format(
              Locale.ROOT,
              "Redis itself needs only %.1f µs of that per GET; the rest is the extra hop: the load "
                  + "generator's gRPC client (%.1f µs — on a real deployment that would run on the client's machine), the gateway's gRPC "
                  + "server (%.1f µs) and the gateway's Lettuce threads, which decode RESP and also encode the gRPC responses (%.1f µs). "
                  + "%.0f%% of this JVM's CPU in the unary run was kernel time (loopback TCP).%n%n",
              unary.cpuMicrosPerOp(CpuProbe.REDIS),
              unary.cpuMicrosPerOp(CpuProbe.LOADGEN_GRPC),
              unary.cpuMicrosPerOp(CpuProbe.GATEWAY_GRPC),
              unary.cpuMicrosPerOp(CpuProbe.LETTUCE),
              100 * unary.cpu().jvmSysShare()));
    }
    for (Map.Entry<String, Profiler.Profile> entry : profiles.entrySet()) {
      Profiler.Profile p = entry.getValue();
      md.append(
          String.format(
              Locale.ROOT,
              "JFR profile of a re-run of %s GET 100 B at concurrency %d (%,d samples of threads running Java "
                  + "code; time inside syscalls is not sampled). By thread: %s. By library (JDK frames charged to their caller): %s. "
                  + "Hottest methods: %s.%n%n",
              entry.getKey(),
              c,
              p.samples(),
              p.top(p.byThreadGroup(), 6),
              p.top(p.byLibrary(), 8),
              p.top(p.hotMethods(), 6)));
    }
    boolean latencyMissed = targets.stream().skip(2).anyMatch(t -> Boolean.FALSE.equals(t.met()));
    if (latencyMissed) {
      RateRow direct = rateRows.get(0);
      RateRow viaGateway = rateRows.get(1);
      RateRow health = rateRows.get(2);
      double added50 = viaGateway.ms(50) - direct.ms(50);
      double added99 = viaGateway.ms(99) - direct.ms(99);
      md.append(
          String.format(
              Locale.ROOT,
              "**Latency.** At %d req/s the gateway added %.3f ms at p50 and %.3f ms at p99. A health check — "
                  + "the same gRPC client, loopback connection and gateway server, but no Redis — took p50 %.3f / p99 %.3f ms at the same rate. ",
              rate,
              added50,
              added99,
              health.ms(50),
              health.ms(99)));
      if (health.ms(50) >= added50) {
        md.append(
            "So the added median is no more than the extra gRPC round trip itself (HTTP/2 framing, two more loopback socket "
                + "hops and thread wake-ups on each side); the gateway's own hand-off to Redis adds nothing measurable on top. ");
      } else {
        md.append(
            String.format(
                Locale.ROOT,
                "So the extra gRPC round trip explains %d%% of the added median; the remaining %.3f ms is the "
                    + "gateway's hand-off to its Lettuce connection and back. ",
                Math.round(100 * health.ms(50) / added50),
                added50 - health.ms(50)));
      }
      double tailBackground = Math.max(direct.background(), viaGateway.background());
      md.append(
          String.format(
              Locale.ROOT,
              "%d GC pauses (%d ms in total) fell into the gateway run; other processes used up to %.2f cores "
                  + "during these runs%s.%n%n",
              viaGateway.gcCount(),
              viaGateway.gcMillis(),
              tailBackground,
              tailBackground > maxBackground
                  ? ", so the p99 figures mostly measure the scheduler on a crowded 2-core machine"
                  : ""));
    }
    return md.toString();
  }

  private static String breakdown(Row row) {
    double total = row.cpuMicrosPerOp();
    return Stream.of(CpuProbe.GROUPS)
        .filter(g -> row.cpuMicrosPerOp(g) >= 0.05 * total)
        .sorted(Comparator.comparingDouble((String g) -> row.cpuMicrosPerOp(g)).reversed())
        .map(g -> String.format(Locale.ROOT, "%s %.1f", g, row.cpuMicrosPerOp(g)))
        .collect(Collectors.joining(", "));
  }

  // ------------------------------------------------------------------ helpers

  private String background(double cores) {
    return String.format(Locale.ROOT, cores > maxBackground ? "%.2f ⚠" : "%.2f", cores);
  }

  private static String sizeLabel(int size) {
    return size % 1024 == 0 ? (size / 1024) + " KiB" : size + " B";
  }

  private static String ms(double value) {
    return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static String join(List<Integer> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static void log(String format, Object... values) {
    System.out.printf(Locale.ROOT, "[bench] " + format + "%n", values);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // temporary files only
    }
  }
}
