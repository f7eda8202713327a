package io.redisgrpc.benchmark;

/**
 * One way of sending work to Redis (directly or through the gateway). A "send" is one request on
 * the wire: a single command, or a whole batch of {@link #opsPerSend()} commands.
 */
interface LoadClient {
  /** Called when a send is answered, with how many of its operations failed (error or GET miss). */
  @FunctionalInterface
  interface Completion {
    void done(int failedOps);
  }

  /** Operations carried by one send (1, or the batch size). */
  default int opsPerSend() {
    return 1;
  }

  /** Prepares for {@code slots} concurrent sends (e.g. opens a stream). */
  default void open(int slots) {}

  /**
   * Sends one request; {@code done} runs exactly once, normally on an I/O thread. At most one send
   * per {@code slot} is outstanding at any time.
   */
  void send(int slot, Completion done);

  /** Ends what {@link #open} started, after every send has been answered. */
  default void close() {}
}
