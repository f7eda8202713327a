package io.redisgrpc.gateway.security;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server's TLS credentials, built on grpc-java's swappable key and trust managers ({@link
 * AdvancedTlsX509KeyManager}, {@link AdvancedTlsX509TrustManager}), which parse the PEM files and
 * serve every new TLS handshake from the material loaded last.
 *
 * <p>Reload: the files are compared by content every {@code intervalMs} and reloaded through the
 * managers' own file loaders when they changed. (The managers' built-in refresh is not used because
 * grpc-java raises any period below one minute to one minute.) Open connections keep their session,
 * new handshakes get the new certificate or CA bundle, so no call fails during a renewal. A version
 * that does not load is logged and the previous one stays in use. With a client CA the server
 * requires a client certificate (mTLS) that chains to the bundle and is within its validity period.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  private final ServerCredentials credentials;
  private final List<ScheduledFuture<?>> watches;

  private ServerTls(ServerCredentials credentials, List<ScheduledFuture<?>> watches) {
    this.credentials = credentials;
    this.watches = watches;
  }

  public static ServerTls start(
      Path certFile,
      Path keyFile,
      Path clientCaFile,
      ScheduledExecutorService watcher,
      long intervalMs) {
    List<ScheduledFuture<?>> watches = new ArrayList<>();
    try {
      AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
      keys.updateIdentityCredentials(certFile.toFile(), keyFile.toFile());
      watches.add(
          watch(
              watcher,
              intervalMs,
              "server certificate " + certFile,
              List.of(certFile, keyFile),
              () -> keys.updateIdentityCredentials(certFile.toFile(), keyFile.toFile())));
      TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(keys);
      if (clientCaFile != null) {
        AdvancedTlsX509TrustManager trust =
            AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(
                    AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .build();
        trust.updateTrustCredentials(clientCaFile.toFile());
        watches.add(
            watch(
                watcher,
                intervalMs,
                "client CA bundle " + clientCaFile,
                List.of(clientCaFile),
                () -> trust.updateTrustCredentials(clientCaFile.toFile())));
        builder.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return new ServerTls(builder.build(), watches);
    } catch (IOException | GeneralSecurityException e) {
      watches.forEach(w -> w.cancel(false));
      throw new IllegalArgumentException(
          "cannot load the gateway's TLS files ("
              + certFile
              + ", "
              + keyFile
              + (clientCaFile == null ? "" : ", " + clientCaFile)
              + "): "
              + e.getMessage(),
          e);
    }
  }

  @FunctionalInterface
  private interface Reload {
    void run() throws IOException, GeneralSecurityException;
  }

  private static ScheduledFuture<?> watch(
      ScheduledExecutorService watcher,
      long intervalMs,
      String what,
      List<Path> files,
      Reload reload) {
    byte[][] loaded = {contents(files)};
    return watcher.scheduleWithFixedDelay(
        () -> {
          byte[] now = contents(files);
          if (now == null || Arrays.equals(now, loaded[0])) {
            return;
          }
          loaded[0] = now;
          try {
            reload.run();
            LOG.info("reloaded the {}", what);
          } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.error(
                "the {} changed but does not load ({}); new connections keep getting the previous one",
                what,
                e.toString());
          }
        },
        intervalMs,
        intervalMs,
        TimeUnit.MILLISECONDS);
  }

  /** All files' bytes, one after the other; null while one cannot be read. */
  private static byte[] contents(List<Path> files) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (Path file : files) {
        out.write(Files.readAllBytes(file));
        out.write(0);
      }
      return out.toByteArray();
    } catch (IOException e) {
      return null;
    }
  }

  public ServerCredentials credentials() {
    return credentials;
  }

  @Override
  public void close() {
    watches.forEach(w -> w.cancel(false));
  }
}
