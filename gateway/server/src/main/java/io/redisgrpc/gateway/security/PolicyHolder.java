package io.redisgrpc.gateway.security;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** The policy in force; swapped as a whole when a new file version validates. */
public final class PolicyHolder {
  private final AtomicReference<Policy> current;
  private final List<Consumer<Policy>> listeners = new CopyOnWriteArrayList<>();

  public PolicyHolder(Policy initial) {
    this.current = new AtomicReference<>(initial);
  }

  public Policy get() {
    return current.get();
  }

  void set(Policy policy) {
    current.set(policy);
    listeners.forEach(listener -> listener.accept(policy));
  }

  /** Called after every change, with the new policy. */
  public void onChange(Consumer<Policy> listener) {
    listeners.add(listener);
  }
}
