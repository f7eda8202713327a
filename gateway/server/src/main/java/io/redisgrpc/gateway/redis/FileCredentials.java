package io.redisgrpc.gateway.redis;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import reactor.core.publisher.Mono;

/**
 * Redis credentials read from files (a mounted Kubernetes Secret) each time a connection is made,
 * so a rotated password is used by the next reconnect without restarting the gateway.
 */
final class FileCredentials implements RedisCredentialsProvider {
  private final String username;
  private final Path usernameFile;
  private final Path passwordFile;

  FileCredentials(Path usernameFile, Path passwordFile) {
    this.username = null;
    this.usernameFile = usernameFile;
    this.passwordFile = passwordFile;
  }

  /**
   * A fixed user whose password is in {@code passwordFile} (one file per ACL user,
   * docs/security.md).
   */
  FileCredentials(String username, Path passwordFile) {
    this.username = username;
    this.usernameFile = null;
    this.passwordFile = passwordFile;
  }

  @Override
  public Mono<RedisCredentials> resolveCredentials() {
    return Mono.fromCallable(this::read);
  }

  RedisCredentials read() {
    String username =
        this.username != null
            ? this.username
            : usernameFile == null ? null : readTrimmed(usernameFile);
    String password = passwordFile == null ? null : readTrimmed(passwordFile);
    return RedisCredentials.just(username, password);
  }

  private static String readTrimmed(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Redis credential file " + file, e);
    }
  }
}
