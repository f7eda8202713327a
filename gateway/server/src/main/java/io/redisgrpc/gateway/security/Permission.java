package io.redisgrpc.gateway.security;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a declared client may do, as written in the policy file ({@code read}, {@code write}, {@code
 * pubsub}).
 */
public enum Permission {
  READ,
  WRITE,
  PUBSUB;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Permission fromWire(String value) {
    for (Permission permission : values()) {
      if (permission.wireName().equals(value)) {
        return permission;
      }
    }
    throw new IllegalArgumentException(
        "unknown permission '" + value + "'; use read, write or pubsub");
  }
}
