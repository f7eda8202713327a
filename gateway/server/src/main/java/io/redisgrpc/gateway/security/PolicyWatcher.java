package io.redisgrpc.gateway.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link PolicyHolder} in step with {@code --policy-file}. The file is read on a fixed
 * interval and compared by content (a mounted ConfigMap changes by swapping a symlink, which file
 * events and timestamps do not always show). A version that does not parse or validate is logged
 * and counted ({@code redisgrpc_policy_reloads_total{result="error"}}) and the last good policy
 * stays in force; the first version must be good or the gateway does not start.
 */
public final class PolicyWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyWatcher.class);

  private final Path file;
  private final PolicyHolder holder;
  private final Counter loaded;
  private final Counter failed;
  private final ScheduledFuture<?> task;
  private byte[] lastSeen;

  private PolicyWatcher(
      Path file,
      byte[] content,
      PolicyHolder holder,
      MeterRegistry registry,
      ScheduledExecutorService scheduler,
      long intervalMs) {
    this.file = file;
    this.holder = holder;
    this.lastSeen = content;
    this.loaded =
        Counter.builder("redisgrpc.policy.reloads")
            .tag("result", "ok")
            .description("Policy file versions put in force")
            .register(registry);
    this.failed =
        Counter.builder("redisgrpc.policy.reloads")
            .tag("result", "error")
            .description("Policy file versions refused (the last good policy stays)")
            .register(registry);
    Gauge.builder("redisgrpc.policy.clients", holder, h -> h.get().clients().size())
        .description("Clients declared in the policy in force")
        .register(registry);
    loaded.increment();
    this.task =
        scheduler.scheduleWithFixedDelay(
            this::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  /** Reads and validates the file once (failing the start if it is bad), then watches it. */
  public static PolicyWatcher start(
      Path file, MeterRegistry registry, ScheduledExecutorService scheduler, long intervalMs) {
    byte[] content;
    Policy policy;
    try {
      content = Files.readAllBytes(file);
      policy = Policy.parse(content);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--policy-file: cannot read " + file + ": " + e.getMessage(), e);
    } catch (PolicyException e) {
      throw new IllegalArgumentException("--policy-file " + file + ": " + e.getMessage(), e);
    }
    LOG.info("policy loaded from {}: clients {}", file, policy.clientNames());
    return new PolicyWatcher(
        file, content, new PolicyHolder(policy), registry, scheduler, intervalMs);
  }

  public PolicyHolder holder() {
    return holder;
  }

  void check() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      if (lastSeen != null) {
        LOG.error(
            "policy file {} cannot be read ({}); keeping the last good policy", file, e.toString());
        failed.increment();
        lastSeen = null;
      }
      return;
    }
    if (Arrays.equals(content, lastSeen)) {
      return;
    }
    lastSeen = content;
    try {
      Policy policy = Policy.parse(content);
      holder.set(policy);
      loaded.increment();
      LOG.info("policy reloaded from {}: clients {}", file, policy.clientNames());
    } catch (PolicyException e) {
      failed.increment();
      LOG.error(
          "policy file {} changed but is refused, keeping the last good policy: {}",
          file,
          e.getMessage());
    } catch (RuntimeException e) {
      failed.increment();
      LOG.error(
          "policy file {} changed but could not be applied, keeping the last good policy", file, e);
    }
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
