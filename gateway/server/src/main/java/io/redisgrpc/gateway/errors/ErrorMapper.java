package io.redisgrpc.gateway.errors;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns whatever went wrong into a gRPC status a client can act on: a code that means what it says,
 * a readable message and an {@link ErrorInfo} with a stable reason. Stack traces stay in the
 * gateway's log.
 */
public final class ErrorMapper {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  /** The status for a failed operation, as it goes into a Batch/Pipeline result. */
  public static com.google.rpc.Status toStatus(Throwable failure) {
    Throwable error = unwrap(failure);
    if (error instanceof GatewayException e) {
      return status(e.code(), e.reason(), e.getMessage());
    }
    if (error instanceof StatusRuntimeException e) {
      com.google.rpc.Status proto = StatusProto.fromThrowable(e);
      return proto != null
          ? proto
          : status(
              e.getStatus().getCode(), ErrorReason.REDIS_ERROR, e.getStatus().getDescription());
    }
    if (error instanceof RedisCommandTimeoutException e) {
      return status(
          Status.Code.DEADLINE_EXCEEDED,
          ErrorReason.DEADLINE_EXCEEDED,
          "Redis did not answer before the deadline (" + e.getMessage() + ")");
    }
    if (error instanceof TimeoutException) {
      return status(
          Status.Code.DEADLINE_EXCEEDED,
          ErrorReason.DEADLINE_EXCEEDED,
          "deadline exceeded while waiting for Redis");
    }
    if (error instanceof RedisCommandExecutionException e) {
      return fromRedisError(e.getMessage() == null ? "" : e.getMessage());
    }
    if (error instanceof RedisException || error instanceof IOException) {
      return status(
          Status.Code.UNAVAILABLE,
          ErrorReason.REDIS_UNAVAILABLE,
          "Redis is unreachable: " + error.getMessage());
    }
    if (error instanceof CancellationException) {
      return status(Status.Code.CANCELLED, ErrorReason.CANCELLED, "the operation was cancelled");
    }
    LOG.warn("unexpected failure", error);
    return status(
        Status.Code.INTERNAL,
        ErrorReason.REDIS_ERROR,
        "internal gateway error ("
            + error.getClass().getSimpleName()
            + "); details are in the gateway log");
  }

  /** Maps a Redis error reply by its error code (the first word). */
  static com.google.rpc.Status fromRedisError(String message) {
    String code = message.contains(" ") ? message.substring(0, message.indexOf(' ')) : message;
    return switch (code) {
      case "NOPERM" ->
          status(
              Status.Code.PERMISSION_DENIED,
              ErrorReason.REDIS_NOPERM,
              "Redis refused the operation for this user: " + message);
      case "OOM" ->
          status(
              Status.Code.RESOURCE_EXHAUSTED,
              ErrorReason.REDIS_OOM,
              "Redis is out of memory and its eviction policy refuses writes: " + message);
      case "WRONGTYPE" ->
          status(
              Status.Code.INVALID_ARGUMENT,
              ErrorReason.WRONG_TYPE,
              "the key holds a value of another type than this operation works on");
      case "CROSSSLOT" ->
          status(
              Status.Code.INVALID_ARGUMENT,
              ErrorReason.CROSS_SLOT,
              "the keys of this operation must be in the same cluster slot; give them a common hash tag such as {queue}");
      case "LOADING",
          "READONLY",
          "MASTERDOWN",
          "CLUSTERDOWN",
          "TRYAGAIN",
          "NOREPLICAS",
          "BUSY",
          "NOAUTH",
          "WRONGPASS",
          "MOVED",
          "ASK" ->
          status(
              Status.Code.UNAVAILABLE,
              ErrorReason.REDIS_UNAVAILABLE,
              "Redis cannot serve this right now (failover, resharding or loading): " + message);
      // A command inside a Lua script that the ACL user may not run is reported as a plain ERR.
      default ->
          message.startsWith("ERR The user executing the script can't")
              ? status(
                  Status.Code.PERMISSION_DENIED,
                  ErrorReason.REDIS_NOPERM,
                  "Redis refused the operation for this user: " + message)
              // Before the not-a-number check: an overflow is about the result, not the stored
              // value.
              : message.contains("would overflow")
                  ? status(
                      Status.Code.INVALID_ARGUMENT,
                      ErrorReason.NUMBER_OVERFLOW,
                      "the increment would overflow: the result does not fit in a signed 64-bit integer; nothing was changed ("
                          + message
                          + ")")
                  : message.contains("NaN or Infinity")
                      ? status(
                          Status.Code.INVALID_ARGUMENT,
                          ErrorReason.NUMBER_OVERFLOW,
                          "the result would be infinite or not a number (a float overflow, or a stored value that is already infinite); nothing was"
                              + " changed ("
                              + message
                              + ")")
                      : isNumberError(message)
                          ? status(
                              Status.Code.INVALID_ARGUMENT,
                              ErrorReason.NOT_A_NUMBER,
                              "the stored value is not a number that this operation can use: "
                                  + message)
                          : status(
                              Status.Code.UNKNOWN,
                              ErrorReason.REDIS_ERROR,
                              "Redis answered with an error: " + message);
    };
  }

  private static boolean isNumberError(String message) {
    return message.contains("not an integer")
        || message.contains("not a valid float")
        // HINCRBYFLOAT on a field that holds no number
        || message.contains("not a float");
  }

  public static com.google.rpc.Status status(Status.Code code, ErrorReason reason, String message) {
    return com.google.rpc.Status.newBuilder()
        .setCode(code.value())
        .setMessage(message == null ? code.name() : message)
        .addDetails(
            Any.pack(
                ErrorInfo.newBuilder()
                    .setReason(reason.name())
                    .setDomain(ErrorReason.DOMAIN)
                    .build()))
        .build();
  }

  /** The ErrorInfo reason of a status this class built ("UNKNOWN" if it carries none). */
  public static String reasonOf(com.google.rpc.Status status) {
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class).getReason();
        } catch (InvalidProtocolBufferException e) {
          return "UNKNOWN";
        }
      }
    }
    return "UNKNOWN";
  }

  private static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
