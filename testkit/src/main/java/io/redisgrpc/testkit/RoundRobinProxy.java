package io.redisgrpc.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP stand-in for a Kubernetes Service on loopback: every new connection goes to the next
 * backend in turn, as kube-proxy spreads connections over a Service's endpoints. Clients that are
 * given one address (a Service) and open several connections over time reach different servers,
 * which is what the gateway sees of the sentinels in a real cluster.
 */
public final class RoundRobinProxy implements AutoCloseable {
  private final ServerSocket server;
  private final List<Integer> backendPorts;
  private final AtomicInteger next = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean refusing;

  private RoundRobinProxy(ServerSocket server, List<Integer> backendPorts) {
    this.server = server;
    this.backendPorts = List.copyOf(backendPorts);
  }

  /** Listens on a free loopback port and forwards to the given loopback ports. */
  public static RoundRobinProxy start(List<Integer> backendPorts) {
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      RoundRobinProxy proxy = new RoundRobinProxy(server, backendPorts);
      daemon("proxy-accept-" + server.getLocalPort(), proxy::acceptLoop);
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /**
   * While refusing, new connections are closed at once, as a Service whose endpoints are all gone
   * (every backend pod restarting) refuses them; connections already open stay.
   */
  public void refuse(boolean refusing) {
    this.refusing = refusing;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (refusing) {
          client.close();
          continue;
        }
        int backendPort =
            backendPorts.get(Math.floorMod(next.getAndIncrement(), backendPorts.size()));
        Socket backend = new Socket();
        try {
          backend.connect(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), backendPort), 1_000);
        } catch (IOException refused) {
          client.close(); // as kube-proxy does for an endpoint that is gone: the client retries
          continue;
        }
        open.add(client);
        open.add(backend);
        pump(client, backend);
        pump(backend, client);
      } catch (IOException e) {
        if (!server.isClosed()) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    daemon(
        "proxy-pump",
        () -> {
          byte[] buffer = new byte[16 * 1024];
          try (InputStream in = from.getInputStream();
              OutputStream out = to.getOutputStream()) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
              out.write(buffer, 0, read);
              out.flush();
            }
          } catch (IOException closed) {
            // one side went away: close both below
          } finally {
            closeQuietly(from);
            closeQuietly(to);
          }
        });
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void closeQuietly(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    open.forEach(this::closeQuietly);
  }
}
