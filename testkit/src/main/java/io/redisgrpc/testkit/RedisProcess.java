package io.redisgrpc.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One real {@code redis-server} (or {@code redis-sentinel}) process bound to 127.0.0.1.
 *
 * <p>The process keeps its port and working directory across {@link #stop()} / {@link #start()}, so
 * tests can take a node down and bring the same node back. Every process still running when the JVM
 * exits is killed by a shutdown hook, so a crashed test never leaves servers behind.
 */
public final class RedisProcess implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "redis-testkit-reaper"));
  }

  private final String binary;
  private final int port;
  private final Path dir;
  private final List<String> configLines;
  private Process process;

  /**
   * @param binary {@link RedisBinaries#server()} or {@link RedisBinaries#sentinel()}
   * @param configLines redis.conf directives ("maxmemory 10mb"); port, bind, dir and logfile are
   *     set here
   */
  public RedisProcess(String binary, int port, Path dir, List<String> configLines) {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    this.configLines = List.copyOf(configLines);
  }

  /**
   * Creates a process definition for a redis-server on a free port in a fresh directory under
   * {@code parent}.
   */
  public static RedisProcess server(Path parent, List<String> configLines) {
    int port = freePort();
    return new RedisProcess(
        RedisBinaries.server(), port, createDir(parent, "redis-" + port), configLines);
  }

  public synchronized RedisProcess start() {
    if (isAlive()) {
      return this;
    }
    Path conf = dir.resolve(binary.endsWith("sentinel") ? "sentinel.conf" : "redis.conf");
    // Sentinel rewrites its own file; keep what it learnt when the same process is restarted.
    if (!Files.exists(conf) || !binary.endsWith("sentinel")) {
      List<String> lines = new ArrayList<>();
      lines.add("port " + port);
      lines.add("bind 127.0.0.1");
      lines.add("dir " + dir);
      lines.add("logfile " + logFile());
      lines.add("daemonize no");
      lines.add("save \"\"");
      lines.add("appendonly no");
      lines.addAll(configLines);
      writeLines(conf, lines);
    }
    try {
      process =
          new ProcessBuilder(binary, conf.toString())
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary + " (is it installed?)", e);
    }
    LIVE.add(process);
    // Awaitility polls on another thread: hand it the process, not this (locked) object.
    Process started = process;
    Ports.awaitListening(port, Duration.ofSeconds(20), this::describeFailure, started::isAlive);
    return this;
  }

  /** Graceful stop (SIGTERM), waiting until the process has exited. */
  public synchronized void stop() {
    terminate(false);
  }

  /** Abrupt stop (SIGKILL): the closest thing to a crashed pod. */
  public synchronized void kill() {
    terminate(true);
  }

  private void terminate(boolean force) {
    if (process == null) {
      return;
    }
    if (force) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LIVE.remove(process);
    process = null;
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The OS process id (e.g. to show a setting was applied without a restart). */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("not started");
    }
    return process.pid();
  }

  public int port() {
    return port;
  }

  public Path dir() {
    return dir;
  }

  public Path logFile() {
    return dir.resolve("redis.log");
  }

  public String hostAndPort() {
    return "127.0.0.1:" + port;
  }

  /** The last lines of the log, for assertion messages. */
  public String logTail() {
    try {
      List<String> lines =
          Files.exists(logFile()) ? Files.readAllLines(logFile()) : Collections.emptyList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  private String describeFailure() {
    String out;
    try {
      out = Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      out = "";
    }
    return binary + " on port " + port + " did not start listening.\n" + out + "\n" + logTail();
  }

  @Override
  public void close() {
    stop();
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path createDir(Path parent, String name) {
    try {
      return Files.createDirectories(parent.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeLines(Path file, List<String> lines) {
    try {
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
