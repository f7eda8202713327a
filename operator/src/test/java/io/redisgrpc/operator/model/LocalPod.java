package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One container of a rendered pod template, run as a local process the way a kubelet would run it:
 * its command with {@code $(VAR)} expanded from its environment, each volume mount a directory
 * filled with the volume's files, and its probes run as exec commands.
 *
 * <p>Three things differ from a pod, all by rewriting text: each mount path becomes a directory
 * under the test's temporary directory, the container's port becomes a free local port (pods each
 * have an address of their own; local processes share one), and Redis and Sentinel listen on
 * loopback only ({@link #LOOPBACK_BINDS}), never on the machine's external interface. Everything
 * else (the shell, the directives, the binaries on the PATH) is what the pod runs.
 */
final class LocalPod implements AutoCloseable {
  /** The pods' redis.conf listens on every interface: a pod's network is its own. */
  private static final String ALL_INTERFACES = "bind * -::*";

  private final Container container;

  /** 127.0.0.1, and the pod's own address when a test gives it another loopback one. */
  private final List<String> binds = new ArrayList<>();

  private final Map<String, String> rewrites = new LinkedHashMap<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Path root;
  private Process process;

  /**
   * @param volumes each mounted volume's name to its files (empty for an emptyDir)
   * @param env values of the downward-API variables (POD_NAME, POD_IP, HOSTNAME)
   */
  LocalPod(
      Path root,
      Container container,
      Map<String, Map<String, String>> volumes,
      Map<String, String> env,
      int containerPort,
      int localPort) {
    this(root, container, volumes, env, containerPort, localPort, Map.of());
  }

  /**
   * @param addresses further rewrites for what only a cluster resolves: another pod's or a
   *     Service's DNS name to a local address, another container's port to its local port
   */
  LocalPod(
      Path root,
      Container container,
      Map<String, Map<String, String>> volumes,
      Map<String, String> env,
      int containerPort,
      int localPort,
      Map<String, String> addresses) {
    this.root = root;
    this.container = container;
    List<VolumeMount> mounts = new ArrayList<>(container.getVolumeMounts());
    // Longest path first, so /etc/redis-acl is not rewritten as /etc/redis + "-acl".
    mounts.sort(Comparator.comparingInt((VolumeMount m) -> m.getMountPath().length()).reversed());
    for (VolumeMount mount : mounts) {
      rewrites.put(mount.getMountPath(), root.resolve(mount.getName()).toString());
    }
    rewrites.put(" " + containerPort, " " + localPort);
    binds.add("127.0.0.1");
    String podIp = env.get("POD_IP");
    if (podIp != null && podIp.startsWith("127.") && !binds.contains(podIp)) {
      binds.add(podIp);
    }
    rewrites.put(ALL_INTERFACES, "bind " + String.join(" ", binds));
    rewrites.putAll(addresses);
    for (VolumeMount mount : mounts) {
      write(root.resolve(mount.getName()), volumes.getOrDefault(mount.getName(), Map.of()));
    }
    for (EnvVar var : container.getEnv()) {
      this.env.put(var.getName(), var.getValue() != null ? var.getValue() : env.get(var.getName()));
    }
    this.env.putAll(env);
  }

  /**
   * Rewrites a text the container reads (a command, or a file in one of its volumes), in one pass:
   * a path already rewritten into the temporary directory must not be rewritten again.
   */
  String rewrite(String text) {
    // Longest first: a pod's "host port" is rewritten as one, not as its host and then its port.
    String alternatives =
        rewrites.keySet().stream()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .map(Pattern::quote)
            .collect(Collectors.joining("|"));
    return Pattern.compile(alternatives)
        .matcher(text)
        .replaceAll(match -> Matcher.quoteReplacement(rewrites.get(match.group())));
  }

  /** Starts the container's command. */
  LocalPod start() {
    process = launch(container.getCommand(), root.resolve(container.getName() + ".log"));
    return this;
  }

  /** Runs the command to completion (an init container); fails if it exits non-zero. */
  void runToCompletion() throws InterruptedException {
    Process init = launch(container.getCommand(), root.resolve(container.getName() + ".log"));
    if (!init.waitFor(30, TimeUnit.SECONDS) || init.exitValue() != 0) {
      throw new AssertionError("init container " + container.getName() + " failed: " + log());
    }
  }

  /** Runs an exec probe once; true if it succeeded (exit code 0) within its timeout. */
  boolean probe(Probe probe) {
    return exec(probe.getExec().getCommand(), probe.getTimeoutSeconds(), "probe.log");
  }

  /**
   * Runs the container's preStop hook to completion, as the kubelet does before it stops the
   * container.
   */
  boolean preStop(int gracePeriodSeconds) {
    return exec(
        container.getLifecycle().getPreStop().getExec().getCommand(),
        gracePeriodSeconds,
        "prestop.log");
  }

  String preStopLog() {
    return read("prestop.log");
  }

  private boolean exec(List<String> command, int timeoutSeconds, String logName) {
    try {
      Process check = launch(command, root.resolve(logName));
      return check.waitFor(timeoutSeconds, TimeUnit.SECONDS) && check.exitValue() == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /**
   * Sends the container's process SIGTERM, as the kubelet does once the preStop hook has returned;
   * does not wait.
   */
  void terminate() {
    process.destroy();
  }

  /** The container's exit code; only once it has exited. */
  int exitValue() {
    return process.exitValue();
  }

  /** A file in one of the container's volumes (by volume name), as its processes left it. */
  Path volumeFile(String volume, String name) {
    return root.resolve(volume).resolve(name);
  }

  String log() {
    return read(container.getName() + ".log");
  }

  /** A file the container's processes wrote under the pod's directory; "" if none. */
  private String read(String name) {
    try {
      Path file = root.resolve(name);
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process launch(List<String> command, Path log) {
    List<String> args =
        new ArrayList<>(command.stream().map(this::expand).map(this::rewrite).toList());
    if ("redis-sentinel".equals(args.get(0))) {
      // Its sentinel.conf has no bind (Sentinel's default: every interface).
      args.add("--bind");
      args.addAll(binds);
    }
    ProcessBuilder builder =
        new ProcessBuilder(args)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + args, e);
    }
  }

  /** Kubernetes expands {@code $(VAR)} in a command from the container's environment. */
  private String expand(String arg) {
    String result = arg;
    for (Map.Entry<String, String> var : env.entrySet()) {
      result = result.replace("$(" + var.getKey() + ")", var.getValue());
    }
    return result;
  }

  private void write(Path dir, Map<String, String> files) {
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, String> file : files.entrySet()) {
        Files.writeString(
            dir.resolve(file.getKey()), rewrite(file.getValue()), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
