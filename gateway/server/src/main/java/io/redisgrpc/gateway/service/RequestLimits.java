package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.redisgrpc.gateway.config.GatewayConfig;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.GatewayException;
import java.util.List;

/** The configured size limits, checked before anything reaches Redis. Pure: no I/O. */
public record RequestLimits(
    int maxKeyBytes, int maxValueBytes, int maxBatchOperations, int maxElements) {

  public static RequestLimits from(GatewayConfig config) {
    return new RequestLimits(
        config.maxKeyBytes(),
        config.maxValueBytes(),
        config.maxBatchOperations(),
        config.maxElements());
  }

  /**
   * The same limits with room for {@code extraKeyBytes} more per key: for keys that were already
   * checked before a client's prefix was put in front of them.
   */
  public RequestLimits withKeyAllowance(int extraKeyBytes) {
    return new RequestLimits(
        (int) Math.min(Integer.MAX_VALUE, (long) maxKeyBytes + extraKeyBytes),
        maxValueBytes,
        maxBatchOperations,
        maxElements);
  }

  /** A key, field, member or channel name: not empty, not larger than max-key-bytes. */
  public ByteString key(ByteString key, String what) {
    if (key.isEmpty()) {
      throw GatewayException.invalid(ErrorReason.KEY_EMPTY, what + " must not be empty");
    }
    if (key.size() > maxKeyBytes) {
      throw GatewayException.invalid(
          ErrorReason.KEY_TOO_LARGE,
          what + " is " + key.size() + " bytes; the limit is " + maxKeyBytes + " bytes");
    }
    return key;
  }

  public ByteString key(ByteString key) {
    return key(key, "key");
  }

  public ByteString value(ByteString value) {
    if (value.size() > maxValueBytes) {
      throw GatewayException.invalid(
          ErrorReason.VALUE_TOO_LARGE,
          "value is " + value.size() + " bytes; the limit is " + maxValueBytes + " bytes");
    }
    return value;
  }

  /** A repeated field: at least one element, at most max-elements, each checked as a key. */
  public ByteString[] keys(List<ByteString> keys, String what) {
    elements(keys.size(), what);
    ByteString[] array = new ByteString[keys.size()];
    for (int i = 0; i < array.length; i++) {
      array[i] = key(keys.get(i), what.replaceAll("s$", ""));
    }
    return array;
  }

  public void elements(int count, String what) {
    if (count == 0) {
      throw GatewayException.invalid(ErrorReason.INVALID_REQUEST, what + " must not be empty");
    }
    if (count > maxElements) {
      throw GatewayException.invalid(
          ErrorReason.TOO_MANY_ELEMENTS,
          "request has " + count + " " + what + "; the limit is " + maxElements);
    }
  }

  public void batch(int operations) {
    if (operations > maxBatchOperations) {
      throw GatewayException.invalid(
          ErrorReason.TOO_MANY_OPERATIONS,
          "batch has " + operations + " operations; the limit is " + maxBatchOperations);
    }
  }

  public static long nonNegative(long value, String what) {
    if (value < 0) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST, what + " must not be negative, got " + value);
    }
    return value;
  }

  public static long positive(long value, String what) {
    if (value <= 0) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST, what + " must be greater than 0, got " + value);
    }
    return value;
  }

  /**
   * The longest duration a request may give (TTLs, lease TTLs, waits): 100 years. Redis refuses an
   * expiry whose end in milliseconds would pass a 64-bit number ("invalid expire time"), which
   * reached callers as UNKNOWN; this answers INVALID_ARGUMENT naming the field instead.
   */
  public static final long MAX_DURATION_MS = 100L * 365 * 24 * 3600 * 1000;

  /** A duration in milliseconds: 0 or more, at most {@link #MAX_DURATION_MS}. */
  public static long duration(long value, String what) {
    nonNegative(value, what);
    return atMostMaxDuration(value, what);
  }

  /** A duration in milliseconds that must be greater than 0, at most {@link #MAX_DURATION_MS}. */
  public static long positiveDuration(long value, String what) {
    positive(value, what);
    return atMostMaxDuration(value, what);
  }

  private static long atMostMaxDuration(long value, String what) {
    if (value > MAX_DURATION_MS) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST,
          what + " must be at most " + MAX_DURATION_MS + " (100 years), got " + value);
    }
    return value;
  }
}
