package io.redisgrpc.operator.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/**
 * How the operator speaks TLS to Redis and Sentinel when {@code spec.tls} is on: its own client
 * certificate ({@code <name>-operator-tls}, since Redis runs {@code tls-auth-clients yes}) and the
 * trust bundle (every CA currently trusted, so a CA rotation never locks the operator out).
 *
 * <p>Pods are reached by IP while their certificates name their DNS names, so the peer is verified
 * against the trusted CAs only ({@link SslVerifyMode#CA}), not by host name; only a certificate
 * issued for this cache's CA chain is accepted.
 *
 * @param certificatePem the operator's certificate chain (PEM)
 * @param privateKeyPem its key (PKCS#8 PEM, as the operator asks cert-manager to write it)
 * @param trustedCasPem the trust bundle (PEM, one or more CA certificates)
 */
public record RedisTls(String certificatePem, String privateKeyPem, String trustedCasPem) {

  public ClientOptions clientOptions() {
    SslOptions ssl =
        SslOptions.builder()
            .keyManager(() -> stream(certificatePem), () -> stream(privateKeyPem), null)
            .trustManager(() -> stream(trustedCasPem))
            .build();
    return ClientOptions.builder().sslOptions(ssl).build();
  }

  public RedisURI.Builder secure(RedisURI.Builder uri) {
    return uri.withSsl(true).withVerifyPeer(SslVerifyMode.CA);
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
