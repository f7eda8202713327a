package io.redisgrpc.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Waiting for a loopback port to accept connections, with a deadline. */
final class Ports {
  private Ports() {}

  static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void awaitListening(
      int port, Duration timeout, Supplier<String> failure, BooleanSupplier alive) {
    try {
      Awaitility.await("port " + port + " listening")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                if (!alive.getAsBoolean()) {
                  throw new IllegalStateException("process exited early: " + failure.get());
                }
                return accepts(port);
              });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(failure.get(), e);
    }
  }
}
