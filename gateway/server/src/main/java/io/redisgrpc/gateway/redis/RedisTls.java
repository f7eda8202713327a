package io.redisgrpc.gateway.redis;

import io.lettuce.core.SslOptions;
import java.nio.file.Path;

/**
 * TLS towards Redis. Lettuce builds the SSL context from these options on every connection attempt
 * and the file-based resources are read at that moment, so a renewed client certificate or trust
 * bundle is used from the next (re)connect on, without a restart.
 */
public record RedisTls(Path caFile, Path certFile, Path keyFile) {

  public SslOptions sslOptions() {
    SslOptions.Builder builder = SslOptions.builder().jdkSslProvider();
    if (caFile != null) {
      builder.trustManager(caFile.toFile());
    }
    if (certFile != null) {
      builder.keyManager(certFile.toFile(), keyFile.toFile(), null);
    }
    return builder.build();
  }
}
