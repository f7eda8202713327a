package io.redisgrpc.testkit;

/**
 * Where the Redis executables are: on the PATH by default (Debian's redis-server and redis-sentinel
 * packages), or wherever {@code REDIS_SERVER_BIN}, {@code REDIS_SENTINEL_BIN} and {@code
 * REDIS_CLI_BIN} point.
 */
public final class RedisBinaries {
  private RedisBinaries() {}

  public static String server() {
    return fromEnv("REDIS_SERVER_BIN", "redis-server");
  }

  public static String sentinel() {
    return fromEnv("REDIS_SENTINEL_BIN", "redis-sentinel");
  }

  public static String cli() {
    return fromEnv("REDIS_CLI_BIN", "redis-cli");
  }

  public static String benchmark() {
    return fromEnv("REDIS_BENCHMARK_BIN", "redis-benchmark");
  }

  private static String fromEnv(String variable, String fallback) {
    String value = System.getenv(variable);
    return value == null || value.isBlank() ? fallback : value;
  }
}
