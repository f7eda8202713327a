package io.redisgrpc.gateway.security;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server's TLS credentials, from grpc-java's own reloading key and trust managers:
 * {@link AdvancedTlsX509KeyManager} and {@link AdvancedTlsX509TrustManager} re-read the PEM
 * files every {@code intervalMs} when their modification time changed. A new certificate or CA
 * bundle is used by the next TLS handshake; open connections keep theirs, so no call fails
 * during a renewal. With a client CA the server requires a client certificate (mTLS) that
 * chains to it and is within its validity period.
 */
public final class ServerTls implements AutoCloseable {
  private final ServerCredentials credentials;
  private final List<AutoCloseable> watches;

  private ServerTls(ServerCredentials credentials, List<AutoCloseable> watches) {
    this.credentials = credentials;
    this.watches = watches;
  }

  public static ServerTls start(Path certFile, Path keyFile, Path clientCaFile, ScheduledExecutorService watcher, long intervalMs) {
    List<AutoCloseable> watches = new ArrayList<>();
    try {
      AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
      watches.add(keys.updateIdentityCredentials(certFile.toFile(), keyFile.toFile(), intervalMs, TimeUnit.MILLISECONDS, watcher));
      TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(keys);
      if (clientCaFile != null) {
        AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
        watches.add(trust.updateTrustCredentials(clientCaFile.toFile(), intervalMs, TimeUnit.MILLISECONDS, watcher));
        builder.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return new ServerTls(builder.build(), watches);
    } catch (IOException | GeneralSecurityException e) {
      closeAll(watches);
      throw new IllegalArgumentException("cannot load the gateway's TLS files (" + certFile + ", " + keyFile
          + (clientCaFile == null ? "" : ", " + clientCaFile) + "): " + e.getMessage(), e);
    }
  }

  public ServerCredentials credentials() {
    return credentials;
  }

  @Override
  public void close() {
    closeAll(watches);
  }

  private static void closeAll(List<AutoCloseable> closeables) {
    for (AutoCloseable closeable : closeables) {
      try {
        closeable.close();
      } catch (Exception ignored) {
        // only cancels a scheduled task
      }
    }
  }
}
